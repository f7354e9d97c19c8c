#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# checkpatch --strict on every patch of the exported mail series (new files
# folded in) and on every new kernel source file in the repo. Prints TAP;
# one case per file.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

CP=$SRC/scripts/checkpatch.pl
[ -x "$CP" ] || die "no $CP: run ci/prepare-tree.sh first"
cd "$TOP"
# The mail series (ci/export-series.sh): each patch with its new files.
SER=$(mktemp -d)
trap 'rm -rf "$SER"' EXIT
python3 ci/series.py export "$SER" - >/dev/null 2>&1 || die "series export failed"
patches=$(cd "$SER" && ls ./*.patch | sed 's|^\./||')
files=$(find mm include drivers fs kernel lib tools Documentation \
	-type f \( -name '*.c' -o -name '*.h' -o -name '*.rst' \) 2>/dev/null | sort)
# New files that go upstream (patches/new-files, without "local:" ones).
# checkpatch warns (FILE_PATH_CHANGES) on every patch that adds a file
# without touching MAINTAINERS; that is a question, not a rule: a new file
# in a directory that has maintainers needs no entry. So the warning is
# turned off and the question answered for each file with get_maintainer.pl:
# it must belong to a subsystem other than THE REST.
submitted=$(python3 ci/series.py files)

echo "TAP version 13"
echo "1..$(($(echo "$patches" | grep -c .) + $(echo "$files" | grep -c .) + $(echo "$submitted" | grep -c .)))"
n=0
run() { # label, args...
	local label=$1 out
	shift
	n=$((n + 1))
	if out=$(cd "$SRC" && perl "$CP" --strict --quiet --no-summary \
		--show-types --ignore FILE_PATH_CHANGES "$@" 2>&1) && [ -z "$out" ]; then
		echo "ok $n checkpatch --strict $label"
	else
		echo "$out" | head -n 30 | sed 's/^/# /'
		echo "not ok $n checkpatch --strict $label"
	fi
}
for p in $patches; do
	run "series/$p" "$SER/$p"
done
for f in $files; do
	run "$f" -f "$TOP/$f"
done
for f in $submitted; do
	n=$((n + 1))
	subs=$(cd "$SRC" && perl scripts/get_maintainer.pl --nogit --nogit-fallback \
		--norolestats --subsystem --nol --nom -f "$f" 2>/dev/null | grep -v '^THE REST$' |
		paste -sd, -)
	if [ -n "$subs" ]; then
		echo "ok $n MAINTAINERS covers $f ($subs)"
	else
		echo "not ok $n MAINTAINERS covers $f (only THE REST)"
	fi
done
