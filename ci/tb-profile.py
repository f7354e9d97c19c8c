#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Guest instructions per function, from QEMU's execution log.

QEMU under TCG with "-d exec,nochain -dfilter RANGES -D LOG" writes one
"Trace" line per translation block it runs whose address is in RANGES.
This script gives the RANGES of the functions worth watching (`ranges`),
and turns two logs into instructions per unit of work (`diff`): a run that
does the work once and a run that does it N more times, so that what the
boot and the test's setup execute cancels out. A block's length comes from
the kernel's own disassembly: it runs from its first instruction to the
first control transfer (or the end of the page), which is where TCG ends a
block. With -icount shift=0 these are the same instructions gup_test's
timings count.

  tb-profile.py ranges VMLINUX SOURCE.c...   print the -dfilter argument
  tb-profile.py diff VMLINUX RANGES LOG1 LOGN UNITS [FUNCTION]
      per-function instructions of (LOGN - LOG1) / UNITS, largest first;
      with FUNCTION, its blocks with their counts and instructions
"""
import bisect
import collections
import re
import subprocess
import sys

# Called from GUP's hot paths, defined outside mm/gup.c.
EXTRA = {'vm_normal_page', '__pte_offset_map', '__pte_offset_map_lock',
         'mark_page_accessed', 'folio_mark_accessed', '_raw_spin_lock',
         '_raw_spin_unlock', 'mod_node_page_state', '__mod_node_page_state',
         '__cond_resched', 'vma_pgtable_walk_begin', 'vma_pgtable_walk_end',
         'find_vma', 'mt_find', 'down_read', 'up_read', 'down_read_killable',
         'lru_add_drain', 'folio_is_longterm_pinnable', 'pin_user_pages'}
BRANCH = re.compile(r'^\s*(j\w+|call\w*|ret\w*|iret\w*|sysret\w*|ud2|hlt|'
                    r'int3?|syscall|sysenter|lret)\b')


def symbols(vmlinux):
    out = subprocess.run(['nm', '-S', vmlinux], capture_output=True,
                         text=True, check=True).stdout
    syms = []
    for line in out.splitlines():
        f = line.split()
        if len(f) == 4 and f[2] in 'tT':
            syms.append((int(f[0], 16), int(f[1], 16), f[3]))
    syms.sort()
    return syms


def ranges(vmlinux, sources):
    names = set(EXTRA)
    for src in sources:
        text = open(src, encoding='utf-8', errors='replace').read()
        for m in re.finditer(r'^[a-zA-Z_][^;=()]*?\b([a-zA-Z_]\w*)\(', text,
                             re.M):
            names.add(m.group(1))
    return ','.join('%#x+%#x' % (a, s) for a, s, n in symbols(vmlinux)
                    if n.split('.')[0] in names)


def disassemble(vmlinux, rng):
    insns = {}
    for r in rng.split(','):
        a, s = (int(x, 16) for x in r.split('+'))
        out = subprocess.run(['objdump', '-d', '--no-show-raw-insn',
                              '--start-address=%#x' % a,
                              '--stop-address=%#x' % (a + s), vmlinux],
                             capture_output=True, text=True,
                             check=True).stdout
        for line in out.splitlines():
            m = re.match(r'^\s*([0-9a-f]{16}):\s*(.*)$', line)
            if m:
                insns[int(m.group(1), 16)] = m.group(2)
    return insns


class Blocks:
    def __init__(self, insns):
        self.insns = insns
        self.addrs = sorted(insns)
        self.index = {a: i for i, a in enumerate(self.addrs)}

    def block(self, pc):
        """The addresses of the block TCG starts at pc."""
        i = self.index.get(pc)
        out = []
        while i is not None and i < len(self.addrs):
            a = self.addrs[i]
            out.append(a)
            if BRANCH.match(self.insns[a]) or len(out) >= 512:
                break
            i += 1
            if i < len(self.addrs) and self.addrs[i] >> 12 != pc >> 12:
                break
        return out


def counts(log):
    c = collections.Counter()
    with open(log, 'rb') as f:
        for line in f:
            if line.startswith(b'Trace '):
                c[int(line.split(b'[', 1)[1].split(b'/')[1], 16)] += 1
    return c


def diff(vmlinux, rng, log1, logn, units, function=None):
    syms = symbols(vmlinux)
    starts = [a for a, _, _ in syms]
    blocks = Blocks(disassemble(vmlinux, rng))
    c1, cn = counts(log1), counts(logn)

    def name(pc):
        i = bisect.bisect_right(starts, pc) - 1
        if i >= 0 and pc < syms[i][0] + syms[i][1]:
            return syms[i][2], syms[i][0]
        return hex(pc), pc
    if function:
        for pc in sorted(set(c1) | set(cn)):
            fn, base = name(pc)
            d = (cn[pc] - c1[pc]) / units
            if fn != function or d < 0.01:
                continue
            b = blocks.block(pc)
            print('--- +%#x x%.2f, %d instructions' % (pc - base, d, len(b)))
            for a in b:
                print('   +%#x %s' % (a - base, blocks.insns[a]))
        return
    per = collections.Counter()
    for pc in set(c1) | set(cn):
        per[name(pc)[0]] += (cn[pc] - c1[pc]) * len(blocks.block(pc))
    total = 0.0
    for fn, v in sorted(per.items(), key=lambda kv: -kv[1]):
        total += v / units
        if abs(v / units) >= 0.05:
            print('%10.2f %s' % (v / units, fn))
    print('%10.2f total' % total)


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == 'ranges':
        print(ranges(sys.argv[2], sys.argv[3:]))
    elif len(sys.argv) in (7, 8) and sys.argv[1] == 'diff':
        rng = open(sys.argv[3]).read().strip()
        diff(sys.argv[2], rng, sys.argv[4], sys.argv[5], float(sys.argv[6]),
             sys.argv[7] if len(sys.argv) == 8 else None)
    else:
        sys.exit(__doc__)


if __name__ == '__main__':
    main()
