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
