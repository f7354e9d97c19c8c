#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Host-only tests of ci/results.py (the log parser and splat detector).

Builds synthetic VM runs and checks the verdicts. Prints TAP 13.
"""

import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import results  # noqa: E402
import importlib.util  # noqa: E402

_spec = importlib.util.spec_from_file_location(
    'shard_plan', os.path.join(os.path.dirname(os.path.abspath(__file__)),
                               'shard-plan.py'))
shard_plan = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(shard_plan)

WARN = ['[   10.1] ------------[ cut here ]------------',
        '[   10.1] WARNING: CPU: 0 PID: 77 at mm/gup.c:123 foo+0x1/0x2',
        '[   10.1] Call Trace:',
        '[   10.1]  <TASK>',
        '[   10.1] ---[ end trace 0000000000000000 ]---']


def run(plan, console, klog, status='qemu exited rc=0 after 9s'):
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, 'plan'), 'w') as f:
            f.write('\n'.join(plan) + '\n')
        for name, text in (('console.log', console), ('kernel.log', klog),
                           ('status', status)):
            with open(os.path.join(d, name), 'w') as f:
                f.write('\n'.join(text) + '\n')
        return results.parse_vm(os.path.join(d, 'plan'), d)


def count(rows, what):
    return sum(1 for r in rows if r['result'] == what)


def seg(name, lines, rc=0):
    return ['<<<PINTEST BEGIN %s>>>' % name] + lines + \
        ['<<<PINTEST END %s rc=%d secs=1>>>' % (name, rc)]


def kseg(name, lines):
    return ['[    9.0] pintest: BEGIN %s' % name] + lines + \
        ['[   11.0] pintest: END %s rc=0' % name]


TAP = ['TAP version 13', '1..3', '# [RUN] first', 'ok 1 works',
       'ok 2 # SKIP no swap', 'not ok 3 broken']
DONE = ['<<<PINTEST DONE tests=1>>>']

CASES = []


def case(fn):
    CASES.append(fn)
    return fn


@case
def tap_counts():
    r = run(['t|10||tap|x'], seg('t', TAP, 1) + DONE, [])
    return (count(r, 'pass'), count(r, 'fail'), count(r, 'skip')) == (1, 1, 1)


@case
def tap_missing_results_fail():
    r = run(['t|10||tap|x'], seg('t', TAP[:4]) + DONE, [])
    return count(r, 'fail') == 1


@case
def uffd_format():
    out = ['Testing a on anon... done', 'Testing b on shmem... skipped '
           '[reason: no hugetlb]', 'Testing c on anon... failed [reason: x]']
    r = run(['u|10||uffd|x'], seg('u', out, 1) + DONE, [])
    return (count(r, 'pass'), count(r, 'fail'), count(r, 'skip')) == (1, 1, 1)


@case
def no_verdict_says_why():
    """A program that dies mid-case: its exit status, last output line
    and the kernel's last word about it are in the reason."""
    out = ['Testing a on anon... done', 'Testing b on hugetlb... ',
           'ERROR: faulting process failed (errno=0, @uffd-unit-tests.c:865)']
    r = run(['u|10||uffd|x'], seg('u', out, 1) + DONE,
            kseg('u', ['[   9.1] u[77]: segfault at 0 ip 0 sp 0']))
    f = [x for x in r if x['result'] == 'fail']
    return (len(f) == 1 and 'exit status 1' in f[0]['reason'] and
            'faulting process failed' in f[0]['reason'] and
            'segfault' in f[0]['reason'])


@case
def short_plan_says_why():
    """A TAP program killed before its plan's end: the reason has the
    exit status, its seed, its last line and the kernel's kill message."""
    out = ['TAP version 13', '1..3', '# seed 1234', 'ok 1 a',
           '# fatal signal 7 in pid 9 at op 5 of seed 1234, after: x',
           'Bus error']
    r = run(['t|10||tap|x'], seg('t', out, 135) + DONE,
            kseg('t', ['[   9.1] Killed process 9 (t)']))
    f = [x for x in r if x['result'] == 'fail']
    return (len(f) == 1 and f[0]['case'] == 'plan' and
            f[0]['reason'].startswith('1 of 3 planned results printed') and
            'exit status 135' in f[0]['reason'] and 'seed 1234' in f[0]['reason'] and
            'fatal signal 7' in f[0]['reason'] and 'Killed process' in f[0]['reason'])


@case
def warn_fails_the_test():
    r = run(['t|10||tap|x'], seg('t', TAP[:3] + ['ok 1 w']) + DONE,
            kseg('t', WARN))
    return any(x['case'] == 'kernel log clean' and x['result'] == 'fail'
               for x in r)


