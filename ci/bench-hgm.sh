#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make bench-hgm`: the Performance rows of issue 12 (HugeTLB HGM), on the
# bench kernel (VARIANT=bench: no DEBUG_VM, jump labels on; CONFIG_HUGETLB_HGM
# on, as in the test kernel), pin tracker booted off (TRACKERS="off on"
# adds a boot with it on). One boot per tracker mode runs
# "hugetlb_hgm -b -r ROUNDS" (3): per round, on a 2 MiB and a 1 GiB page,
#   - UFFDIO_CONTINUE of every 4 KiB piece vs one CONTINUE of the page;
#   - the first-touch latency of a minor fault as the toucher sees it, when
#     a handler thread "receives" the data (memset of 4 KiB or of the page
#     through a second mapping) and CONTINUEs 4 KiB or the page, and the
#     CONTINUE's share;
#   - MADV_COLLAPSE of the fully split page;
#   - long-term pins (gup_test PIN_LONGTERM_BENCHMARK: pin_user_pages();
#     PIN_FAST_BENCHMARK with FOLL_LONGTERM: pin_user_pages_fast(), as RDMA
#     and vfio pin) get/put of the page, split (4 KiB leaves) vs collapsed
#     (one hstate-level entry);
#   - on the 1 GiB page also: CONTINUE of every 2 MiB piece (one PMD entry
#     each) vs one CONTINUE of the page, and the long-term pins of the page
#     so mapped vs whole (rows 1b and 4b).
# QEMU runs with -icount shift=0: 1 ns of guest time is one guest
# instruction, so the numbers are instruction counts, stable from boot to
# boot whatever else the host runs; WALLCLOCK=1 measures TCG wall clock.
# Medians over the rounds; ratios, never thresholds. The README says how
# each row can mislead.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

export ACCEL=tcg
if [ "${WALLCLOCK:-0}" = 1 ]; then
	unset ICOUNT
	UNIT="ns of TCG wall clock"
else
	export ICOUNT=0
	UNIT="guest instructions (-icount shift=0: 1 ns = 1 instruction)"
fi
ROUNDS=${ROUNDS:-3}
VARIANT=${VARIANT:-bench}
OBJ=$BUILD/obj-$VARIANT
ST=${ST:-$BUILD/selftests/mm}
OUT=$BUILD/bench-hgm
[ -f "$OBJ/arch/x86/boot/bzImage" ] || die "no $OBJ kernel: VARIANT=$VARIANT ci/build-kernel.sh"
[ -x "$ST/hugetlb_hgm" ] || die "no $ST/hugetlb_hgm: make kernel first"
mkdir -p "$OUT" "$BUILD/plans"
PLAN=$BUILD/plans/bench-hgm.plan
echo "hugetlb_hgm -b|3600||tap|$ST/hugetlb_hgm -b -r $ROUNDS" >"$PLAN"
# Two 1 GiB pages (one for the file; the second is never needed, but a
# failed allocation would skip the rows) and 64 2 MiB ones.
export VM_HUGEPAGES="hugepagesz=1G hugepages=2 hugepagesz=2M hugepages=64 default_hugepagesz=2M"

: >"$OUT/samples.txt"
for mode in ${TRACKERS:-off}; do
	say "bench-hgm: $VARIANT kernel, tracker $mode, $ROUNDS rounds"
	PIN_TRACKER=$mode vm/run-vm.sh "$OBJ/arch/x86/boot/bzImage" "$PLAN" \
		"$OUT/run-$mode" 3600 >/dev/null 2>&1 || true
	n=$(tr -d '\r' <"$OUT/run-$mode/console.log" | sed -n 's/^# BENCH /'"$mode"' /p' |
		tee -a "$OUT/samples.txt" | grep -c . || true)
	[ "$n" -gt 0 ] || say "warning: tracker $mode gave no samples; see $OUT/run-$mode"
done

python3 - "$OUT/samples.txt" "$UNIT" "$ROUNDS" "$VARIANT" <<'PY' | tee "$OUT/table.md"
import sys, statistics, collections
v = collections.defaultdict(list)
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) == 4:
        v[(f[0], f[1])].append(int(f[2]))
