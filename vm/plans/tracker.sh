#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Quick plan for the DMA-pin tracker: its own tests plus a few upstream pin
# tests. Usage: vm/plans/tracker.sh SELFTEST_DIR
set -euo pipefail
ST=$1
TOP=$(cd "$(dirname "$0")/../.." && pwd)
echo "pin_tracker|600||tap|$ST/pin_tracker"
if [ "${PIN_TRACKER:-on}" = on ]; then
	echo "pin_tracker -w bad_unpin|120|page_pin_tracker: unpin of a page with no recorded pin|tap|$ST/pin_tracker -w bad_unpin"
	echo "pin_tracker -w free_pinned|120|page_pin_tracker: free of a page with recorded pins|tap|$ST/pin_tracker -w free_pinned"
fi
if [ "${PIN_TRACKER:-on}" = on ]; then
	echo "tracker demo|120||tap|python3 $TOP/vm/demo-pin-tracker.py"
fi
echo "gup_test -a|120||tap|$ST/gup_test -a"
echo "gup_test -T -L -w -n 512|120||tap|$ST/gup_test -T -L -w -n 512"
echo "gup_test -H -m 256 -b -w -n 123|120||tap|$ST/gup_test -H -m 256 -b -w -n 123"
echo "gup_test -z -a|120||tap|$ST/gup_test -z -a"
echo "gup_longterm|600||tap|$ST/gup_longterm"
"$(dirname "$0")/pin_tracker_io.sh" "$ST"
