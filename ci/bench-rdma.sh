#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make bench-rdma`: ibv_reg_mr + ibv_dereg_mr of 1 GiB (BENCH_MB) on rxe0,
# backed by 4 KiB pages, THP and hugetlb (2 MiB), with the pin tracker
# compiled in and booted off, then on, alternating boots for ROUNDS rounds
# (rdma_pin -b: median of REPS registrations per boot). Prints the median
# times over the boots and the on/off ratios (ratios, not thresholds).
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
for r in $(seq "$ROUNDS"); do
	for mode in off on; do
		say "bench-rdma round $r: tracker $mode"
		PIN_TRACKER=$mode vm/run-vm.sh "$BUILD/obj-test/arch/x86/boot/bzImage" "$PLAN" \
			"$OUT/run-$mode-$r" 3600 >/dev/null 2>&1 || true
		n=$(tr -d '\r' <"$OUT/run-$mode-$r/console.log" | grep '^BENCH .*reg_ms=' |
			tee -a "$OUT/samples.txt" | grep -c "tracker=$mode" || true)
		[ "$n" = 3 ] || say "warning: round $r ($mode) gave $n of 3 results; see $OUT/run-$mode-$r"
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
print('| memory | reg off ms | reg on ms | on/off reg | dereg off ms | dereg on ms | on/off dereg |')
print('|---|---|---|---|---|---|---|')
for kind in ('4K', 'THP', 'hugetlb'):
    def med(mode, i):
        v = [s[i] for s in rows.get((kind, mode), [])]
        return statistics.median(v) if v else float('nan')
    ro, rn, do, dn = med('off', 0), med('on', 0), med('off', 1), med('on', 1)
    print('| %s | %.1f | %.1f | %.2f | %.1f | %.1f | %.2f |' % (kind, ro, rn, rn / ro, do, dn, dn / do))
PY
