#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Prepare build/linux: the 6.12 base (Debian's linux-source-6.12, or KSRC),
# with the repo's new files laid over it and the quilt series pushed.
# Re-running only redoes what changed, so kernel rebuilds stay incremental.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

TARBALL=${TARBALL:-/usr/src/linux-source-6.12.tar.xz}

# --- 1. base tree ---------------------------------------------------------
if [ -n "${KSRC:-}" ]; then
	[ -f "$KSRC/Makefile" ] || die "KSRC=$KSRC is not a kernel tree (no Makefile)"
	ver=$(make -s -C "$KSRC" kernelversion 2>/dev/null) ||
		die "cannot read the kernel version of KSRC=$KSRC"
	desc=""
	if git -C "$KSRC" rev-parse HEAD >/dev/null 2>&1; then
		desc=" git $(git -C "$KSRC" describe --always --dirty 2>/dev/null)"
	fi
	base_id="$ver from KSRC=$(cd "$KSRC" && pwd)$desc"
else
	[ -f "$TARBALL" ] ||
		die "no base tree: $TARBALL is missing (install Debian's linux-source-6.12, or give KSRC=/path/to/linux-6.12.y)"
	pkgver=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null || echo unknown)
	base_id="linux-source-6.12 $pkgver ($TARBALL)"
	ver=""
fi

mkdir -p "$BUILD"
if [ ! -f "$SRC/.pintest-base" ] || [ "$(cat "$SRC/.pintest-base")" != "$base_id" ]; then
	say "unpacking base: $base_id"
	rm -rf "$SRC" "$BUILD/obj"* "$BUILD/selftests"*
	if [ -n "${KSRC:-}" ]; then
		mkdir -p "$SRC"
		rsync -a --exclude=.git "$KSRC/" "$SRC/"
		make -s -C "$SRC" mrproper >/dev/null
	else
		tmp=$(mktemp -d "$BUILD/unpack.XXXXXX")
		tar -C "$tmp" -xf "$TARBALL"
		mv "$tmp"/linux-source-6.12 "$SRC"
		rmdir "$tmp"
	fi
	echo "$base_id" >"$SRC/.pintest-base"
fi
ver=$(make -s -C "$SRC" kernelversion)
case "$ver" in
6.12.*) ;;
*) die "base is Linux $ver, not 6.12.y ($base_id)" ;;
esac
echo "Linux $ver: $base_id" >"$BUILD/BASE_VERSION"
say "base: $(cat "$BUILD/BASE_VERSION")"

# --- 2. quilt series --------------------------------------------------------
# The tree's patches/ is a link to the repo's, so quilt reads our series.
# When the series or any patch changes, pop everything and push again.
# quilt cannot pop patches that the new series no longer lists (a patch
# renamed or removed): then undo them from quilt's own backups in .pc/,
# newest first. An empty backup stands for a file the patch created.
restore_from_pc() {
	local p f
	[ -f .pc/applied-patches ] || return 1
	for p in $(tac .pc/applied-patches); do
		(cd ".pc/$p" && find . -type f ! -name '.*' | sed 's|^\./||') | while read -r f; do
			if [ -s ".pc/$p/$f" ]; then
				cp -p ".pc/$p/$f" "$f"
			else
				rm -f "$f"
			fi
		done
	done
	rm -rf .pc
}
cd "$SRC"
ln -sfn "$TOP/patches" patches
series_hash=$(cd "$TOP/patches" && cat series $(grep -v '^[[:space:]]*\(#\|$\)' series | awk '{print $1}') 2>/dev/null | sha1sum | cut -d' ' -f1)
if [ "$(cat .pintest-series 2>/dev/null)" != "$series_hash" ]; then
	# Ask .pc, not quilt: quilt refuses to list what is applied once the
	# series file no longer matches it (a patch inserted in the middle).
	if [ -s .pc/applied-patches ]; then
		say "series changed: popping the old one"
		QUILT_PATCHES=patches quilt pop -a -f -q >/dev/null 2>&1 ||
			restore_from_pc || die "quilt pop failed; remove $SRC to start again"
	fi
	rm -f .pintest-series
	if grep -q '^[[:space:]]*[^#[:space:]]' "$TOP/patches/series"; then
		say "pushing patches/series onto Linux $ver"
		if ! out=$(QUILT_PATCHES=patches quilt push -a 2>&1); then
			echo "$out" | tail -n 20 >&2
			bad=$(QUILT_PATCHES=patches quilt next 2>/dev/null || echo '?')
			die "patch $bad does not apply to Linux $ver ($base_id)"
		fi
		echo "$out" | grep '^Applying patch' | sed 's/^/    /' >&2
	fi
	echo "$series_hash" >.pintest-series
fi

# --- 3. overlay of new files --------------------------------------------------
# rsync -c rewrites only files whose content changed, keeping make incremental.
cd "$TOP"
new_list=$(for d in $OVERLAY_DIRS; do if [ -d "$d" ]; then find "$d" -type f; fi; done | sort)
if [ -f "$SRC/.pintest-overlay" ]; then
	comm -23 "$SRC/.pintest-overlay" <(echo "$new_list") | while read -r f; do
		[ -n "$f" ] && rm -f "$SRC/$f"
	done
fi
if [ -n "$new_list" ]; then
	echo "$new_list" | rsync -c --files-from=- "$TOP" "$SRC"
fi
echo "$new_list" >"$SRC/.pintest-overlay"
