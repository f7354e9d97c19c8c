#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Print the `make check` plan: upstream's pin-related mm selftests.
# Usage: vm/plans/check.sh SELFTEST_DIR
# Line format (see vm/guest-init): name|timeout|expected-splat|format|command
set -euo pipefail
ST=$1
TOP=$(cd "$(dirname "$0")/../.." && pwd)

# run_vmtests.sh's gup_test commands, including the full -a matrix
# (run_gup_matrix): 3 memory kinds x 5 GUP flavours x write/read x
# shared/private x 1, 512 and 123 pages = 180 runs. hugetlb_mb is
# run_vmtests.sh's needmem_KB for 2 MiB pages (256 MiB).
echo "gup_test -u|120||tap|$ST/gup_test -u"
echo "gup_test -a|120||tap|$ST/gup_test -a"
echo "gup_test -ct -F 0x1 0 19 0x1000|120|page dumped because: gup_test: dump_pages\(\) test|tap|$ST/gup_test -ct -F 0x1 0 19 0x1000"
for huge in -t -T "-H -m 256"; do
	for test_cmd in -u -U -a -b -L; do
		for write in -w -W; do
			for share in -S ""; do
				for num in "-n 1" "-n 512" "-n 123"; do
					args=$(echo "$huge $test_cmd $write $share $num" | tr -s ' ')
					echo "gup_test $args|120||tap|$ST/gup_test $args"
				done
			done
		done
	done
done

echo "gup_longterm|600||tap|$ST/gup_longterm"
echo "cow|1800||tap|$ST/cow"
echo "uffd-unit-tests|1800||uffd|$ST/uffd-unit-tests"
echo "hugetlb_dio|300||tap|$ST/hugetlb_dio"
echo "pagemap_ioctl|600||tap|$ST/pagemap_ioctl"

# The DMA-pin tracker's own test. With the tracker on (the default; see
# vm/run-vm.sh), also fire its two mismatch reports: each must log exactly
# the WARN named in the third field.
echo "pin_tracker|600||tap|$ST/pin_tracker"
if [ "${PIN_TRACKER:-on}" = on ]; then
	echo "tracker demo|120||tap|python3 $TOP/vm/demo-pin-tracker.py"
	echo "pin_tracker -w bad_unpin|120|page_pin_tracker: unpin of a page with no recorded pin|tap|$ST/pin_tracker -w bad_unpin"
	echo "pin_tracker -w free_pinned|120|page_pin_tracker: free of a page with recorded pins|tap|$ST/pin_tracker -w free_pinned"
fi

# RDMA pin tests on soft-RoCE: ibv_rc_pingpong, rdma-core's own suite
# and rdma_pin (see vm/plans/rdma.sh; about a minute under TCG).
"$(dirname "$0")/rdma.sh" "$ST"
# uffd-wp, PAGEMAP_SCAN and soft-dirty against DMA pins: PAGE_IS_PINNED,
# PM_SCAN_PINNED_WRITTEN, UFFD_FEATURE_WP_PINNED (exact with the tracker,
# maybe-pinned semantics with it off).
echo "pin_wp|600||tap|$ST/pin_wp"

# Real pin sources on large folios (issue 10): O_DIRECT through legacy
# direct I/O (vfat) and iomap (ext4), io_uring fixed buffers, udmabuf,
# O_DIRECT overlapping a long-term pin; then zero and boundary GUP-fast
# requests, last because an oops there can leave the kernel unusable.
"$(dirname "$0")/pin_tracker_io.sh" "$ST"
