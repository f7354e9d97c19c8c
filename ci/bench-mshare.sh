#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make bench-mshare`: an msharefs region against a plain MAP_SHARED memfd
# of the same memory (mshare_bench in the guest; issue 13):
#
#   page tables  PageTables (/proc/meminfo) of N = 1, 16, 64 processes
#                (BENCH_PT_N) each mapping and touching the same 1 GiB
#                (BENCH_GIB): O(1) in N with mshare, O(N) with the memfd.
#                Counted in kB, so the accelerator does not matter: one
#                boot under multi-threaded TCG (or KVM).
#   fault        first-touch CPU write faults, per page (BENCH_FAULT_MB of
#                untouched memory, REPS times per boot, alternating kinds);
#   pin          gup_test PIN_LONGTERM_BENCHMARK and PIN_FAST_BENCHMARK of
#                BENCH_PIN_MB of touched memory, per page.
#
# The fault and pin rows run under QEMU -icount shift=0 (as `make bench`):
# guest time advances 1 ns per guest instruction, so they are instruction
# counts, reproducible whatever else the host runs, but blind to cache
# misses, TLB flushes' IPIs and lock contention (see
# reports/bench-mshare.md for how this can mislead). WALLCLOCK=1 runs
# them under plain TCG, whose wall clock on a shared host is noisy.
# ROUNDS boots of the timing plan; medians over every sample. Prints
# ratios, never judges them: the targets (fault <= 1.3x, pin <= 1.1x)
# are read off the table, not enforced.
#
# The kernel: the bench kernel (build/obj-bench: no DEBUG_VM, `make bench`
# builds it) when built, the test kernel otherwise; BENCH_KERNEL=path
# overrides. The pin tracker is booted off (PIN_TRACKER=on to change).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

ROUNDS=${ROUNDS:-2}
REPS=${REPS:-5}
PT_N=${BENCH_PT_N:-1 16 64}
GIB=${BENCH_GIB:-1}
FAULT_MB=${BENCH_FAULT_MB:-64}
PIN_MB=${BENCH_PIN_MB:-256}
export PIN_TRACKER=${PIN_TRACKER:-off}
MB=$BUILD/selftests/mm/mshare_bench
OUT=$BUILD/bench-mshare
KERNEL=${BENCH_KERNEL:-}
if [ -z "$KERNEL" ]; then
	KERNEL=$BUILD/obj-bench/arch/x86/boot/bzImage
	[ -f "$KERNEL" ] || KERNEL=$BUILD/obj-test/arch/x86/boot/bzImage
fi
[ -x "$MB" ] || die "no $MB: run make kernel first"
[ -f "$KERNEL" ] || die "no kernel $KERNEL: run make kernel first"
mkdir -p "$OUT" "$BUILD/plans"
say "bench-mshare kernel: $KERNEL (tracker $PIN_TRACKER)"

pt_args=
for n in $PT_N; do pt_args+=" -p $n"; done
echo "bench-mshare pt|1800||rc|$MB$pt_args -g $GIB" >"$BUILD/plans/bench-mshare-pt.plan"
echo "bench-mshare time|1800||rc|$MB -f $FAULT_MB -l $PIN_MB -r $REPS" \
	>"$BUILD/plans/bench-mshare-time.plan"

: >"$OUT/samples.txt"
say "bench-mshare: page tables (TCG)"
ICOUNT='' vm/run-vm.sh "$KERNEL" "$BUILD/plans/bench-mshare-pt.plan" "$OUT/run-pt" 2400 \
	>/dev/null 2>&1 || say "warning: the page-table run did not finish; see $OUT/run-pt"
tr -d '\r' <"$OUT/run-pt/console.log" | grep '^BENCH ' >>"$OUT/samples.txt" || true
if [ "${WALLCLOCK:-0}" = 1 ]; then
	unset ICOUNT
	UNIT="ns (TCG wall clock)"
else
	export ICOUNT=0
	UNIT="instructions (icount: 1 ns per instruction)"
fi
export ACCEL=tcg
for r in $(seq "$ROUNDS"); do
	say "bench-mshare: faults and pins, round $r"
	vm/run-vm.sh "$KERNEL" "$BUILD/plans/bench-mshare-time.plan" "$OUT/run-time-$r" 2400 \
		>/dev/null 2>&1 || say "warning: round $r did not finish; see $OUT/run-time-$r"
	tr -d '\r' <"$OUT/run-time-$r/console.log" | grep '^BENCH ' >>"$OUT/samples.txt" || true
done

python3 - "$OUT/samples.txt" "$UNIT" "$KERNEL" <<'PY' | tee "$OUT/table.md"
import re, sys, statistics, collections
pt, fault, pin = {}, collections.defaultdict(list), collections.defaultdict(list)
for line in open(sys.argv[1]):
    f = dict(re.findall(r'(\w+)=([\w.]+)', line))
    if line.startswith('BENCH pt '):
        pt[(f['kind'], int(f['n']))] = (int(f['pagetables_kb']), f['gib'])
    elif line.startswith('BENCH fault '):
        fault[f['kind']].append(float(f['ns_per_page']))
    elif line.startswith('BENCH pin '):
        pages = int(f['pages'])
        pin[(f['kind'], f['op'])].append((int(f['get_us']) * 1000.0 / pages,
                                          int(f['put_us']) * 1000.0 / pages))
print('Kernel: %s\n' % sys.argv[3])
if pt:
    gib = next(iter(pt.values()))[1]
    print('Page-table memory (PageTables in /proc/meminfo, kB) of N processes each '
          'mapping and touching the same %s GiB:\n' % gib)
    print('| N | mshare kB | memfd kB | mshare kB/process | memfd kB/process | memfd/mshare |')
    print('|---|---|---|---|---|---|')
    for n in sorted({k[1] for k in pt}):
        m, d = pt.get(('mshare', n), (float('nan'),))[0], pt.get(('memfd', n), (float('nan'),))[0]
        print('| %d | %s | %s | %.1f | %.1f | %.1f |' % (n, m, d, m / n, d / n,
                                                         d / m if m else float('inf')))
    print()
def med(v):
    return statistics.median(v) if v else float('nan')
print('Cost per page, %s; medians of %d fault and %d pin samples per kind:\n' %
      (sys.argv[2], min([len(v) for v in fault.values()] or [0]),
       min([len(v) for v in pin.values()] or [0])))
print('| measure | memfd | mshare | mshare/memfd | target |')
print('|---|---|---|---|---|')
if fault:
    m, d = med(fault['mshare']), med(fault['memfd'])
    print('| first-touch write fault | %.0f | %.0f | %.2f | <= 1.3 |' % (d, m, m / d))
for op in ('PIN_LONGTERM', 'PIN_FAST'):
    for i, what in ((0, 'pin'), (1, 'unpin')):
        d = med([s[i] for s in pin.get(('memfd', op), [])])
        m = med([s[i] for s in pin.get(('mshare', op), [])])
        target = '<= 1.1' if op == 'PIN_LONGTERM' and i == 0 else '-'
        print('| %s %s | %.0f | %.0f | %.2f | %s |' % (op, what, d, m, m / d, target))
PY
echo "== bench-mshare: $(grep -c . "$OUT/samples.txt") samples, table in $OUT/table.md"
