#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Collect test results into one summary.

Every stage writes JSON lines into a results directory, one object per test
case: {"suite", "case", "result": "pass"|"fail"|"skip", "reason"}.

  results.py tap SUITE FILE OUT      TAP/KTAP file -> results
  results.py vm PLAN RUNDIR OUT      a VM run (console + kernel log) -> results
                                     (plan formats: tap, uffd, unittest, rc);
                                     failures listed in known-failures.txt
                                     become skips with their reason
  results.py case SUITE CASE RESULT [REASON] OUT
  results.py summary DIR             print failures, skips grouped by reason,
                                     and the last line "N passed, N failed,
                                     N skipped"; exit 1 on any failure
"""

import json
import os
import re
import sys

TAP_RE = re.compile(r'^(\s*)(not ok|ok)\s+(\d+)\s*(?:-\s*)?(.*?)\s*$')
DIRECTIVE_RE = re.compile(r'\s*#\s*(SKIP|XFAIL|TODO)\b\s*(.*)$', re.I)
RUN_RE = re.compile(r'^#\s*\[RUN\]\s*(.*)$')
UFFD_START_RE = re.compile(r'^Testing (.*?)\.\.\. ?(.*)$')
UFFD_END_RE = re.compile(
    r'(done|failed \[reason: (.*)\]|skipped \[reason: (.*)\])\s*$')
KTIME_RE = re.compile(r'^\[\s*\d+\.\d+\]\s?')
# python unittest -v: "test_x (mod.Class.test_x) ... ok"; the verdict may
# come on a later line (a docstring or the test's own output in between).
UT_START_RE = re.compile(r'^(\w+) \(([\w.]+)\)(?: \.\.\. (.*))?$')
UT_VERDICT_RE = re.compile(
    r'(?:^|\.\.\. )(ok|FAIL|ERROR|expected failure|unexpected success|'
    r'skipped (?:\'(.*)\'|"(.*)"))$')
UT_BLOCK_RE = re.compile(r'^(FAIL|ERROR): (\w+) \(([\w.]+)\)')
UT_RAN_RE = re.compile(r'^Ran (\d+) tests? in ')

# Kernel log lines that make a run fail unless the test declared them.
SPLAT_RE = re.compile(
    r'(WARNING: |BUG: |Oops|kernel BUG at|general protection fault|'
    r'KASAN: |UBSAN: |KFENCE: |possible circular locking|'
    r'possible recursive locking|inconsistent lock state|'
    r'suspicious RCU usage|Bad page (state|map)|page dumped because|'
    r'refcount_t: |Kernel panic|soft lockup|hard LOCKUP|'
    r'blocked for more than|Call Trace:)')


def case(suite, name, result, reason=''):
    return {'suite': suite, 'case': name, 'result': result,
            'reason': reason.strip()}


def parse_tap(suite, lines):
    """Leaf test cases of a TAP 13 / KTAP stream (kselftest style)."""
    out = []
    last_run = ''
    planned = None
    for raw in lines:
        line = raw.rstrip('\n')
        m = RUN_RE.match(line.strip())
        if m:
            last_run = m.group(1).strip()
            continue
        pm = re.match(r'^1\.\.(\d+)', line)
        if pm and planned is None:
            planned = int(pm.group(1))
        m = TAP_RE.match(line)
        if not m:
            continue
        if m.group(1):  # indented: a subtest line of nested KTAP
            continue
        ok = m.group(2) == 'ok'
        desc = m.group(4)
        reason = ''
        directive = None
        d = DIRECTIVE_RE.search(desc)
        if d:
            directive = d.group(1).upper()
            reason = d.group(2)
            desc = desc[:d.start()].strip()
        label = last_run or desc or ('#' + m.group(3))
        if directive == 'SKIP':
            out.append(case(suite, label, 'skip', reason or desc))
        elif directive == 'XFAIL':
            out.append(case(suite, label + ' [xfail]', 'pass', reason))
        elif ok:
            name = '%s: %s' % (last_run, desc) if last_run and desc else label
            out.append(case(suite, name, 'pass'))
        else:
            out.append(case(suite, label, 'fail', desc))
        last_run = ''
    return out, planned


def parse_uffd(suite, lines):
    """uffd-unit-tests' own format: 'Testing X on Y... done|failed|skipped'."""
    out = []
    current = None
    for raw in lines:
        line = raw.rstrip('\n')
        m = UFFD_START_RE.match(line)
        if m:
            current = m.group(1)
            rest = m.group(2)
        elif current is not None:
            rest = line
        else:
            continue
        e = UFFD_END_RE.search(rest)
        if current is not None and e:
            if e.group(1) == 'done':
                out.append(case(suite, current, 'pass'))
            elif e.group(1).startswith('failed'):
                out.append(case(suite, current, 'fail', e.group(2)))
            else:
                out.append(case(suite, current, 'skip', e.group(3)))
            current = None
    if current is not None:
        out.append(case(suite, current, 'fail', 'no verdict printed'))
    return out


