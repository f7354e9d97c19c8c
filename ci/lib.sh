# SPDX-License-Identifier: GPL-2.0
# Shared helpers for the build and test scripts. Sourced, not executed.

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
SRC=$BUILD/linux

die() {
	echo "error: $*" >&2
	exit 1
}

say() {
	echo "==> $*" >&2
}

# Elapsed seconds since the given epoch timestamp.
since() {
	echo $(($(date +%s) - $1))
}

# Directories of new kernel files, laid over the tree at their kernel path.
OVERLAY_DIRS="mm include drivers fs kernel lib scripts tools Documentation"

# The kernels a benchmark boots, one "OBJ:TRACKER:LABEL" per line: the
# bench kernels (VARIANT=bench: no DEBUG_VM, jump labels on; its tracker
# booted off and on) and the unmodified baseline (VARIANT=bench+baseline:
# the base tree without our series, same config) when built, as
# `make bench` does; otherwise the test kernel, with obj-notracker as the
# baseline if that exists.
bench_kernels() {
	if [ -f "$BUILD/obj-bench/arch/x86/boot/bzImage" ]; then
		[ -f "$BUILD/obj-bench+baseline/arch/x86/boot/bzImage" ] &&
			echo "bench+baseline:off:baseline"
		echo "bench:off:off"
		echo "bench:on:on"
	else
		[ -f "$BUILD/obj-notracker/arch/x86/boot/bzImage" ] &&
			echo "notracker:off:baseline"
		echo "test:off:off"
		echo "test:on:on"
	fi
}
