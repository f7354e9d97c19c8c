#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Print the path of a pristine copy (no series, no overlay) of the base's
# directories that patches/ touches, made in build/pristine on first use.
# With --full, the whole base tree.
# ci/cocci-check.sh compares our driver patches with the Coccinelle output
# on these files; the directories of ci/cocci/recall-subset.txt and all of
# include/ (the tree-wide facts pass reads its headers) are included for
# ci/cocci-recall.sh. Top-level files (MAINTAINERS) are left out: no check
# reads them, and "." would unpack the whole tree.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

TARBALL=${TARBALL:-/usr/src/linux-source-6.12.tar.xz}

# --full: the whole base tree, for compile tests.
if [ "${1:-}" = --full ]; then
	if [ -n "${KSRC:-}" ]; then
		(cd "$KSRC" && pwd)
		exit 0
	fi
	OUT=$BUILD/pristine-full
	if [ "$(cat "$OUT/.pintest-pristine" 2>/dev/null)" != "$(cat "$SRC/.pintest-base")" ]; then
		rm -rf "$OUT"
		mkdir -p "$OUT"
		tar -C "$OUT" --strip-components=1 -xf "$TARBALL"
		cp "$SRC/.pintest-base" "$OUT/.pintest-pristine"
	fi
	echo "$OUT"
	exit 0
fi

OUT=$BUILD/pristine
dirs=$( (sed -n 's|^+++ b/\([^	 ]*\).*|\1|p' "$TOP"/patches/*.patch
	sed 's/#.*//' "$TOP"/ci/cocci/recall-subset.txt | awk 'NF { print $1 }'
	echo include/headers) |
	xargs -n1 dirname | grep -vx '\.' | sort -u |
	awk 'NR > 1 && index($0, prev "/") == 1 { next } { print; prev = $0 }')
want="$(cat "$SRC/.pintest-base") $(echo $dirs)"
if [ "$(cat "$OUT/.pintest-pristine" 2>/dev/null)" != "$want" ]; then
	rm -rf "$OUT"
	mkdir -p "$OUT"
	if [ -n "${KSRC:-}" ]; then
		for d in $dirs; do
			mkdir -p "$OUT/$d"
			[ -d "$KSRC/$d" ] && cp -a "$KSRC/$d/." "$OUT/$d/"
		done
	else
		tar -C "$OUT" --strip-components=1 -xf "$TARBALL" --wildcards \
			$(for d in $dirs; do echo "linux-source-6.12/$d/*"; done)
	fi
	echo "$want" >"$OUT/.pintest-pristine"
fi
echo "$OUT"