unit, rounds, variant = sys.argv[2:5]
modes = sorted({m for m, _ in v}, key=lambda m: m != 'off')
def med(mode, key):
    s = v.get((mode, key))
    return statistics.median(s) if s else float('nan')
def fmt(x):
    return 'n/a' if x != x else '{:,.0f}'.format(x)
def ratio(a, b):
    return 'n/a' if a != a or b != b or not b else '%.3g' % (a / b)
print('%s kernel; %s; median of %s rounds per cell' % (variant, unit, rounds))
for mode in modes:
    print('\n### tracker %s\n' % mode)
    print('| row | page | HGM (4 KiB) | hstate-level | HGM / hstate | per 4 KiB: HGM, hstate |')
    print('|---|---|---|---|---|---|')
    for sz, name, pages in (('2m', '2 MiB', 512), ('1g', '1 GiB', 262144)):
        a, b = med(mode, 'continue_4k_all_' + sz), med(mode, 'continue_whole_' + sz)
        print('| 1. CONTINUE all of the page: %d x 4 KiB vs one | %s | %s | %s | %s | %s, %s |' %
              (pages, name, fmt(a), fmt(b), ratio(a, b), fmt(a / pages), fmt(b / pages)))
        a, b = med(mode, '4k_in_%s_fault' % sz), med(mode, 'whole_%s_fault' % sz)
        print('| 2. first-touch fault: receive + CONTINUE 4 KiB vs the page | %s | %s | %s | %s | |' %
              (name, fmt(a), fmt(b), ratio(a, b)))
        a, b = med(mode, '4k_in_%s_fault_continue' % sz), med(mode, 'whole_%s_fault_continue' % sz)
        print('| 2a. ... of which the CONTINUE | %s | %s | %s | %s | |' %
              (name, fmt(a), fmt(b), ratio(a, b)))
        a = med(mode, 'collapse_' + sz)
        print('| 3. MADV_COLLAPSE of the fully split page | %s | %s | | | %s |' %
              (name, fmt(a), fmt(a / pages)))
        for kind, what in (('pin', 'pin_user_pages'), ('pinfast', 'pin_user_pages_fast')):
            for gp in ('get', 'put'):
                a = med(mode, '%s_%s_split_%s' % (kind, sz, gp))
                b = med(mode, '%s_%s_whole_%s' % (kind, sz, gp))
                print('| 4. FOLL_LONGTERM %s of the page (%s), split vs whole | %s | %s | %s | %s | %s, %s |' %
                      (what, gp, name, fmt(a), fmt(b), ratio(a, b), fmt(a / pages), fmt(b / pages)))
        if sz == '1g':
            # A 1 GiB page mapped by 512 2 MiB leaves (PMD entries).
            a, b = med(mode, 'continue_2m_all_1g'), med(mode, 'continue_whole_1g')
            print('| 1b. CONTINUE all of the page: 512 x 2 MiB vs one | %s | %s | %s | %s | %s, %s |' %
                  (name, fmt(a), fmt(b), ratio(a, b), fmt(a / pages), fmt(b / pages)))
            for kind, what in (('pin', 'pin_user_pages'), ('pinfast', 'pin_user_pages_fast')):
                for gp in ('get', 'put'):
                    a = med(mode, '%s_1g_pmd_%s' % (kind, gp))
                    b = med(mode, '%s_1g_whole_%s' % (kind, gp))
                    print('| 4b. FOLL_LONGTERM %s of the page (%s), 2 MiB leaves vs whole | %s | %s | %s | %s | %s, %s |' %
                          (what, gp, name, fmt(a), fmt(b), ratio(a, b), fmt(a / pages), fmt(b / pages)))
        a, b = med(mode, 'get1_%s_split_get' % sz), med(mode, 'get1_%s_whole_get' % sz)
        print('| 5. get_user_pages, one page per call (core dump, /proc/pid/mem), split vs whole | %s | %s | %s | %s | %s, %s |' %
              (name, fmt(a), fmt(b), ratio(a, b), fmt(a / pages), fmt(b / pages)))
PY
echo "== bench-hgm: $(grep -c . "$OUT/samples.txt") samples, table in $OUT/table.md"
