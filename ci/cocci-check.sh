#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Host-only tests of our Coccinelle scripts (no VM, no kernel build):
#   ci/cocci-check.sh [KSRC]
# Prints TAP 13.  One case per test pair in scripts/coccinelle/tests:
#   NAME.c + NAME.res           gup_to_pin.cocci MODE=patch: NAME.res is the
#                               expected file (identical to NAME.c for the
#                               cases that must not be touched)
#   NAME.report (optional)      expected gup_to_pin.cocci MODE=report output
#   mismatch_*.c + .res         pin_release_mismatch.cocci MODE=report output
#   iov_iter_*.c + .res         iov_iter_get_pages.cocci MODE=report output
#   NAME.aux.*                  companion files copied next to NAME.c
#   xfile_*.c + .res            cross-file conversion: NAME.c and its
#                               NAME.aux.c are given to spatch as one group;
#                               NAME.aux.res is the expected companion
#   NAME.tree/                  a small kernel tree laid around NAME.c
#                               (include/linux/...) for the tree-wide facts
# Each case runs in its own temporary directory (the scripts look at the
# other files of a directory).  With KSRC, the driver conversions are also
# checked: the script run on the pristine files must reproduce the hunks
# of our patches/ (same files, same lines).
set -u

HERE=$(cd "$(dirname "$0")/.." && pwd)
API=$HERE/scripts/coccinelle/api
TESTS=$HERE/scripts/coccinelle/tests
KSRC=${1:-}
SPATCH=${SPATCH:-spatch}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# the tree-wide facts cache of the tests: their own, not the user's
export GUP_FACTS_CACHE=$tmp/facts-cache

n=0
fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() {
	n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n - $1"
	[ -s "$tmp/why" ] && sed 's/^/# /' "$tmp/why" | head -40
}
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }

cases=$(cd "$TESTS" && ls *.c 2>/dev/null | grep -v '\.aux\.c$' | sed 's/\.c$//')
extra=6
[ -n "$KSRC" ] && extra=$((extra + 2))
echo "TAP version 13"
echo "1..$(( $(echo "$cases" | grep -c .) + extra ))"

if ! command -v "$SPATCH" >/dev/null 2>&1; then
	i=0
	for c in $cases; do skip "$c" "spatch not installed"; done
	while [ $n -lt $(( $(echo "$cases" | grep -c .) + extra )) ]; do
		skip "host check" "spatch not installed"
	done
	exit 0
fi

spatch_in() {	# spatch_in DIR SCRIPT MODE FILE [OUT]: run in DIR
	( cd "$1" && $SPATCH --sp-file "$API/$2" -D "$3" --no-includes \
		--include-headers --very-quiet "$4" ${5:+-o "$5"} )
}