def parse_unittest(suite, lines):
    """python unittest verbose output (-v): one case per test.

    Failures and errors get the last line of their traceback as reason;
    skips keep unittest's reason, so the summary groups them.
    """
    out = []
    current = None
    for raw in lines:
        line = raw.rstrip('\r\n')
        m = UT_START_RE.match(line)
        rest = None
        if m:
            if current is not None:
                out.append(case(suite, current, 'fail', 'no verdict printed'))
            current = '%s (%s)' % (m.group(1), m.group(2))
            rest = m.group(3)
        elif current is not None:
            rest = line
        if current is None or rest is None:
            continue
        v = UT_VERDICT_RE.search(rest)
        if not v:
            continue
        verdict = v.group(1)
        if verdict == 'ok':
            out.append(case(suite, current, 'pass'))
        elif verdict == 'expected failure':
            out.append(case(suite, current + ' [xfail]', 'pass',
                            'expected failure'))
        elif verdict.startswith('skipped'):
            out.append(case(suite, current, 'skip',
                            v.group(2) if v.group(2) is not None
                            else v.group(3)))
        else:
            out.append(case(suite, current, 'fail', verdict))
        current = None
    if current is not None:
        out.append(case(suite, current, 'fail', 'no verdict printed'))
    # The FAIL:/ERROR: blocks after the run: header, docstring line, dashes,
    # traceback; the traceback's last line (the exception) is the reason.
    reasons = {}
    name = None
    in_tb = False
    last = ''
    for raw in lines:
        line = raw.rstrip('\r\n')
        m = UT_BLOCK_RE.match(line)
        if m or line.startswith('=' * 20) or UT_RAN_RE.match(line) or \
                (in_tb and line.startswith('-' * 20)):
            if name and last:
                reasons.setdefault(name, last)
            name = '%s (%s)' % (m.group(2), m.group(3)) if m else None
            in_tb = False
            last = ''
        elif name and line.startswith('-' * 20):
            in_tb = True
        elif name and in_tb and line.strip():
            last = line.strip()
    for r in out:
        if r['result'] == 'fail' and r['case'] in reasons:
            r['reason'] = '%s: %s' % (r['reason'], reasons[r['case']])
    ran = [int(m.group(1)) for m in map(UT_RAN_RE.match, lines) if m]
    # A class or module fixture that skips or fails is reported under its
    # fixture's name and is not counted in "Ran N tests".
    tests = [r for r in out if not re.match(
        r'(setUp|tearDown)(Class|Module) ', r['case'])]
    if not ran:
        out.append(case(suite, 'unittest summary', 'fail',
                        'no "Ran N tests" line (the runner crashed?)'))
    elif ran[-1] != len(tests):
        out.append(case(suite, 'unittest summary', 'fail',
                        'unittest ran %d tests, %d verdicts parsed'
                        % (ran[-1], len(tests))))
    return out


