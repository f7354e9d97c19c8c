#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The check plan for a boot with the pin tracker compiled in but off:
#   PIN_TRACKER=off SKIP_HOST=1 ci/check.sh vm/plans/check-off.sh
# (`make check-off`). pin_tracker then only shows the stock heuristic.
PIN_TRACKER=off exec "$(dirname "$0")/check.sh" "$@"
