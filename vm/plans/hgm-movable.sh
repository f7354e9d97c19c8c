#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# HugeTLB high-granularity mapping (issue 12): a long-term pin of a split
# huge page in ZONE_MOVABLE must migrate it first, which HGM refuses, so
# the pin fails cleanly. Needs a boot where the 2 MiB pool is in
# ZONE_MOVABLE; the other hugetlb_hgm pin cases pin long-term and would
# fail there by design, so only this case runs:
#   VM_APPEND=movablecore=4G SKIP_HOST=1 ci/check.sh vm/plans/hgm-movable.sh
# Without movablecore= the case skips ("huge page not in ZONE_MOVABLE").
# Usage: vm/plans/hgm-movable.sh SELFTEST_DIR
set -euo pipefail
ST=$1
echo "hugetlb_hgm -m|600||tap|$ST/hugetlb_hgm -m"
