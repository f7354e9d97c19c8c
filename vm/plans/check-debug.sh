#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The check plan on the debug kernel (vm/variant-debug.config):
#   make check-debug   (VARIANT=debug SKIP_HOST=1 ci/check.sh vm/plans/check-debug.sh)
# The same tests as make check, with every timeout multiplied by
# DEBUG_TIMEOUT_SCALE (4: KASAN, lockdep and DEBUG_PAGEALLOC under TCG are
# slow) and the stress test run for 10 minutes. PLANS=name,name... runs
# only the named plans of vm/plans/ instead of check.sh (e.g.
# PLANS=tracker,pin_wp,pin_tracker_io,fuzz for a shorter run).
set -euo pipefail
ST=$1
DIR=$(dirname "$0")
export STRESS_SECS=${STRESS_SECS:-600}
scale=${DEBUG_TIMEOUT_SCALE:-4}
plans() {
	if [ -n "${PLANS:-}" ]; then
		for p in ${PLANS//,/ }; do
			"$DIR/$p.sh" "$ST"
		done
	else
		"$DIR/check.sh" "$ST"
	fi
}
plans | awk -F'|' -v OFS='|' -v s="$scale" '
	/^[[:space:]]*(#|$)/ { print; next }
	{ $2 = $2 * s; print }'
