#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest only, TAP: the foll_pin counters saved by rdma-core-tests.sh before
# and after the whole rdma-core suite must have moved by the same amount,
# and the tracker (when on) must list as many pages as before.
STATE=${STATE:-/run/rdma-core-suite.pins}

echo "TAP version 13"
echo "1..1"
b=$(sed -n 's/^before //p' "$STATE" 2>/dev/null)
a=$(sed -n 's/^after //p' "$STATE" 2>/dev/null)
if [ -z "$b" ] || [ -z "$a" ]; then
	echo "not ok 1 pins balanced after the rdma-core suite # no counters saved in $STATE"
	exit 1
fi
set -- $b
a0=$1 r0=$2 t0=${3:-n/a}
set -- $a
da=$(($1 - a0)) dr=$(($2 - r0)) t1=${3:-n/a}
msg="foll_pin acquired +$da released +$dr, tracker pinned_pages $t0 -> $t1"
if [ $da -eq $dr ] && [ $da -gt 0 ] && [ "$t0" = "$t1" ]; then
	echo "ok 1 pins balanced after the rdma-core suite: $msg"
else
	echo "not ok 1 pins balanced after the rdma-core suite: $msg"
fi
