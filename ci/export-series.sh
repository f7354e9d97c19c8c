#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Export patches/series as a numbered git format-patch style series in
# build/series/ (0001-*.patch ...), ready for git send-email.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

OUT=$BUILD/series
rm -rf "$OUT"
mkdir -p "$OUT"
total=$(grep -vc '^[[:space:]]*\(#\|$\)' "$TOP/patches/series" || true)
n=0
for p in $(grep -v '^[[:space:]]*\(#\|$\)' "$TOP/patches/series" | awk '{print $1}'); do
	n=$((n + 1))
	subj=$(sed -n 's/^Subject: \(\[PATCH[^]]*\] \)\?//p' "$TOP/patches/$p" | head -n1)
	slug=$(echo "$subj" | tr -c 'A-Za-z0-9\n' '-' | tr -s '-' | sed 's/^-//;s/-$//' | cut -c1-52)
	f=$(printf '%s/%04d-%s.patch' "$OUT" "$n" "$slug")
	sed "s/^Subject: \(\[PATCH[^]]*\] \)\?/Subject: [PATCH $n\/$total] /" "$TOP/patches/$p" >"$f"
	echo "$f"
done
say "$n patches in $OUT (base: $(cat "$BUILD/BASE_VERSION"))"
