#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make bench-uffd`: PAGEMAP_SCAN over BENCH_MB (1024) MiB of small pages
# ("pin_wp -b"): read scans, every PTE write-protected by a WP_ASYNC round,
# with and without PAGE_IS_PINNED (anon in an mm that never pinned, anon
# with MMF_HAS_PINNED, shmem); then write-protecting rounds over memory
# whose pages were all written, registered without and with
# UFFD_FEATURE_WP_PINNED, and read-only rounds over the same. Each pair
# runs alternately in one process, 15 times; medians and ratios per case.
# One boot with the pin tracker on, one with it off. QEMU runs with
# -icount shift=0, as `make bench` does: the microseconds pin_wp prints are
# guest instructions (x 1000), the same from boot to boot whatever else the
# host runs; WALLCLOCK=1 measures TCG wall clock instead. See the README
# for what either does and does not measure.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

export ACCEL=tcg
if [ "${WALLCLOCK:-0}" = 1 ]; then
	unset ICOUNT
	UNIT="TCG wall clock"
else
	export ICOUNT=0
	UNIT="-icount: 1 us = 1000 guest instructions"
fi

MB=${BENCH_MB:-1024}
ST=$BUILD/selftests/mm
OUT=$BUILD/bench-uffd
OBJ=$BUILD/obj-${VARIANT:-test}
mkdir -p "$OUT" "$BUILD/plans"
PLAN=$BUILD/plans/bench-uffd.plan
echo "pin_wp -b $MB|1800||rc|$ST/pin_wp -b $MB" >"$PLAN"

: >"$OUT/table.md"
for mode in on off; do
	say "bench-uffd: tracker $mode"
	PIN_TRACKER=$mode vm/run-vm.sh "$OBJ/arch/x86/boot/bzImage" "$PLAN" \
		"$OUT/run-$mode" 1800 >/dev/null 2>&1 || true
	{
		echo
		echo "page_pin_tracker=$mode, $MB MiB, medians of 15 alternating runs ($UNIT):"
		echo
		echo "| memory | baseline | time | with | time | ratio |"
		echo "|---|---|---:|---|---:|---:|"
		tr -d '\r' <"$OUT/run-$mode/console.log" | awk -F'\t' '
			/^bench: [0-9]+ MiB/ { sub(/^bench: /, ""); mem = $0; next }
			$1 == "bench:" && NF == 6 {
				gsub(/\|/, "\\|", $2); gsub(/\|/, "\\|", $4)
				printf "| %s | %s | %s us | %s | %s us | %s |\n", mem, $2, $3, $4, $5, $6
			}'
	} | tee -a "$OUT/table.md"
done