def split_console(text):
    """Map test name -> (output lines, rc or None, secs) from console.log."""
    tests = {}
    cur = None
    buf = []
    for line in text.splitlines():
        m = re.search(r'<<<PINTEST BEGIN (.*)>>>', line)
        if m:
            cur, buf = m.group(1), []
            continue
        m = re.search(r'<<<PINTEST END (.*) rc=(\d+) secs=(\d+)>>>', line)
        if m and cur is not None:
            tests[cur] = (buf, int(m.group(2)), int(m.group(3)))
            cur = None
            continue
        if cur is not None:
            buf.append(line)
    if cur is not None:
        tests[cur] = (buf, None, None)
    return tests


def split_kernel(text):
    """Map segment ('boot', test name, 'shutdown') -> kernel log lines."""
    segs = {'boot': []}
    cur = 'boot'
    for raw in text.splitlines():
        line = KTIME_RE.sub('', raw.replace('\r', ''))
        m = re.search(r'pintest: BEGIN (.*)$', line)
        if m:
            cur = m.group(1)
            segs[cur] = []
            continue
        if re.search(r'pintest: (END .*|DONE)$', line):
            cur = 'shutdown'
            segs.setdefault(cur, [])
            continue
        segs.setdefault(cur, []).append(line)
    return segs


def splats(lines):
    found = []
    for i, line in enumerate(lines):
        if SPLAT_RE.search(line) and not line.startswith('pintest:'):
            found.append(i)
    return found


KILL_RE = re.compile(r'segfault at|Killed process|killed as a result|'
                     r'potentially unexpected fatal signal|Out of memory|'
                     r'trap .* in ')


def no_verdict_reason(lines, rc, klines, what='no verdict printed'):
    """Why a program stopped in the middle of a case or before its plan's
    end: its exit status (128 + N: killed by signal N), its last line of
    output (err() messages, or a test's own fatal-signal report, go there),
    the seed it printed and the kernel's last word about a killed process,
    so that a one-off failure in CI can be understood and replayed from
    the summary alone."""
    bits = [what]
    if rc is not None:
        bits.append('exit status %d' % rc)
    seeds = [x.strip() for x in lines if re.match(r'^#? ?seed \d+', x.strip())]
    if seeds:
        bits.append(seeds[0].lstrip('# '))
    tail = [x.strip() for x in lines if x.strip()]
    # A program's own last word beats the shell's "Segmentation fault".
    said = [x for x in tail if re.search(r'fatal signal|\*\*\*|Bail out|ERROR', x)]
    if said or tail:
        bits.append('last output: ' + (said or tail)[-1][:200])
    kill = [x.strip() for x in klines if KILL_RE.search(x)]
    if kill:
        bits.append('kernel: ' + kill[-1][:200])
    return '; '.join(bits)


def parse_ktap_kernel(suite, lines):
    """KUnit results from the boot log: the cases of each suite."""
    if not any('KTAP version' in x for x in lines):
        return []
    out = []
    suite_name = ''
    for line in lines:
        m = re.match(r'^\s+# Subtest: (\S+)', line)
        if m:
            suite_name = m.group(1)
            continue
        m = re.match(r'^    (not ok|ok) \d+ (\S+)(.*)$', line)
        if not m:
            continue
        rest = m.group(3)
        d = DIRECTIVE_RE.search(rest)
        name = suite_name + '.' + m.group(2)
        if d and d.group(1).upper() == 'SKIP':
            out.append(case(suite, name, 'skip', d.group(2)))
        elif m.group(1) == 'ok':
            out.append(case(suite, name, 'pass'))
        else:
            out.append(case(suite, name, 'fail', 'KUnit failure'))
    return out


def read_plan(path):
    plan = []
    with open(path) as f:
        for line in f:
            line = line.rstrip('\n')
            if not line or line.startswith('#'):
                continue
            name, tmo, expect, fmt, cmd = line.split('|', 4)
            plan.append({'name': name, 'timeout': int(tmo), 'expect': expect,
                         'fmt': fmt, 'cmd': cmd})
    return plan


