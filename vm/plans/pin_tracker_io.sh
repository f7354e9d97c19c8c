#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# pin_tracker_io, one line per case so that a hang or an oops in one case
# does not hide the others; the boundary GUP probes come last. Included by
# check.sh and tracker.sh; alone: SKIP_HOST=1 ci/check.sh vm/plans/pin_tracker_io.sh
set -euo pipefail
ST=$1
for c in vfat ext4 uring udmabuf rdma boundary wholefolio; do
	echo "pin_tracker_io -c $c|600||tap|$ST/pin_tracker_io -c $c"
done
