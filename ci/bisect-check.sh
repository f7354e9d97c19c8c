#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make bisect-check`: apply the exported mail series (ci/export-series.sh,
# new files folded in) one patch at a time to a pristine base tree and
# build a kernel after each one, so that every prefix of the series builds,
# as git bisect needs. The config is tinyconfig + ci/bisect.config (every
# mm/ file the series changes, the tracker and its KUnit suite), merged
# again after each patch so that options appear with the patch that adds
# them. Prints TAP. Incremental, with ccache.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

B=$BUILD/bisect
SER=$B/series
TREE=$B/linux
OBJ=$B/obj
LOG=$B/log
mkdir -p "$B"
"$TOP/ci/export-series.sh" "$SER" >/dev/null || die "export failed"
base=$(ci/pristine.sh --full) || die "no pristine base tree"
rm -rf "$TREE" "$LOG"
mkdir -p "$LOG"
say "copying the base tree ($base)"
cp -a "$base" "$TREE"

KMAKE=(make -C "$TREE" O="$OBJ" -j"$(nproc)" KBUILD_BUILD_TIMESTAMP=pintest
	KBUILD_BUILD_USER=pintest KBUILD_BUILD_HOST=pintest)
if command -v ccache >/dev/null; then
	KMAKE+=(CC="ccache gcc" HOSTCC="ccache gcc")
	export CCACHE_BASEDIR=$TREE CCACHE_NOHASHDIR=1
fi

configure() {
	"${KMAKE[@]}" -s tinyconfig >/dev/null &&
		(cd "$TREE" && scripts/kconfig/merge_config.sh -m -O "$OBJ" "$OBJ/.config" \
			"$TOP/ci/bisect.config" >/dev/null 2>&1) &&
		"${KMAKE[@]}" -s olddefconfig >/dev/null
}

patches=("$SER"/*.patch)
echo "TAP version 13"
echo "1..$((${#patches[@]} + 2))"
n=1
if configure && "${KMAKE[@]}" -s vmlinux >"$LOG/0000-base.log" 2>&1; then
	echo "ok 1 base $(cat "$BUILD/BASE_VERSION" 2>/dev/null) builds"
else
	tail -n 20 "$LOG/0000-base.log" | sed 's/^/# /'
	echo "not ok 1 base builds"
	exit 1
fi
fail=0
final_check() { # every option of ci/bisect.config is on after the last patch
	local line missing=
	for line in $(grep '^CONFIG_' "$TOP/ci/bisect.config"); do
		grep -qx "$line" "$OBJ/.config" || missing="$missing $line"
	done
	echo "$missing"
}
for p in "${patches[@]}"; do
	n=$((n + 1))
	name=$(basename "$p" .patch)
	start=$(date +%s)
	if ! (cd "$TREE" && patch -p1 -s --no-backup-if-mismatch <"$p") >"$LOG/$name.log" 2>&1; then
		sed 's/^/# /' "$LOG/$name.log" | tail -n 20
		echo "not ok $n $name applies"
		fail=1
		break
	fi
	if configure && "${KMAKE[@]}" -s vmlinux >>"$LOG/$name.log" 2>&1; then
		echo "ok $n $name builds ($(since "$start")s)"
	else
		grep -E 'error|warning' "$LOG/$name.log" | head -n 20 | sed 's/^/# /'
		echo "not ok $n $name builds"
		fail=1
	fi
done
n=$((n + 1))
missing=$(final_check)
if [ -z "$missing" ]; then
	echo "ok $n the last build had every option of ci/bisect.config"
else
	echo "not ok $n options missing from the last build:$missing"
	fail=1
fi
exit $fail