def parse_vm(plan_path, rundir):
    plan = read_plan(plan_path)

    def rd(name):
        try:
            with open(os.path.join(rundir, name), errors='replace') as f:
                return f.read()
        except FileNotFoundError:
            return ''
    console = rd('console.log')
    klog = rd('kernel.log')
    status = rd('status').strip().replace('\n', ', ')
    tests = split_console(console)
    ksegs = split_kernel(klog)
    out = []
    for t in plan:
        suite = t['name']
        if suite not in tests:
            out.append(case(suite, suite, 'fail',
                            'did not run (guest ended early: %s)' % status))
            continue
        lines, rc, secs = tests[suite]
        if rc is None:
            out.append(case(suite, suite, 'fail',
                            'guest stopped during the test (%s)' % status))
            res = []
        elif t['fmt'] == 'uffd':
            res = parse_uffd(suite, lines)
        elif t['fmt'] == 'unittest':
            res = parse_unittest(suite, lines)
        elif t['fmt'] == 'tap':
            res, planned = parse_tap(suite, lines)
            if planned is not None and len(res) < planned and rc != 4:
                res.append(case(suite, 'plan', 'fail', '%d of %d planned '
                                'results printed' % (len(res), planned)))
        else:
            res = []
        if rc is not None:
            if rc == 124 or rc == 137:
                res.append(case(suite, suite, 'fail',
                                'timed out after %ds' % t['timeout']))
            elif not res:
                if rc == 0:
                    res.append(case(suite, suite, 'pass'))
                elif rc == 4:
                    reason = lines[-1] if lines else 'exit status 4'
                    res.append(case(suite, suite, 'skip', reason))
                else:
                    res.append(case(suite, suite, 'fail', 'exit status %d' % rc))
            elif rc not in (0, 4) and not any(r['result'] == 'fail' for r in res):
                res.append(case(suite, suite, 'fail',
                                'exit status %d with no failed case' % rc))
        klines = ksegs.get(suite, [])
        for r in res:
            if r['result'] != 'fail':
                continue
            if r['reason'] == 'no verdict printed' or (
                    r['case'] == 'plan' and r['reason'].endswith('planned results printed')):
                r['reason'] = no_verdict_reason(lines, rc, klines, r['reason'])
        out.extend(res)
        # Kernel splats during this test.
        hits = splats(klines)
        expect = re.compile(t['expect']) if t['expect'] else None
        unexpected = [i for i in hits if not (expect and expect.search(klines[i]))]
        if expect:
            seen = any(expect.search(x) for x in klines)
            out.append(case(suite, 'expected kernel splat /%s/' % t['expect'],
                            'pass' if seen else 'fail',
                            '' if seen else 'expected splat not logged'))
        # An expected splat's own report (its trace, up to "end trace" or
        # 60 lines) is part of it.
        if expect and unexpected:
            covered = set()
            for i, x in enumerate(klines):
                if expect.search(x):
                    j = i
                    while j < len(klines) and j < i + 60:
                        covered.add(j)
                        if '---[ end trace' in klines[j]:
                            break
                        j += 1
            unexpected = [i for i in unexpected if i not in covered]
        if unexpected:
            ctx = klines[unexpected[0]:unexpected[0] + 12]
            out.append(case(suite, 'kernel log clean', 'fail',
                            'kernel splat: ' + klines[unexpected[0]],
                            ))
            out[-1]['log'] = ctx
    for seg in ('boot', 'shutdown'):
        klines = ksegs.get(seg, [])
        hits = splats(klines)
        if seg == 'shutdown':
            # the sysrq reboot at the end is ours
            hits = [i for i in hits if 'sysrq' not in klines[i].lower()]
        if hits:
            out.append(case('kernel-' + seg, 'kernel log clean', 'fail',
                            'kernel splat: ' + klines[hits[0]]))
            out[-1]['log'] = klines[hits[0]:hits[0] + 12]
    # A plan split over several VMs (ci/shard-plan.py) boots the same
    # kernel in each: its boot-time KUnit results count once, from the
    # first VM (ci/check.sh sets RESULTS_BOOT_KUNIT=0 for the others).
    if os.environ.get('RESULTS_BOOT_KUNIT', '1') != '0':
        out.extend(parse_ktap_kernel('kunit', ksegs.get('boot', [])))
    if '<<<PINTEST DONE' not in console:
        out.append(case('vm', 'guest finished the plan', 'fail', status))
    return out


