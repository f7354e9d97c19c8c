#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# HugeTLB high-granularity mapping (issue 12): the MADV_SPLIT test, plus
# the upstream hugetlb tests in make check that must not change with
# CONFIG_HUGETLB_HGM built in but unused.
#   SKIP_HOST=1 ci/check.sh vm/plans/hgm.sh
#   VARIANT=nohgm SKIP_HOST=1 ci/check.sh vm/plans/hgm.sh   (option off:
#   hugetlb_hgm must skip every case with the EINVAL reason)
# Usage: vm/plans/hgm.sh SELFTEST_DIR
set -euo pipefail
ST=$1
echo "hugetlb_hgm|600||tap|$ST/hugetlb_hgm"
# The stress (60 s by default; STRESS_SECS=10 for a quick look).
HGM_STRESS_SECS=${STRESS_SECS:-60}
echo "hugetlb_hgm -s|$((2 * HGM_STRESS_SECS + 300))||tap|$ST/hugetlb_hgm -s -t $HGM_STRESS_SECS"
echo "hugetlb_dio|300||tap|$ST/hugetlb_dio"
echo "gup_test -H -m 256 -a -w -S -n 512|120||tap|$ST/gup_test -H -m 256 -a -w -S -n 512"
