#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Only the pin_wp test: SKIP_HOST=1 ci/check.sh vm/plans/pin_wp.sh
set -euo pipefail
echo "pin_wp|600||tap|$1/pin_wp"