KNOWN_FAILURES = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                              'known-failures.txt')


def read_known(path=KNOWN_FAILURES):
    """Lines 'suite|case regex|reason' of failures that are not ours."""
    known = []
    try:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith('#'):
                    suite, rx, reason = line.split('|', 2)
                    known.append((suite, re.compile(rx), reason))
    except FileNotFoundError:
        pass
    return known


def apply_known(out, known):
    """A listed failure counts as skipped (never passed), with its reason
    and the failure itself. A listed test that passes is a pass."""
    for r in out:
        if r['result'] != 'fail':
            continue
        for suite, rx, reason in known:
            if r['suite'] == suite and rx.search(r['case']):
                r['result'] = 'skip'
                r['known'] = True
                r['reason'] = 'KNOWN FAILURE (%s): %s' % (reason, r['reason'])
                break
    return out


def write(out, path):
    with open(path, 'a') as f:
        for r in out:
            f.write(json.dumps(r) + '\n')


def summary(d):
    rows = []
    for fn in sorted(os.listdir(d)):
        if fn.endswith('.json'):
            with open(os.path.join(d, fn)) as f:
                rows.extend(json.loads(x) for x in f if x.strip())
    per_suite = {}
    for r in rows:
        s = per_suite.setdefault(r['suite'], [0, 0, 0])
        s[['pass', 'fail', 'skip'].index(r['result'])] += 1
    print('Per suite (passed/failed/skipped):')
    for s, (p, f, k) in per_suite.items():
        print('  %-44s %4d %4d %4d' % (s, p, f, k))
    skips = [r for r in rows if r['result'] == 'skip']
    if skips:
        print('Skipped cases, grouped by reason:')
        groups = {}
        for r in skips:
            groups.setdefault((r['suite'], r['reason'] or '(no reason given)'),
                              []).append(r['case'])
        for (suite, reason), cases in sorted(groups.items(),
                                             key=lambda x: -len(x[1])):
            print('  SKIP %3d  %s: %s' % (len(cases), suite, reason))
            for c in cases:
                print('            - %s' % c)
    known = [r for r in rows if r.get('known')]
    if known:
        print('Known failures (listed in ci/known-failures.txt; counted as '
              'skipped, not passed):')
        for r in known:
            print('  KNOWN %s: %s: %s' % (r['suite'], r['case'], r['reason']))
    xfails = [r for r in rows if r['case'].endswith(' [xfail]')]
    if xfails:
        print('Expected failures (XFAIL, counted as passed):')
        for r in xfails:
            print('  XFAIL %s: %s: %s' % (r['suite'], r['case'], r['reason']))
    fails = [r for r in rows if r['result'] == 'fail']
    if fails:
        print('FAILED cases:')
        for r in fails:
            print('  FAIL  %s: %s: %s' % (r['suite'], r['case'], r['reason']))
            for x in r.get('log', []):
                print('        | %s' % x)
    n = [sum(1 for r in rows if r['result'] == k)
         for k in ('pass', 'fail', 'skip')]
    print('%d passed, %d failed, %d skipped' % tuple(n))
    return 1 if n[1] or not rows else 0


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    cmd = argv[1]
    if cmd == 'tap':
        with open(argv[3], errors='replace') as f:
            res, planned = parse_tap(argv[2], f.readlines())
        if planned is not None and len(res) < planned:
            res.append(case(argv[2], 'plan', 'fail', '%d of %d planned results'
                            % (len(res), planned)))
        if not res and planned != 0:
            res.append(case(argv[2], argv[2], 'fail', 'no TAP results'))
        write(res, argv[4])
    elif cmd == 'vm':
        write(apply_known(parse_vm(argv[2], argv[3]), read_known()), argv[4])
    elif cmd == 'case':
        reason = argv[5] if len(argv) > 6 else ''
        write([case(argv[2], argv[3], argv[4], reason)], argv[-1])
    elif cmd == 'summary':
        sys.exit(summary(argv[2]))
    else:
        sys.exit(__doc__)


if __name__ == '__main__':
    main(sys.argv)