@case
def declared_warn_passes():
    r = run(['t|10|WARNING: .* at mm/gup.c|tap|x'],
            seg('t', ['1..1', 'ok 1 w']) + DONE, kseg('t', WARN))
    return count(r, 'fail') == 0 and count(r, 'pass') == 2


@case
def declared_warn_missing_fails():
    r = run(['t|10|WARNING: .* at mm/gup.c|tap|x'],
            seg('t', ['1..1', 'ok 1 w']) + DONE, kseg('t', []))
    return count(r, 'fail') == 1


@case
def other_splat_than_declared_fails():
    bug = ['[   12.0] BUG: Bad page state in process x  pfn:1234']
    r = run(['t|10|WARNING: .* at mm/gup.c|tap|x'],
            seg('t', ['1..1', 'ok 1 w']) + DONE, kseg('t', WARN + bug))
    return count(r, 'fail') == 1


@case
def boot_splat_fails():
    r = run(['t|10||rc|x'], seg('t', []) + DONE, WARN)
    return any(x['suite'] == 'kernel-boot' and x['result'] == 'fail'
               for x in r)


@case
def timeout_in_guest_fails():
    r = run(['t|3||rc|x'], seg('t', [], 124) + DONE, [])
    return count(r, 'fail') == 1 and 'timed out' in r[0]['reason']


@case
def hung_guest_fails():
    r = run(['t|10||rc|x', 'u|10||rc|y'], ['<<<PINTEST BEGIN t>>>'], [],
            status='timeout after 60s')
    return count(r, 'fail') >= 3 and count(r, 'pass') == 0


@case
def kunit_counted():
    klog = ['[ 1.0] KTAP version 1', '[ 1.0] 1..1',
            '[ 1.0]     KTAP version 1', '[ 1.0]     # Subtest: pin',
            '[ 1.0]     1..2', '[ 1.0]     ok 1 grab',
            '[ 1.0]     not ok 2 put', '[ 1.0] not ok 1 pin']
    r = run(['t|10||rc|x'], seg('t', []) + DONE, klog)
    ku = [x for x in r if x['suite'] == 'kunit']
    return count(ku, 'pass') == 1 and count(ku, 'fail') == 1


@case
def kunit_counted_once_over_shards():
    klog = ['[ 1.0] KTAP version 1', '[ 1.0] 1..1', '[ 1.0] ok 1 pin']
    os.environ['RESULTS_BOOT_KUNIT'] = '0'
    try:
        r = run(['t|10||rc|x'], seg('t', []) + DONE, klog)
    finally:
        del os.environ['RESULTS_BOOT_KUNIT']
    return not [x for x in r if x['suite'] == 'kunit'] and \
        count(r, 'pass') == 1


def shard(plan, n, logs=()):
    """Shards of a plan by ci/shard-plan.py: lists of test names."""
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, 'plan')
        with open(p, 'w') as f:
            f.write('\n'.join(plan) + '\n')
        paths = []
        for i, text in enumerate(logs):
            paths.append(os.path.join(d, 'log%d' % i))
            with open(paths[-1], 'w') as f:
                f.write('\n'.join(text) + '\n')
        costs = shard_plan.read_costs(paths)
        out = shard_plan.split(shard_plan.read_groups(p), n, costs)
        return [[line.split('|')[0] for _, line in s] for s in out]


@case
def shards_by_count_keep_order():
    s = shard(['a|1||tap|x', 'b|1||tap|x', 'c|1||tap|x', '# note',
               'd|1||tap|x', 'e|1||tap|x'], 2)
    names = sorted(s[0] + s[1])
    return names == list('abcde') and all(x == sorted(x) for x in s) and \
        abs(len(s[0]) - len(s[1])) <= 1


@case
def shards_balance_logged_costs():
    log = ['<<<PINTEST END %s rc=0 secs=%d>>>' % x
           for x in (('big', 100), ('m1', 40), ('m2', 40), ('s', 1))]
    s = shard(['s|1||tap|x', 'm1|1||tap|x', 'big|1||tap|x', 'm2|1||tap|x'],
              2, [log])
    return sorted(s) == [['big'], ['s', 'm1', 'm2']]


@case
def shard_keeps_with_previous_together():
    s = shard(['a|1||tap|x', 'b|1||tap|x', '# shard: with previous',
               'c|1||tap|x', 'd|1||tap|x'], 3)
    return ['b', 'c'] in s and len(s) == 3


@case
def shards_never_empty():
    s = shard(['a|1||tap|x'], 4)
    return s == [['a']]


