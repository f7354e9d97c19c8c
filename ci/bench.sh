#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make bench`: gup_test GUP_FAST / PIN_FAST / PIN_LONGTERM get and put
# times on 512 MiB of 4 KiB pages, THP and 1 GiB hugetlb, and the
# allocation and free of as much memory (pin_tracker -B), with the pin
# tracker compiled in and booted off, then on, alternating boots for
# ROUNDS rounds. Prints medians per page and the on/off ratio (a ratio,
# not a threshold). Then, on the host, the native cost of the tracker's
# per-record loops (ci/bench-records.c), which instruction counts hide.
# `make bench` builds the bench kernel (vm/variant-bench.config: no
# DEBUG_VM, jump labels on) and the unmodified baseline (the base tree
# without our series, same config), measured in the same run.
#
# By default QEMU runs with -icount shift=0: guest time advances by 1 ns
# per guest instruction, so gup_test's timings are instruction counts,
# reproducible to 0.1% whatever else the host runs (under plain TCG on a
# shared 2-core host, wall-clock medians moved by up to 2x between
# identical kernels). They count instructions, not cycles: cache misses
# and the cost of atomics on real hardware are not in them. WALLCLOCK=1
# measures wall-clock time under plain TCG instead.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

export ACCEL=tcg
if [ "${WALLCLOCK:-0}" = 1 ]; then
	unset ICOUNT
	UNIT="ns/page (TCG wall clock)"
else
	export ICOUNT=0
	UNIT="instructions/page (icount)"
fi
ROUNDS=${ROUNDS:-2}
MB=${BENCH_MB:-512}
# -H maps hugetlb memory of the default size: 1 GiB pages, one of which
# holds the BENCH_MB (<= 1024) that gup_test pins.
export VM_HUGEPAGES="hugepagesz=1G hugepages=1 default_hugepagesz=1G"
ST=$BUILD/selftests/mm
OUT=$BUILD/bench
mkdir -p "$OUT" "$BUILD/plans"
PLAN=$BUILD/plans/bench.plan
: >"$PLAN"
# -t: THP in gup_test's /dev/zero mapping, which 6.12 does not align to
# 2 MiB, so each 512-page call pins the end of one THP and the start of
# the next (two partial runs); -t -A: THP in a MAP_ANONYMOUS mapping,
# aligned, so each call pins one whole THP.
for mem in "-T" "-t" "-t -A" "-H"; do
	for t in -u -a -L; do
		echo "bench $t $mem|300||tap|$ST/gup_test $t $mem -m $MB -n 512 -r 3" >>"$PLAN"
	done
done
# The page allocator's side: allocation (MADV_POPULATE_WRITE, "get") and
# free (munmap, "put") of the same amount of 4 KiB and THP memory, nothing
# pinned: every freed page or folio is checked for recorded pins.
echo "bench -F -T|300||rc|$ST/pin_tracker -B $MB" >>"$PLAN"
echo "bench -F -t|300||rc|$ST/pin_tracker -B $MB -t" >>"$PLAN"
# BENCH_ONLY=REGEX keeps the rows whose options match (e.g. BENCH_ONLY=-F).
if [ -n "${BENCH_ONLY:-}" ]; then
	grep -E -e "^bench [^|]*(${BENCH_ONLY})" "$PLAN" >"$PLAN.only" || die "BENCH_ONLY matches no row"
	mv "$PLAN.only" "$PLAN"
fi

mapfile -t kernels < <(bench_kernels)
say "bench kernels: ${kernels[*]}"
: >"$OUT/samples.txt"
for r in $(seq "$ROUNDS"); do
	for k in "${kernels[@]}"; do
		IFS=: read -r obj mode label <<<"$k"
		say "bench round $r: $label ($obj kernel, tracker $mode)"
		PIN_TRACKER=$mode vm/run-vm.sh "$BUILD/obj-$obj/arch/x86/boot/bzImage" "$PLAN" \
			"$OUT/run-$label-$r" 1800 >/dev/null 2>&1 || true
		tr -d '\r' <"$OUT/run-$label-$r/console.log" | awk -v l="$label" '
			/^<<<PINTEST BEGIN / { sub(/^<<<PINTEST BEGIN bench /, ""); sub(/>>>$/, ""); name = $0 }
			/BENCHMARK: Time: get:/ {
				match($0, /get:[0-9]+/); g = substr($0, RSTART + 4, RLENGTH - 4)
				match($0, /put:[0-9]+/); p = substr($0, RSTART + 4, RLENGTH - 4)
				print l, name, g, p
			}' >>"$OUT/samples.txt"
	done