for c in $cases; do
	d=$tmp/$c
	mkdir -p "$d"
	cp "$TESTS/$c.c" "$d/"
	for a in "$TESTS/$c".aux.*; do [ -e "$a" ] && cp "$a" "$d/"; done
	[ -d "$TESTS/$c.tree" ] && cp -a "$TESTS/$c.tree/." "$d/"
	: > "$tmp/why"
	case $c in
	xfile_*)
		# cross-file conversion: NAME.c and its NAME.aux.c companions are
		# one group (one driver directory given to spatch together);
		# NAME.res and NAME.aux.res are the expected files after
		# MODE=patch, a companion without .res must stay unchanged
		grp="$c.c $(cd "$d" && ls "$c".aux.c 2>/dev/null)"
		cp -a "$d" "$d.in"
		( cd "$d" && $SPATCH --sp-file "$API/gup_to_pin.cocci" -D patch \
			--no-includes --include-headers --very-quiet --in-place \
			$grp ) >/dev/null 2>"$d/err"
		good=1
		diff -u "$TESTS/$c.res" "$d/$c.c" > "$tmp/why" 2>&1 || good=0
		for a in $(cd "$d" && ls "$c".aux.c 2>/dev/null); do
			want=$TESTS/${a%.c}.res
			[ -f "$want" ] || want=$d.in/$a
			diff -u "$want" "$d/$a" >> "$tmp/why" 2>&1 || good=0
		done
		if [ -f "$TESTS/$c.report" ]; then
			( cd "$d.in" && $SPATCH --sp-file "$API/gup_to_pin.cocci" \
				-D report --no-includes --include-headers \
				--very-quiet $grp ) 2>>"$d/err" |
				LC_ALL=C sort -t: -k2,2n > "$d/rep"
			diff -u "$TESTS/$c.report" "$d/rep" >> "$tmp/why" 2>&1 ||
				good=0
		fi
		if grep -q -e 'Error' -e 'exn' -e 'Traceback' "$d/err"; then
			good=0; cat "$d/err" >> "$tmp/why"
		fi
		if [ $good = 1 ]; then
			ok "$c (gup_to_pin.cocci patch, one group: $grp)"
		else
			notok "$c (gup_to_pin.cocci patch, one group: $grp)"
		fi
		;;
	mismatch_*|iov_iter_*)
		case $c in
		mismatch_*) s=pin_release_mismatch.cocci ;;
		*) s=iov_iter_get_pages.cocci ;;
		esac
		spatch_in "$d" $s report "$c.c" 2>"$d/err" |
			LC_ALL=C sort -t: -k2,2n > "$d/out"
		if diff -u "$TESTS/$c.res" "$d/out" > "$tmp/why" 2>&1; then
			ok "$c ($s report)"
		else
			cat "$d/err" >> "$tmp/why"; notok "$c ($s report)"
		fi
		;;
	*)
		spatch_in "$d" gup_to_pin.cocci patch "$c.c" "$tmp/$c.out.c" \
			>/dev/null 2>"$d/err"
		[ -f "$tmp/$c.out.c" ] || cp "$d/$c.c" "$tmp/$c.out.c"
		good=1
		diff -u "$TESTS/$c.res" "$tmp/$c.out.c" > "$tmp/why" 2>&1 || good=0
		if [ -f "$TESTS/$c.report" ]; then
			spatch_in "$d" gup_to_pin.cocci report "$c.c" 2>>"$d/err" |
				LC_ALL=C sort -t: -k2,2n > "$d/rep"
			diff -u "$TESTS/$c.report" "$d/rep" >> "$tmp/why" 2>&1 ||
				good=0
		fi
		if grep -q -e 'Error' -e 'exn' -e 'Traceback' "$d/err"; then
			good=0; cat "$d/err" >> "$tmp/why"
		fi
		if [ $good = 1 ]; then
			ok "$c (gup_to_pin.cocci patch)"
		else
			notok "$c (gup_to_pin.cocci patch)"
		fi
		;;
	esac
done

# The .cocci files are generated from scripts/coccinelle/api/gup/ (shared
# engine): up to date?
: > "$tmp/why"
if python3 "$API/gup/gen.py" --check > "$tmp/why" 2>&1; then
	ok "scripts/coccinelle/api/*.cocci up to date with api/gup/"
else
	notok "scripts/coccinelle/api/*.cocci up to date with api/gup/"
fi

# Each script parses and carries the kernel's header conventions.
: > "$tmp/why"
good=1
for s in "$API"/gup_to_pin.cocci "$API"/pin_release_mismatch.cocci \
	 "$API"/iov_iter_get_pages.cocci; do
	$SPATCH --parse-cocci "$s" > /dev/null 2>> "$tmp/why" || {
		good=0; echo "$s does not parse" >> "$tmp/why"; }
	for h in '^// SPDX-License-Identifier: GPL-2.0' '^/// ' \
		 '^// Confidence: ' '^// Copyright: ' '^// Comments:' \
		 '^// Options: ' '^virtual report' '^virtual org' \
		 '^virtual context'; do
		grep -q -e "$h" "$s" || {
			good=0; echo "$s: missing $h" >> "$tmp/why"; }
	done
done
# make coccicheck runs every *.cocci under scripts/coccinelle/: the
# engine's sources must not be one
for s in $(find "$API/gup" -name '*.cocci'); do
	good=0; echo "$s: make coccicheck would run it" >> "$tmp/why"
done
if [ $good = 1 ]; then ok "scripts parse, headers present"
else notok "scripts parse, headers present"; fi

