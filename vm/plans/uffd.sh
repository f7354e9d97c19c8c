#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Quick plan for uffd-wp and PAGEMAP_SCAN against DMA pins: our test plus
# the upstream tests of the interfaces it extends.
# Usage: vm/plans/uffd.sh SELFTEST_DIR
set -euo pipefail
ST=$1
echo "pin_wp|600||tap|$ST/pin_wp"
echo "pagemap_ioctl|600||tap|$ST/pagemap_ioctl"
echo "uffd-unit-tests|1800||uffd|$ST/uffd-unit-tests"
echo "gup_longterm|600||tap|$ST/gup_longterm"
echo "pin_tracker|600||tap|$ST/pin_tracker"
