#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make bench-rdma`: ibv_reg_mr + ibv_dereg_mr of 1 GiB (BENCH_MB) on rxe0,
# backed by 4 KiB pages, THP and hugetlb (2 MiB), with the pin tracker
# compiled in and booted off, then on, alternating boots for ROUNDS rounds
# (rdma_pin -b: median of REPS registrations per boot), and the unmodified
# baseline kernel when built (see bench_kernels in ci/lib.sh: `make bench`
# builds the bench kernels). Prints the median times over the boots and
# the on/off and off/baseline ratios (ratios, not thresholds). TCG wall
# clock: rxe's timers and softirqs do not run under -icount.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

ROUNDS=${ROUNDS:-2}
REPS=${REPS:-5}
MB=${BENCH_MB:-1024}
RP=$BUILD/selftests/rdma_pin/rdma_pin
OUT=$BUILD/bench-rdma
[ -x "$RP" ] || die "no $RP: run make kernel first"
mkdir -p "$OUT" "$BUILD/plans"
PLAN=$BUILD/plans/bench-rdma.plan
echo "bench-rdma|1800||rc|$TOP/vm/rdma/setup.sh && $RP -b $MB -r $REPS" >"$PLAN"
# Enough 2 MiB hugetlb pages for BENCH_MB, and no 1 GiB ones.
export VM_HUGEPAGES="hugepagesz=2M hugepages=$((MB / 2 + 8)) default_hugepagesz=2M"

: >"$OUT/samples.txt"
mapfile -t kernels < <(bench_kernels)
say "bench-rdma kernels: ${kernels[*]}"
for r in $(seq "$ROUNDS"); do
	for k in "${kernels[@]}"; do
		IFS=: read -r obj mode label <<<"$k"
		say "bench-rdma round $r: $label ($obj kernel, tracker $mode)"
		PIN_TRACKER=$mode vm/run-vm.sh "$BUILD/obj-$obj/arch/x86/boot/bzImage" "$PLAN" \
			"$OUT/run-$label-$r" 3600 >/dev/null 2>&1 || true
		# rdma_pin prints tracker=off on a kernel without the tracker.
		n=$(tr -d '\r' <"$OUT/run-$label-$r/console.log" | grep '^BENCH .*reg_ms=' |
			sed "s/tracker=[a-z]*/tracker=$label/" |
			tee -a "$OUT/samples.txt" | grep -c "tracker=$label" || true)
		[ "$n" = 3 ] || say "warning: round $r ($label) gave $n of 3 results; see $OUT/run-$label-$r"
	done
done

python3 - "$OUT/samples.txt" "$MB" "$REPS" "$ROUNDS" <<'PY' | tee "$OUT/table.md"
import re, sys, statistics, collections
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    m = re.match(r'BENCH (\S+) \d+ MiB x\d+: reg_ms=([\d.]+) dereg_ms=([\d.]+) tracker=(\w+)', line)
    if m:
        rows[(m.group(1), m.group(4))].append((float(m.group(2)), float(m.group(3))))
print('ibv_reg_mr + ibv_dereg_mr of %s MiB on rxe0, median of %s per boot, '
      'median over %s boots per mode' % tuple(sys.argv[2:5]))
print()
labels = [l for l in ('baseline', 'off', 'on') if any(k[1] == l for k in rows)]
base = 'baseline' in labels
print('| memory | ' + ' | '.join('reg %s ms' % l for l in labels) + ' | on/off reg | ' +
      ('off/baseline reg | ' if base else '') +
      ' | '.join('dereg %s ms' % l for l in labels) + ' | on/off dereg |' +
      (' off/baseline dereg |' if base else ''))
print('|---' * (1 + 2 * len(labels) + 2 + (2 if base else 0)) + '|')
for kind in ('4K', 'THP', 'hugetlb'):
    def med(mode, i):
        v = [s[i] for s in rows.get((kind, mode), [])]
        return statistics.median(v) if v else float('nan')
    cells = [kind]
    for i in (0, 1):
        cells += ['%.1f' % med(l, i) for l in labels]
        cells.append('%.2f' % (med('on', i) / med('off', i)))
        if base:
            cells.append('%.2f' % (med('off', i) / med('baseline', i)))
    print('| ' + ' | '.join(cells) + ' |')
PY
