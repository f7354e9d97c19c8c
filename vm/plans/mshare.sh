#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The msharefs tests: mshare (the file system, sharing, pins, refusals)
# and mshare_stress (pins against CREATE_MAPPING/UNMAP and touching, M6).
# Included by check.sh; alone: SKIP_HOST=1 ci/check.sh vm/plans/mshare.sh
# STRESS_SECS sets the stress's duration (60 s by default; check-debug.sh
# runs it for 10 minutes); MSHARE_SEED replays a stress run (its seed is
# the first line it prints). The RDMA MR on a region is in rdma_pin
# (vm/plans/rdma.sh).
set -euo pipefail
ST=$1
STRESS_SECS=${STRESS_SECS:-60}
seed=${MSHARE_SEED:+ -s $MSHARE_SEED}
echo "mshare|300||tap|$ST/mshare"
echo "mshare_stress|$((2 * STRESS_SECS + 300))||tap|$ST/mshare_stress -t $STRESS_SECS$seed"