# Refusals are reported in patch mode too (stderr), with a reason.
: > "$tmp/why"
d=$tmp/refusal; mkdir -p "$d"; cp "$TESTS/refuse_escape.c" "$d/"
spatch_in "$d" gup_to_pin.cocci patch refuse_escape.c >/dev/null 2>"$d/err"
if grep -q 'not converted: .*foo_hw_submit' "$d/err"; then
	ok "patch mode reports refused sites on stderr"
else
	cp "$d/err" "$tmp/why"; notok "patch mode reports refused sites on stderr"
fi

# The tree-wide facts pass is cached and incremental: a second run reads
# the cache, and a header that changes is read again (here foo_dma.h of
# gup_tree_facts starts to release the pages: the site must be refused).
: > "$tmp/why"
d=$tmp/incremental; mkdir -p "$d"
cp "$TESTS/gup_tree_facts.c" "$TESTS"/gup_tree_facts.aux.* "$d/"
cp -a "$TESTS/gup_tree_facts.tree/." "$d/"
good=1
GUP_FACTS_CACHE=$d/cache spatch_in "$d" gup_to_pin.cocci report \
	gup_tree_facts.c > "$d/rep1" 2>> "$tmp/why"
ls "$d"/cache/*.json > /dev/null 2>&1 || { good=0; echo "no cache written" >> "$tmp/why"; }
grep -q ': convert to ' "$d/rep1" || { good=0; cat "$d/rep1" >> "$tmp/why"; }
sed -i 's/memzero_page(p, 0, PAGE_SIZE);/memzero_page(p, 0, PAGE_SIZE);\n\t\tput_page(p);/' \
	"$d/include/linux/foo_dma.h"
GUP_FACTS_CACHE=$d/cache spatch_in "$d" gup_to_pin.cocci report \
	gup_tree_facts.c > "$d/rep2" 2>> "$tmp/why"
grep -q 'refuse: passed to foo_zero_pages() at line 18, which releases it (foo_zero_pages() in include/linux/foo_dma.h calls put_page())' "$d/rep2" ||
	{ good=0; cat "$d/rep2" >> "$tmp/why"; }
if [ $good = 1 ]; then ok "tree-wide facts: cached, a changed header is read again"
else notok "tree-wide facts: cached, a changed header is read again"; fi

# The cache does not grow with every tree ever scanned: a write removes
# the files, an hour old or more, of trees that are gone (here one that
# named its tree, one of the older format that did not, and a killed run's
# temporary file), and keeps those of trees that exist and recent ones.
: > "$tmp/why"
d=$tmp/prune; mkdir -p "$d/cache" "$d/other/include/linux"
cp "$TESTS/gup_tree_facts.c" "$TESTS"/gup_tree_facts.aux.* "$d/"
cp -a "$TESTS/gup_tree_facts.tree/." "$d/"
printf '{"version": 2, "root": "%s/gone", "files": {}}' "$d" > "$d/cache/gone.json"
printf '{"version": 2, "files": {}}' > "$d/cache/oldformat.json"
printf '{"version": 2, "root": "%s/other", "files": {}}' "$d" > "$d/cache/other.json"
printf '{"version": 2, "root": "%s/gone2", "files": {}}' "$d" > "$d/cache/recent.json"
: > "$d/cache/killed.json.1234"
touch -d '2 hours ago' "$d"/cache/gone.json "$d"/cache/oldformat.json \
	"$d"/cache/other.json "$d"/cache/killed.json.1234
GUP_FACTS_CACHE=$d/cache spatch_in "$d" gup_to_pin.cocci report \
	gup_tree_facts.c > "$d/rep" 2>> "$tmp/why"
left=$(cd "$d/cache" && ls | grep -v "^$(echo "$d" | sed 's|^/||; s|[^A-Za-z0-9_]|_|g').json$" | tr '\n' ' ')
if [ "$left" = "other.json recent.json " ]; then
	ok "tree-wide facts: the cache drops the files of trees that are gone"
else
	echo "cache files left: $left" >> "$tmp/why"
	notok "tree-wide facts: the cache drops the files of trees that are gone"
fi

# Only the definitions in the file's scope count, whatever the cache holds:
# a run on another directory (net/bar/) caches a bar_hw_queue() that only
# reads the page; refuse_tree_facts.c, whose scope does not include
# net/bar/, must still name bar_hw_queue() as unknown.
: > "$tmp/why"
d=$tmp/scope; mkdir -p "$d/drv" "$d/net/bar"
cp "$TESTS/refuse_tree_facts.c" "$TESTS"/refuse_tree_facts.aux.* "$d/drv/"
cp -a "$TESTS/refuse_tree_facts.tree/." "$d/"
printf 'int bar_hw_queue(struct page *page)\n{\n\treturn page_to_nid(page);\n}\n' \
	> "$d/net/bar/bar_hw.c"
printf 'static int bar_user(unsigned long uaddr)\n{\n\tstruct page *page;\n\n\tif (get_user_pages_fast(uaddr, 1, 0, &page) != 1)\n\t\treturn -EFAULT;\n\tbar_hw_queue(page);\n\tput_page(page);\n\treturn 0;\n}\n' \
	> "$d/net/bar/bar_user.c"
good=1
GUP_FACTS_CACHE=$d/cache spatch_in "$d" gup_to_pin.cocci report \
	net/bar/bar_user.c > "$d/rep1" 2>> "$tmp/why"
grep -q 'bar_user.c:5:.*: convert to ' "$d/rep1" ||
	{ good=0; echo "net/bar/bar_user.c should convert:" >> "$tmp/why"; cat "$d/rep1" >> "$tmp/why"; }
GUP_FACTS_CACHE=$d/cache spatch_in "$d" gup_to_pin.cocci report \
	drv/refuse_tree_facts.c > "$d/rep2" 2>> "$tmp/why"
grep -q 'refuse_tree_facts.c:34:.*unknown: bar_hw_queue(), whose definition is not in' "$d/rep2" ||
	{ good=0; cat "$d/rep2" >> "$tmp/why"; }
if [ $good = 1 ]; then ok "tree-wide facts: a cached definition outside the file's scope does not count"
else notok "tree-wide facts: a cached definition outside the file's scope does not count"; fi

if [ -n "$KSRC" ]; then
	# NEVER_RELEASE against the definitions in the tree
	if python3 "$HERE/ci/cocci/check_never_release.py" "$KSRC" > "$tmp/why" 2>&1; then
		ok "$(sed -n 's/^ok - //p' "$tmp/why")"
	else
		notok "NEVER_RELEASE: no listed API releases a page in $KSRC"
	fi

	# Regenerating the driver patches from KSRC gives the patches/ hunks
	# (the patched files are compared, whitespace ignored: the patches carry
	# checkpatch re-indentation of the lines the script changed).
	: > "$tmp/why"
	good=1
	for p in $(grep '^gup-to-pin-' "$HERE/patches/series" 2>/dev/null); do
		for f in $(sed -n 's|^+++ b/\([^	]*\).*|\1|p' "$HERE/patches/$p"); do
			"$HERE/ci/cocci-driver-patch.sh" "$KSRC" "$f" \
				> "$tmp/want.diff" 2>/dev/null
			filterdiff_one() { # patch file $1 -> hunks of $f only
				awk -v f="$f" '/^--- a\//{on = ($2 == "a/" f)} on' "$1"; }
			filterdiff_one "$HERE/patches/$p" > "$tmp/have.diff"
			patch -s -p1 -o "$tmp/want.c" "$KSRC/$f" < "$tmp/want.diff" &&
			patch -s -p1 -o "$tmp/have.c" "$KSRC/$f" < "$tmp/have.diff" ||
				{ good=0; echo "$p: $f: does not apply" >> "$tmp/why"; }
			if [ "$(tr -d ' \t\n' < "$tmp/want.c" | md5sum)" != \
			     "$(tr -d ' \t\n' < "$tmp/have.c" | md5sum)" ]; then
				good=0
				echo "$p: $f differs from the script output" >> "$tmp/why"
				diff -u "$tmp/want.c" "$tmp/have.c" | head -30 >> "$tmp/why"
			fi
			rm -f "$tmp/want.c" "$tmp/have.c"
		done
	done
	if [ $good = 1 ]; then ok "patches/ driver conversions match the script on $KSRC"
	else notok "patches/ driver conversions match the script on $KSRC"; fi
fi

[ $fail = 0 ]
