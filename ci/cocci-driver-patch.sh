#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Print the gup_to_pin.cocci conversion of FILEs as a -p1 diff (a/ b/):
#   ci/cocci-driver-patch.sh KSRC FILE...
# Each file is converted in a scratch copy of its directory (the script
# looks at the sibling files), so KSRC is only read.  Used to (re)generate
# the driver patches in patches/; ci/cocci-check.sh KSRC checks they match.
set -eu
KSRC=${1:?usage: $0 KSRC FILE...}
shift
HERE=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for f in "$@"; do
	d=$tmp/$(dirname "$f")
	mkdir -p "$d"
	cp "$KSRC/$(dirname "$f")"/*.[ch] "$d/"
	( cd "$d" && ${SPATCH:-spatch} --sp-file \
		"$HERE/scripts/coccinelle/api/gup_to_pin.cocci" -D patch \
		--no-includes --include-headers --very-quiet \
		"$(basename "$f")" -o "$tmp/out.c" >/dev/null )
	[ -f "$tmp/out.c" ] || continue
	diff -up --label "a/$f" --label "b/$f" "$KSRC/$f" "$tmp/out.c" || true
	rm -f "$tmp/out.c"
done
