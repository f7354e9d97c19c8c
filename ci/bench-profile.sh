#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make bench-profile`: where a `make bench` row's instructions go, per
# function, on the unmodified baseline kernel and on the bench kernel with
# the tracker off. Runs gup_test ROW (default "-L -T": PIN_LONGTERM on
# 4 KiB pages) on MB MiB once and three times per boot, under QEMU's
# execution log of the GUP functions (ci/tb-profile.py), and prints the
# guest instructions per page (get and put together) that the two more
# repetitions added, per function. Needs both bench kernels built (`make
# bench`); each boot writes a log of a few hundred MB under build/bench.
#
# COMPARE=on profiles ours with the tracker off against on instead, and
# WATCH="FILE..." adds sources whose functions are watched too (for the
# tracker: WATCH="mm/page_pin_tracker.c mm/page_ext.c"; paths in the
# prepared tree build/linux).
#
# It counts the same instructions as `make bench` (-icount shift=0), but
# only in the functions it watches (mm/gup.c and the helpers GUP calls,
# ci/tb-profile.py EXTRA): its totals are below the bench's, and the
# difference between the kernels is what to read.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

ROW=${ROW:--L -T}
MB=${BENCH_MB:-64}
OUT=$BUILD/bench/profile
ST=$BUILD/selftests/mm
COMPARE=${COMPARE:-baseline}
export ACCEL=tcg ICOUNT=0
export VM_HUGEPAGES="hugepagesz=1G hugepages=1 default_hugepagesz=1G"
mkdir -p "$OUT"
units=$((MB * 256 * 2))
for r in 1 3; do
	echo "prof $ROW|300||tap|$ST/gup_test $ROW -m $MB -n 512 -r $r" >"$OUT/plan$r"
done
watch=()
for f in ${WATCH:-}; do
	[ -f "$BUILD/linux/$f" ] || die "WATCH: no $BUILD/linux/$f"
	watch+=("$BUILD/linux/$f")
done
case $COMPARE in
baseline) a=baseline b=off runs="bench+baseline:baseline:off:$BUILD/pristine-full/mm/gup.c bench:off:off:$BUILD/linux/mm/gup.c" ;;
on) a=off b=on runs="bench:off:off:$BUILD/linux/mm/gup.c bench:on:on:$BUILD/linux/mm/gup.c" ;;
*) die "COMPARE=baseline or on" ;;
esac
for k in $runs; do
	IFS=: read -r obj label tracker src <<<"$k"
	export PIN_TRACKER=$tracker
	vmlinux=$BUILD/obj-$obj/vmlinux
	[ -f "$vmlinux" ] || die "no $obj kernel: run make bench first"
	[ -f "$src" ] || die "no $src"
	"$TOP/ci/tb-profile.py" ranges "$vmlinux" "$src" "${watch[@]}" >"$OUT/ranges-$label"
	for r in 1 3; do
		say "profile: $label, gup_test $ROW -r $r"
		QEMU_EXTRA="-d exec,nochain -dfilter $(cat "$OUT/ranges-$label") -D $OUT/$label-$r.log" \
			vm/run-vm.sh "$BUILD/obj-$obj/arch/x86/boot/bzImage" "$OUT/plan$r" \
			"$OUT/run-$label-$r" 900 >/dev/null 2>&1 || true
		grep -a 'BENCHMARK' "$OUT/run-$label-$r/console.log" | tr -d '\r' || true
	done
	"$TOP/ci/tb-profile.py" diff "$vmlinux" "$OUT/ranges-$label" "$OUT/$label-1.log" \
		"$OUT/$label-3.log" "$units" >"$OUT/$label.txt"
	rm -f "$OUT/$label-1.log" "$OUT/$label-3.log"
done
python3 - "$OUT/$a.txt" "$OUT/$b.txt" "$ROW" "$a" "$b" <<'PY' | tee "$OUT/table.md"
import sys
def load(p):
    d = {}
    for line in open(p):
        v, n = line.split(None, 1)
        d[n.strip()] = float(v)
    return d
b, o = load(sys.argv[1]), load(sys.argv[2])
cols = (sys.argv[4], sys.argv[5])
# The series renames some functions: one row for both names.
for ours, base in (('__try_grab_folio', 'try_grab_folio'),
                   ('__gup_put_folio', 'gup_put_folio')):
    for d in (b, o):
        if ours in d or base in d:
            d[base + ' / ' + ours] = d.pop(base, 0.0) + d.pop(ours, 0.0)
print('gup_test %s: guest instructions per page (get + put), per function\n' % sys.argv[3])
print('| function | %s | %s | %s - %s |' % (cols[0], cols[1], cols[1], cols[0]))
print('|---|---|---|---|')
keys = sorted(set(b) | set(o), key=lambda k: -(o.get(k, 0) - b.get(k, 0)))
for k in keys:
    if k == 'total':
        continue
    x, y = b.get(k, 0.0), o.get(k, 0.0)
    if abs(x) >= 0.5 or abs(y) >= 0.5:
        print('| %s | %.1f | %.1f | %+.1f |' % (k, x, y, y - x))
print('| **total** | %.1f | %.1f | %+.1f |' % (b['total'], o['total'], o['total'] - b['total']))
PY
