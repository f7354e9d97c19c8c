#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The fuzz and stress tests of our interfaces. Included by check.sh;
# alone: SKIP_HOST=1 ci/check.sh vm/plans/fuzz.sh
# FUZZ_SECS and STRESS_SECS set their durations (60 s each by default;
# check-debug.sh runs the stress for 10 minutes). FUZZ_SEED replays a
# fuzz run (its seed is the first line it prints).
set -euo pipefail
ST=$1
FUZZ_SECS=${FUZZ_SECS:-60}
seed=${FUZZ_SEED:+ -s $FUZZ_SEED}
echo "pin_fuzz|$((FUZZ_SECS + 240))||tap|$ST/pin_fuzz -t $FUZZ_SECS$seed"
STRESS_SECS=${STRESS_SECS:-60}
echo "pin_stress|$((2 * STRESS_SECS + 300))||tap|$ST/pin_stress -t $STRESS_SECS"
