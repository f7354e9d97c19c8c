#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs in the test VM: gup_test's PIN_FAST and PIN_LONGTERM benchmarks,
# with /proc/vmstat's FOLL_PIN counters before and after. The counters
# are folded from per-CPU deltas, so refresh them before each read.
ST=$1
MB=256

vmstat() {
	echo 1 >/proc/sys/vm/stat_refresh
	grep "^$1 " /proc/vmstat | cut -d' ' -f2
}

echo "TAP version 13"
echo "1..3"
acq0=$(vmstat nr_foll_pin_acquired)
rel0=$(vmstat nr_foll_pin_released)
echo "# before: nr_foll_pin_acquired=$acq0 nr_foll_pin_released=$rel0"

n=0
for bench in "-a PIN_FAST" "-L PIN_LONGTERM"; do
	set -- $bench
	n=$((n + 1))
	out=$("$ST/gup_test" "$1" -m "$MB" 2>&1)
	rc=$?
	echo "$out" | grep -E "Time:" | sed 's/^# */# /'
	if [ $rc -eq 0 ]; then
		echo "ok $n $2 benchmark on $MB MiB"
	else
		echo "$out" | sed 's/^/# /'
		echo "not ok $n $2 benchmark on $MB MiB (exit $rc)"
	fi
done

acq1=$(vmstat nr_foll_pin_acquired)
rel1=$(vmstat nr_foll_pin_released)
echo "# after:  nr_foll_pin_acquired=$acq1 nr_foll_pin_released=$rel1"
echo "# delta:  acquired +$((acq1 - acq0)), released +$((rel1 - rel0))" \
	"($((MB * 256 * 2)) pages pinned by the benchmarks;" \
	"any more is the 9p root's own zero-copy I/O)"
if [ $((acq1 - rel1)) -eq $((acq0 - rel0)) ] &&
	[ $((acq1 - acq0)) -ge $((MB * 256 * 2)) ]; then
	echo "ok 3 foll_pin counters balanced ($((acq1 - rel1)) pins outstanding)"
else
	echo "not ok 3 foll_pin counters unbalanced: $((acq1 - rel1)) outstanding, was $((acq0 - rel0))"
fi
