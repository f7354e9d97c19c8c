#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Split a VM plan into N plans that take about the same time.

  shard-plan.py PLAN N [CONSOLE_LOG...]

Writes PLAN.1 ... PLAN.N and prints their names, one per line (fewer than
N when the plan has fewer groups of lines). Each test keeps its plan
line, and every shard keeps the plan's order, so a shard is a plan that
vm/run-vm.sh and `results.py vm` take as they are.

A line's cost is its run time in the given console logs of earlier runs
(the "<<<PINTEST END name rc=N secs=S>>>" lines vm/guest-init prints; the
last one of a name wins); a line no log knows costs the median of the
known ones, or 1 when none is known, so that without logs the split is by
count. Lines go to the shard with the least cost so far, longest first
(LPT).

A line that needs the guest state an earlier line left (rdma-core pins
balanced reads the counters rdma-core-tests.sh saved) is preceded in the
plan by the comment "# shard: with previous": it goes to the same shard
as the line before it. Other comments are dropped.
"""

import re
import statistics
import sys

END_RE = re.compile(r'<<<PINTEST END (.*) rc=-?\d+ secs=(\d+)>>>')
WITH_PREVIOUS = '# shard: with previous'


def read_costs(logs):
    costs = {}
    for path in logs:
        try:
            with open(path, errors='replace') as f:
                for line in f:
                    m = END_RE.search(line)
                    if m:
                        costs[m.group(1)] = int(m.group(2))
        except OSError:
            pass
    return costs


def read_groups(plan):
    """[[(index, line), ...], ...]: lines that must share a VM."""
    groups = []
    attach = False
    with open(plan) as f:
        for i, line in enumerate(f):
            line = line.rstrip('\n')
            s = line.strip()
            if not s:
                continue
            if s.startswith('#'):
                if s == WITH_PREVIOUS:
                    attach = True
                continue
            if attach and groups:
                groups[-1].append((i, line))
            else:
                groups.append([(i, line)])
            attach = False
    return groups


def split(groups, n, costs):
    known = [c for c in costs.values()]
    default = statistics.median(known) if known else 1

    def cost(line):
        return costs.get(line.split('|', 1)[0], default)

    weighted = [(sum(cost(l) for _, l in g), g) for g in groups]
    # Longest first; ties keep plan order (sort is stable).
    weighted.sort(key=lambda w: -w[0])
    shards = [[0, []] for _ in range(min(n, len(groups)))]
    for w, g in weighted:
        target = min(shards, key=lambda s: s[0])
        target[0] += w
        target[1].extend(g)
    return [sorted(lines) for _, lines in shards]


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    plan, n, logs = argv[1], int(argv[2]), argv[3:]
    if n < 1:
        sys.exit('shard-plan.py: N must be at least 1')
    shards = split(read_groups(plan), n, read_costs(logs))
    for k, lines in enumerate(shards, 1):
        name = '%s.%d' % (plan, k)
        with open(name, 'w') as f:
            for _, line in lines:
                f.write(line + '\n')
        print(name)


if __name__ == '__main__':
    main(sys.argv)
