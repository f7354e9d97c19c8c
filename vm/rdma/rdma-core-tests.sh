#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest only: rdma-core's own test suite (Debian python3-pyverbs ships it
# under /usr/share/doc/rdma-core/tests, partly gzipped) against rxe0, in
# unittest -v format. Saves the foll_pin counters before and after to
# $STATE for pins-balanced.sh, the plan's next test.
D=$(dirname "$0")
. "$D/pins.sh"
SRCDIR=${RDMA_CORE_TESTS:-/usr/share/doc/rdma-core/tests}
STATE=${STATE:-/run/rdma-core-suite.pins}

"$D/setup.sh" || exit 1
[ -r "$SRCDIR/run_tests.py" ] || {
	echo "no $SRCDIR/run_tests.py: install python3-pyverbs"
	exit 1
}
t=$(mktemp -d)
cp -r "$SRCDIR" "$t/tests"
gunzip -f "$t"/tests/*.gz
echo "before $(foll_pins) $(tracker_pinned)" >"$STATE"
cd "$t/tests" || exit 1
# Debian's pyverbs is built for the system python, not whatever python3
# comes first in PATH.
/usr/bin/python3 run_tests.py --dev rxe0 --gid 0 -v 2>&1
rc=$?
echo "after $(foll_pins) $(tracker_pinned)" >>"$STATE"
cd / && rm -rf "$t"
exit $rc
