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
say "VM: $(grep -c '^[^#]' "$PLAN") tests from $(basename "$GEN")"
KERNEL=$OBJ/arch/x86/boot/bzImage
SHARDS=${VM_SHARDS:-1}
if [ "$SHARDS" -le 1 ]; then
	vm/run-vm.sh "$KERNEL" "$PLAN" "$BUILD/runs/$NAME" "${VM_TIMEOUT:-3600}"
	$R vm "$PLAN" "$BUILD/runs/$NAME" "$RES/vm-$NAME.json"
	vmstatus=$(tail -n1 "$BUILD/runs/$NAME/status")
else
	# VM_SHARDS=N: the plan split over N VMs run at the same time
	# (ci/shard-plan.py, balanced by the run times of the last run's
	# logs). Each VM gets VM_CPUS and VM_MEM; the host needs N times
	# the memory.
	rm -rf "$BUILD/runs/$NAME.prev"
	mkdir -p "$BUILD/runs/$NAME.prev"
	for f in "$BUILD/runs/$NAME"*/console.log; do
		[ -f "$f" ] && cp "$f" "$BUILD/runs/$NAME.prev/$(basename "$(dirname "$f")").log"
	done
	# shellcheck disable=SC2086 # SHARD_LOGS: a list of logs
	mapfile -t shards < <(python3 ci/shard-plan.py "$PLAN" "$SHARDS" \
		"$BUILD/runs/$NAME.prev/"*.log ${SHARD_LOGS:-})
	pids=()
	for s in "${shards[@]}"; do
		k=${s##*.}
		say "VM $k of ${#shards[@]}: $(grep -c . "$s") tests"
		vm/run-vm.sh "$KERNEL" "$s" "$BUILD/runs/$NAME.$k" "${VM_TIMEOUT:-3600}" &
		pids+=($!)
	done
	wait "${pids[@]}"
	vmstatus=
	for s in "${shards[@]}"; do
		k=${s##*.}
		[ "$k" = 1 ] || export RESULTS_BOOT_KUNIT=0
		$R vm "$s" "$BUILD/runs/$NAME.$k" "$RES/vm-$NAME.$k.json"
		vmstatus+="${vmstatus:+; }VM $k: $(head -n1 "$BUILD/runs/$NAME.$k/status")"
	done
	unset RESULTS_BOOT_KUNIT
fi
t3=$(date +%s)

if [ "${SHOW_OUTPUT:-0}" = 1 ] && [ "$SHARDS" -le 1 ]; then
	grep -v '^<<<PINTEST \(BEGIN\|END\|DONE\)' "$BUILD/runs/$NAME/console.log" |
		sed -n '/<<<PINTEST BOOTED/,$p' | tr -d '\r'
fi
echo "== $NAME: base $(cat "$BUILD/BASE_VERSION")"
echo "== times: host checks $((t1 - t0))s, build $((t2 - t1))s, VM $((t3 - t2))s" \
	"($vmstatus), total $((t3 - t0))s"
$R summary "$RES"
