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

# The DMA-pin tracker's own test (its mismatch reports are tested by the
# KUnit suite at boot).
echo "pin_tracker|600||tap|$ST/pin_tracker"
# The page_pin/page_unpin tracepoints, with the tracker on or off.
echo "pin_trace|300||tap|$ST/pin_trace"
if [ "${PIN_TRACKER:-on}" = on ]; then
	echo "tracker demo|120||tap|python3 $TOP/vm/demo-pin-tracker.py"
fi

# RDMA pin tests on soft-RoCE: ibv_rc_pingpong, rdma-core's own suite
# and rdma_pin (see vm/plans/rdma.sh; about a minute under TCG).
"$(dirname "$0")/rdma.sh" "$ST"
# uffd-wp, PAGEMAP_SCAN and soft-dirty against DMA pins: PAGE_IS_PINNED,
# UFFD_FEATURE_WP_PINNED (the lost write, per-folio answers, shmem pinned
# elsewhere or not mapped, two VMAs) and a 60 s copier-vs-device stress.
echo "pin_wp|600||tap|$ST/pin_wp"

# msharefs (CONFIG_MSHARE): the filesystem, region size, host mm and its
# ioctls with every bad input, sharing, pins and refusals (mshare), and
# the 60 s race of pins against CREATE_MAPPING/UNMAP (mshare_stress; see
# vm/plans/mshare.sh). The RDMA MR on a region is in rdma_pin above.
"$(dirname "$0")/mshare.sh" "$ST"
# HugeTLB high-granularity mapping: the MADV_SPLIT opt-in (issue 12).
echo "hugetlb_hgm|600||tap|$ST/hugetlb_hgm"
# Its stress: GUP-fast/-slow pins of 4 KiB pieces with device writes,
# punch-hole + re-CONTINUE and MADV_COLLAPSE racing, on 2 MiB and 1 GiB
# pages (STRESS_SECS in all, 60 s; check-debug.sh: 10 minutes).
HGM_STRESS_SECS=${STRESS_SECS:-60}
echo "hugetlb_hgm -s|$((2 * HGM_STRESS_SECS + 300))||tap|$ST/hugetlb_hgm -s -t $HGM_STRESS_SECS"

# Real pin sources on large folios (issue 10): O_DIRECT through legacy
# direct I/O (vfat) and iomap (ext4), io_uring fixed buffers, udmabuf,
# O_DIRECT overlapping a long-term pin; then zero and boundary GUP-fast
# requests, last because an oops there can leave the kernel unusable.
"$(dirname "$0")/pin_tracker_io.sh" "$ST"

# Seeded fuzz of gup_test, PAGEMAP_SCAN, userfaultfd and the tracker's
# debugfs files, and the concurrency stress (vm/plans/fuzz.sh); after the
# boundary probes, for the same reason.
"$(dirname "$0")/fuzz.sh" "$ST"