done

python3 - "$OUT/samples.txt" "$MB" "$UNIT" <<'PY' | tee "$OUT/table.md"
import sys, statistics, collections
rows = collections.defaultdict(list)
pages = int(sys.argv[2]) * 256
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) < 5:
        continue
    label, test, g, p = f[0], ' '.join(f[1:-2]), int(f[-2]), int(f[-1])
    rows[(test, label)].append((g, p))
names = {'-u': 'GUP_FAST', '-a': 'PIN_FAST', '-L': 'PIN_LONGTERM', '-T': 'anon',
         '-F': 'alloc (get) / free (put), nothing pinned,',
         '-t': 'THP (calls straddle folios)', '-t -A': 'THP (whole folios)',
         '-H': 'hugetlb 1G (partial runs)'}
tests = sorted({t for t, _ in rows})
labels = [l for l in ('baseline', 'off', 'on') if any(k[1] == l for k in rows)]
print('%s, median of %d runs per cell\n' % (sys.argv[3], min(len(v) for v in rows.values())))
print('| benchmark | ' + ' | '.join('%s get/put' % l for l in labels) +
      ' | on/off get | on/off put |' + (' off/baseline get | off/baseline put |' if 'baseline' in labels else ''))
print('|---' * (1 + len(labels) + 2 + (2 if 'baseline' in labels else 0)) + '|')
def med(test, label, i):
    v = [s[i] for s in rows.get((test, label), [])]
    return statistics.median(v) * 1000.0 / pages if v else float('nan')
for t in tests:
    a, m = t.split()[0], ' '.join(t.split()[1:])
    cells = ['%.1f / %.1f' % (med(t, l, 0), med(t, l, 1)) for l in labels]
    r = ['%.2f' % (med(t, 'on', i) / med(t, 'off', i)) for i in (0, 1)]
    if 'baseline' in labels:
        r += ['%.2f' % (med(t, 'off', i) / med(t, 'baseline', i)) for i in (0, 1)]
    mem = {'-T': '4 KiB', '-t': 'THP'}.get(m, m) if a == '-F' else names.get(m, m)
    print('| %s %s | %s | %s |' % (names.get(a, a), mem, ' | '.join(cells), ' | '.join(r)))
PY

# Memory: page_ext bytes the kernel allocated, per page of RAM. page_ext is
# only allocated when some client needs it; in the test kernel the tracker
# is its only client, so "off" and the baseline must show none.
{
	echo
	echo "| kernel | page_ext bytes | RAM pages | bytes per page |"
	echo "|---|---|---|---|"
	for label in baseline off on; do
		log=$OUT/run-$label-1/kernel.log
		[ -f "$log" ] || continue
		bytes=$(sed -n 's/.*allocated \([0-9]*\) bytes of page_ext.*/\1/p' "$log" | head -n1)
		kb=$(sed -n 's|.*Memory: [0-9]*K/\([0-9]*\)K available.*|\1|p' "$log" | head -n1)
		pages=$((${kb:-0} / 4))
		bytes=${bytes:-0}
		per=$(awk -v b="$bytes" -v p="$pages" 'BEGIN { printf "%.2f", p ? b / p : 0 }')
		echo "| $label | $bytes | $pages | $per |"
	done
} | tee -a "$OUT/table.md"
# Host: the record loops natively (locked adds, cache misses).
if gcc -O2 -Wall -o "$OUT/bench-records" "$TOP/ci/bench-records.c"; then
	{ echo; "$OUT/bench-records"; } | tee -a "$OUT/table.md"
else
	say "warning: ci/bench-records.c did not build; no host table"
fi
echo "== bench: $ROUNDS rounds, $(grep -c . "$OUT/samples.txt") samples, table in $OUT/table.md"
