#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest only, TAP: "who pinned this?" without the tracker. trace-cmd
# records the page_pin and page_unpin events, with their kernel stacks,
# of one ibv_rc_pingpong exchange on soft-RoCE (each side registers its
# buffer as an MR: ib_umem_get() -> pin_user_pages_fast()). The first pin
# event and its stack are printed as the README shows them; the pins must
# come from ib_umem_get() and be balanced by unpins.
PATH=/usr/sbin:/usr/bin:/sbin:/bin
D=$(dirname "$0")

echo "TAP version 13"
if ! command -v trace-cmd >/dev/null; then
	echo "1..0 # SKIP trace-cmd not installed (ci/deps.sh installs it)"
	exit 4
fi
echo "1..3"
if ! "$D/rdma/setup.sh"; then
	echo "not ok 1 rxe0/rxe1 on veth0/veth1 # rxe setup failed"
	echo "Bail out! no rxe devices"
	exit 1
fi
echo "ok 1 rxe0/rxe1 on veth0/veth1"

# -F -c: only the command and its children; -T: a kernel stack per event.
trace-cmd record -q -o pin.dat -e page_pin:page_pin -e page_pin:page_unpin \
	-T -F -c sh -c '
		ibv_rc_pingpong -d rxe0 -g 0 -s 65536 -n 1 >server.log 2>&1 &
		for i in 1 2 3 4 5 6 7 8 9 10; do
			sleep 1
			ibv_rc_pingpong -d rxe1 -g 0 -s 65536 -n 1 127.0.0.1 \
				>client.log 2>&1 && break
		done
		wait' >record.log 2>&1
trace-cmd report -i pin.dat >report.txt 2>report.err
# The first pin event and its stack, as in the README.
# trace-cmd prints each event's stack as a kernel_stack event after it.
awk '/ page_pin: / { p = 1; print "# " $0; next }
     p && / kernel_stack: / { next }
     p && /=>/ { print "# " $0; n++; if (n == 14) exit; next }
     p { exit }' report.txt
if awk '/ page_pin: .*how=longterm/ { p = 1; next }
	p && / kernel_stack: / { next }
	p && /=> ib_umem_get/ { found = 1; exit }
	!/=>/ { p = 0 }
	END { exit !found }' report.txt; then
	echo "ok 2 page_pin events with ib_umem_get() in their stack"
else
	sed 's/^/# record: /' record.log
	sed 's/^/# report: /' report.err
	head -20 report.txt | sed 's/^/# /'
	echo "not ok 2 page_pin events with ib_umem_get() in their stack"
fi
set -- $(awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^nr=/) n = substr($i, 4) }
	      / page_pin: / { pin += n } / page_unpin: / { unpin += n }
	      END { print pin + 0, unpin + 0 }' report.txt)
if [ "$1" -gt 0 ] && [ "$1" = "$2" ]; then
	echo "ok 3 page_pin and page_unpin balanced: $1 pins, $2 unpins"
else
	echo "not ok 3 page_pin and page_unpin balanced: $1 pins, $2 unpins"
fi
