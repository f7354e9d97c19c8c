#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make check`: host checks, then the test kernel in the VM; one summary.
# Usage: ci/check.sh [PLAN-GENERATOR]   (default vm/plans/check.sh)
set -uo pipefail
. "$(dirname "$0")/lib.sh"

GEN=${1:-$TOP/vm/plans/check.sh}
NAME=$(basename "$GEN" .sh)
RES=$BUILD/results
R="python3 $TOP/ci/results.py"
rm -rf "$RES"
mkdir -p "$RES" "$BUILD/plans"
t0=$(date +%s)

record_fail() { # suite, case, reason
	$R case "$1" "$2" fail "$3" "$RES/$1.json"
}

ci/prepare-tree.sh || { record_fail build prepare-tree "base tree or quilt series failed"; $R summary "$RES"; exit 1; }

# Host-only checks: no VM needed.
if [ "${SKIP_HOST:-0}" != 1 ]; then
	say "host: results parser and splat detector"
	python3 ci/test_results.py >"$RES/results-selftest.tap"
	$R tap host-results-parser "$RES/results-selftest.tap" "$RES/host-results-parser.json"
	say "host: series layout (patches/new-files)"
	python3 ci/series.py check >"$RES/series.tap"
	$R tap host-series "$RES/series.tap" "$RES/host-series.json"
	say "host: checkpatch --strict"
	ci/checkpatch.sh >"$RES/checkpatch.tap"
	$R tap host-checkpatch "$RES/checkpatch.tap" "$RES/host-checkpatch.json"
	if [ -x ci/cocci-check.sh ]; then
		say "host: Coccinelle test pairs"
		ci/cocci-check.sh "$(ci/pristine.sh)" >"$RES/cocci.tap"
		$R tap host-coccinelle "$RES/cocci.tap" "$RES/host-coccinelle.json"
		say "host: Coccinelle recall on upstream's pin conversions (subset)"
		ci/cocci-recall.sh "$(ci/pristine.sh)" >"$RES/cocci-recall.tap"
		$R tap host-cocci-recall "$RES/cocci-recall.tap" "$RES/host-cocci-recall.json"
	fi
fi

t1=$(date +%s)
if ! ci/build-kernel.sh || ! ci/build-selftests.sh; then
	record_fail build kernel "kernel or selftest build failed (see above)"
	$R summary "$RES"
	exit 1
fi
t2=$(date +%s)

OBJ=$BUILD/obj-${VARIANT:-test}
PLAN=$BUILD/plans/$NAME.plan
"$GEN" "$BUILD/selftests/mm" >"$PLAN"
say "VM: $(grep -c . "$PLAN") tests from $(basename "$GEN")"
vm/run-vm.sh "$OBJ/arch/x86/boot/bzImage" "$PLAN" "$BUILD/runs/$NAME" "${VM_TIMEOUT:-3600}"
$R vm "$PLAN" "$BUILD/runs/$NAME" "$RES/vm-$NAME.json"
t3=$(date +%s)

if [ "${SHOW_OUTPUT:-0}" = 1 ]; then
	grep -v '^<<<PINTEST \(BEGIN\|END\|DONE\)' "$BUILD/runs/$NAME/console.log" |
		sed -n '/<<<PINTEST BOOTED/,$p' | tr -d '\r'
fi
echo "== $NAME: base $(cat "$BUILD/BASE_VERSION")"
echo "== times: host checks $((t1 - t0))s, build $((t2 - t1))s, VM $((t3 - t2))s" \
	"($(tail -n1 "$BUILD/runs/$NAME/status")), total $((t3 - t0))s"
$R summary "$RES"
