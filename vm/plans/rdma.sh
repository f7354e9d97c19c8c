#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# RDMA pin tests on soft-RoCE (rxe on a veth pair inside the guest):
# ibv_rc_pingpong, rdma-core's own test suite and our rdma_pin selftest.
# Usage: vm/plans/rdma.sh SELFTEST_DIR (the mm selftests; rdma_pin is
# built next to them in ../rdma_pin). Included by check.sh.
set -euo pipefail
ST=$1
TOP=$(cd "$(dirname "$0")/../.." && pwd)
R=$TOP/vm/rdma
echo "rdma pingpong|300||tap|$R/pingpong.sh"
echo "rdma-core tests|900||unittest|$R/rdma-core-tests.sh"
# It reads the counters rdma-core-tests.sh saved: same VM (ci/shard-plan.py).
echo "# shard: with previous"
echo "rdma-core pins balanced|60||tap|$R/pins-balanced.sh"
echo "rdma_pin|600||tap|$R/setup.sh && $ST/../rdma_pin/rdma_pin"
# "Who pinned this?" without the tracker: trace-cmd and the page_pin
# tracepoints over one MR registration (the README's trace).
echo "page_pin trace of an MR|300||tap|$TOP/vm/demo-page-pin-trace.sh"
