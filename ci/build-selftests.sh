#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the mm selftests we run, against this tree's uapi headers, into
# build/selftests/mm, and our RDMA pin test (needs libibverbs) into
# build/selftests/rdma_pin. Extra mm targets come from SELFTESTS.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

OBJ=$BUILD/obj-${VARIANT:-test}
OUT=$BUILD/selftests/mm
TESTS=${SELFTESTS:-gup_test gup_longterm cow uffd-unit-tests hugetlb_dio pagemap_ioctl pin_tracker pin_wp pin_tracker_io mshare mshare_stress mshare_bench hugetlb_hgm pin_fuzz pin_stress pin_trace}

[ -d "$OBJ/usr/include" ] || die "no uapi headers in $OBJ; build the kernel first"
mkdir -p "$OUT"
targets=()
for t in $TESTS; do targets+=("$OUT/$t"); done
start=$(date +%s)
# A failed build must not pass on the binary of an earlier one.
make -s -C "$SRC/tools/testing/selftests/mm" OUTPUT="$OUT" \
	KHDR_INCLUDES="-isystem $OBJ/usr/include" -j"$(nproc)" "${targets[@]}" 2>&1 |
	{ grep -v "^Warning: missing liburing" >&2 || true; } ||
	die "mm selftests did not build"
for t in "${targets[@]}"; do
	[ -x "$t" ] || die "selftest $t did not build"
done
grep -q LOCAL_CONFIG_HAVE_LIBURING "$SRC/tools/testing/selftests/mm/local_config.h" ||
	say "warning: selftests built without liburing: cow's io_uring cases will skip"
RDMA_OUT=$BUILD/selftests/rdma_pin
mkdir -p "$RDMA_OUT"
make -s -C "$SRC/tools/testing/selftests/rdma_pin" OUTPUT="$RDMA_OUT" \
	KHDR_INCLUDES="-isystem $OBJ/usr/include" "$RDMA_OUT/rdma_pin" >&2 ||
	die "rdma_pin did not build (libibverbs-dev installed?)"
say "selftests built in $(since "$start")s: $TESTS rdma_pin"
