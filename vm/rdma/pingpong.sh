#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest only, TAP: ibv_rc_pingpong between rxe0 and rxe1 (veth pair, GID 0,
# out-of-band exchange over 127.0.0.1), 100 x 64 KiB, then the foll_pin
# counters must be balanced and the tracker must list no more pages than
# before.
D=$(dirname "$0")
. "$D/pins.sh"
ITERS=${ITERS:-100}
SIZE=${SIZE:-65536}

echo "TAP version 13"
echo "1..3"
if ! "$D/setup.sh"; then
	echo "not ok 1 rxe0/rxe1 on veth0/veth1 # rxe setup failed"
	echo "Bail out! no rxe devices"
	exit 1
fi
echo "ok 1 rxe0/rxe1 on veth0/veth1: ports ACTIVE"
rdma link show | sed 's/^/# /'
set -- $(foll_pins)
a0=$1 r0=$2
t0=$(tracker_pinned)

ibv_rc_pingpong -d rxe0 -g 0 -s "$SIZE" -n "$ITERS" >server.log 2>&1 &
srv=$!
ok=0
for i in 1 2 3 4 5 6 7 8 9 10; do
	sleep 1
	if ibv_rc_pingpong -d rxe1 -g 0 -s "$SIZE" -n "$ITERS" 127.0.0.1 >client.log 2>&1; then
		ok=1
		break
	fi
	grep -q "Couldn't connect" client.log || break
done
wait $srv
src=$?
sed 's/^/# server: /' server.log
sed 's/^/# client: /' client.log
if [ $ok = 1 ] && [ $src = 0 ] && grep -q "^$ITERS iters" client.log &&
	grep -q "^$ITERS iters" server.log; then
	echo "ok 2 ibv_rc_pingpong rxe0 <-> rxe1: $ITERS x $SIZE bytes"
else
	echo "not ok 2 ibv_rc_pingpong rxe0 <-> rxe1: client ok=$ok server rc=$src"
fi

set -- $(foll_pins)
da=$(($1 - a0)) dr=$(($2 - r0))
t1=$(tracker_pinned)
echo "# foll_pin acquired +$da released +$dr; tracker pinned_pages ${t0:-n/a} -> ${t1:-n/a}"
# Each side registers at least its 64 KiB buffer (16 pages) long term.
if [ $da -eq $dr ] && [ $da -ge $((2 * SIZE / 4096)) ] && [ "$t0" = "$t1" ]; then
	echo "ok 3 foll_pin counters balanced after pingpong (+$da/+$dr)"
else
	echo "not ok 3 foll_pin counters balanced after pingpong (+$da/+$dr, tracker ${t0:-n/a} -> ${t1:-n/a})"
fi
