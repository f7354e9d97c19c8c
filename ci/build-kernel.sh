#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Configure and build the test kernel in build/obj-$VARIANT.
#
# The config is tinyconfig + kvm_guest.config + vm/pintest.config, plus
# vm/variant-$VARIANT.config when that exists. Every "=y"/"=n" option the
# fragments ask for is checked afterwards: merge_config.sh drops options
# with unmet dependencies without failing, so we fail here instead.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

VARIANT=${VARIANT:-test}
OBJ=$BUILD/obj-$VARIANT
# VARIANT=a+b layers vm/variant-a.config, then vm/variant-b.config.
# A variant whose fragment says "# pintest: pristine" is built from the
# unpatched base tree (ci/pristine.sh --full): the baseline of `make bench`.
vfrags=()
for v in ${VARIANT//+/ }; do
	[ -f "$TOP/vm/variant-$v.config" ] && vfrags+=("$TOP/vm/variant-$v.config")
done
if [ ${#vfrags[@]} -gt 0 ] && grep -qx "# pintest: pristine" "${vfrags[@]}"; then
	SRC=$("$TOP/ci/pristine.sh" --full)
fi
frags=("$SRC/kernel/configs/kvm_guest.config" "$TOP/vm/pintest.config" "${vfrags[@]}")

KMAKE=(make -C "$SRC" O="$OBJ" -j"$(nproc)"
	KBUILD_BUILD_TIMESTAMP="pintest" KBUILD_BUILD_USER=pintest
	KBUILD_BUILD_HOST=pintest)
if command -v ccache >/dev/null; then
	KMAKE+=(CC="ccache gcc" HOSTCC="ccache gcc")
	export CCACHE_BASEDIR=$TOP CCACHE_NOHASHDIR=1
fi

mkdir -p "$OBJ"
cfg_hash=$(cat "${frags[@]}" "$SRC/Makefile" | sha1sum | cut -d' ' -f1)
if [ ! -f "$OBJ/.config" ] || [ "$(cat "$OBJ/.pintest-config" 2>/dev/null)" != "$cfg_hash" ]; then
	say "configuring $VARIANT kernel: tinyconfig + ${frags[*]##*/}"
	"${KMAKE[@]}" -s tinyconfig >/dev/null
	(cd "$SRC" && scripts/kconfig/merge_config.sh -m -O "$OBJ" \
		"$OBJ/.config" "${frags[@]}" >/dev/null)
	"${KMAKE[@]}" -s olddefconfig >/dev/null
	echo "$cfg_hash" >"$OBJ/.pintest-config"
fi

# Every option our fragments set must have survived (kvm_guest.config is
# generic and names options of other architectures, so it is not checked).
# A later fragment overrides an earlier one, as in merge_config.sh.
declare -A want=()
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*)
		want[${line%%=*}]=${line#*=}
		;;
	"# CONFIG_"*" is not set")
		opt=${line#\# }
		want[${opt%% *}]=n
		;;
	esac
done < <(cat "${frags[@]:1}")
missing=()
for opt in "${!want[@]}"; do
	if [ "${want[$opt]}" = n ]; then
		grep -q "^$opt=" "$OBJ/.config" && missing+=("$opt=n")
	else
		grep -qxF "$opt=${want[$opt]}" "$OBJ/.config" || missing+=("$opt=${want[$opt]}")
	fi
done
if [ ${#missing[@]} -ne 0 ]; then
	rm -f "$OBJ/.pintest-config"
	die "config options dropped by merge_config (unmet dependencies?): ${missing[*]}"
fi

say "building $VARIANT kernel ($(cat "$BUILD/BASE_VERSION"))"
start=$(date +%s)
"${KMAKE[@]}" -s bzImage
"${KMAKE[@]}" -s headers >/dev/null
say "kernel built in $(since "$start")s: $OBJ/arch/x86/boot/bzImage"