@case
def exit_status_without_tap_failure_fails():
    r = run(['t|10||tap|x'], seg('t', ['1..1', 'ok 1 a'], 1) + DONE, [])
    return count(r, 'fail') == 1


UNITTEST = [
    'test_reg_mr (tests.test_mr.MRTest.test_reg_mr) ... ok',
    'test_dm_mr (tests.test_mr.DMMRTest.test_dm_mr) ... skipped '
    "'Device rxe0 doesn't support DM'",
    'test_odp (tests.test_odp.OdpTestCase.test_odp) ... skipped '
    "'Device rxe0 doesn't support DM'",
    'test_fork (tests.test_fork.ForkTest.test_fork)',
    'Register an MR, fork and touch it ... ok',
    'test_rc (tests.test_qp.QPTest.test_rc) ... rxe says hello',
    'FAIL',
    'test_err (tests.test_qp.QPTest.test_err) ... ERROR',
    'test_x (tests.test_qp.QPTest.test_x) ... expected failure',
    "setUpClass (tests.test_mlx5_dr.Mlx5DrTest) ... skipped 'mlx5 only'",
    '',
    '=' * 70,
    'ERROR: test_err (tests.test_qp.QPTest.test_err)',
    '-' * 70,
    'Traceback (most recent call last):',
    '  File "x.py", line 1, in test_err',
    'pyverbs.pyverbs_error.PyverbsRDMAError: Failed to create QP. '
    'Errno: 12, Cannot allocate memory',
    '',
    '=' * 70,
    'FAIL: test_rc (tests.test_qp.QPTest.test_rc)',
    'RC traffic, with a docstring',
    '-' * 70,
    'AssertionError: 1 != 2',
    '',
    '-' * 70,
    'Ran 7 tests in 1.234s',
    '',
    'FAILED (failures=1, errors=1, skipped=2, expected failures=1)']


@case
def unittest_counts():
    r = run(['u|10||unittest|x'], seg('u', UNITTEST, 1) + DONE, [])
    return (count(r, 'pass'), count(r, 'fail'), count(r, 'skip')) == (3, 2, 3)


@case
def unittest_reasons():
    r = run(['u|10||unittest|x'], seg('u', UNITTEST, 1) + DONE, [])
    by = {x['case']: x for x in r}
    err = by['test_err (tests.test_qp.QPTest.test_err)']['reason']
    fail = by['test_rc (tests.test_qp.QPTest.test_rc)']['reason']
    skip = by['test_dm_mr (tests.test_mr.DMMRTest.test_dm_mr)']['reason']
    return ('Cannot allocate memory' in err and fail == 'FAIL: AssertionError: '
            '1 != 2' and skip == "Device rxe0 doesn't support DM")


@case
def unittest_crash_fails():
    # The runner died after two verdicts: no "Ran N tests" line.
    r = run(['u|10||unittest|x'], seg('u', UNITTEST[:3], 1) + DONE, [])
    return (count(r, 'pass'), count(r, 'fail'), count(r, 'skip')) == (1, 1, 2)


@case
def unittest_missing_verdicts_fail():
    out = UNITTEST[:1] + ['Ran 5 tests in 1.0s', 'OK']
    r = run(['u|10||unittest|x'], seg('u', out) + DONE, [])
    return count(r, 'fail') == 1 and count(r, 'pass') == 1


@case
def unittest_all_ok():
    out = UNITTEST[:3] + ['Ran 3 tests in 1.0s', 'OK (skipped=2)']
    r = run(['u|10||unittest|x'], seg('u', out) + DONE, [])
    return (count(r, 'pass'), count(r, 'fail'), count(r, 'skip')) == (1, 0, 2)


@case
def known_failure_is_a_skip_not_a_pass():
    known = [('u', results.re.compile(r'^test_rc \('), 'rxe race')]
    r = run(['u|10||unittest|x'], seg('u', UNITTEST, 1) + DONE, [])
    r = results.apply_known(r, known)
    rc = [x for x in r if x['case'].startswith('test_rc (')][0]
    return (rc['result'] == 'skip' and 'KNOWN FAILURE (rxe race)' in
            rc['reason'] and 'AssertionError' in rc['reason'] and
            count(r, 'fail') == 1)


def main():
    print('TAP version 13')
    print('1..%d' % len(CASES))
    bad = 0
    for i, fn in enumerate(CASES, 1):
        try:
            ok = fn()
        except Exception as e:  # report, do not crash the run
            print('# %s: %r' % (fn.__name__, e))
            ok = False
        print('%s %d results.py %s' % ('ok' if ok else 'not ok', i,
                                       fn.__name__))
        bad += not ok
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
