#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# checkpatch --strict on every patch in patches/series and on every new
# kernel source file in the repo. Prints TAP; one case per file.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

CP=$SRC/scripts/checkpatch.pl
[ -x "$CP" ] || die "no $CP: run ci/prepare-tree.sh first"
cd "$TOP"
patches=$(grep -v '^[[:space:]]*\(#\|$\)' patches/series | awk '{print $1}')
files=$(find mm include drivers fs kernel lib tools Documentation \
	-type f \( -name '*.c' -o -name '*.h' -o -name '*.rst' \) 2>/dev/null | sort)

echo "TAP version 13"
echo "1..$(($(echo "$patches" | grep -c .) + $(echo "$files" | grep -c .)))"
n=0
run() { # label, args...
	local label=$1 out
	shift
	n=$((n + 1))
	if out=$(cd "$SRC" && perl "$CP" --strict --quiet --no-summary \
		--show-types "$@" 2>&1) && [ -z "$out" ]; then
		echo "ok $n checkpatch --strict $label"
	else
		echo "$out" | head -n 30 | sed 's/^/# /'
		echo "not ok $n checkpatch --strict $label"
	fi
}
for p in $patches; do
	run "patches/$p" "$TOP/patches/$p"
done
for f in $files; do
	run "$f" -f "$TOP/$f"
done
