#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make config-matrix`: build the whole series (build/linux, as `make tree`
# leaves it) with each of our options on and off, and with the mm options
# our code hooks into off, then compile every C file the series adds or
# changes with W=1 and sparse (C=2) and report the warnings the series adds
# (the same files of the pristine base, compiled with the same config, give
# the warnings that were there before). Prints TAP: one "builds" and one
# "no new W=1/sparse warnings" line per row. Rows are small (tinyconfig +
# ci/bisect.config + the row's options) so that the matrix stays
# affordable; ccache makes a second run take minutes.
#
# ROWS=name,name... runs only those rows. The TAP is also written to
# build/matrix/config-matrix.tap.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
export LC_ALL=C

M=$BUILD/matrix
LOG=$M/log
mkdir -p "$LOG"
[ -f "$SRC/.pintest-base" ] || die "no tree: run make tree"
PRISTINE=$("$TOP/ci/pristine.sh" --full) || die "no pristine base tree"

# name|options on top of tinyconfig + ci/bisect.config. "X=n" turns off.
# The first row adds what the tracker, HGM and mshare hook into beyond the
# bisect config (migration, memory-failure, NUMA for mshare's mbind
# refusal, DEBUG_VM for the HGM pin-sum check; x86 has memory failure
# only with machine-check handling).
ROW_LIST='
all|CONFIG_X86_MCE=y CONFIG_DEBUG_VM=y CONFIG_NUMA=y CONFIG_MIGRATION=y CONFIG_COMPACTION=y CONFIG_MEMORY_FAILURE=y CONFIG_MEMORY_HOTPLUG=y
notracker|CONFIG_PAGE_PIN_TRACKER=n CONFIG_PAGE_PIN_TRACKER_KUNIT_TEST=n
nohgm|CONFIG_HUGETLB_HGM=n
nomshare|CONFIG_MSHARE=n
none|CONFIG_MSHARE=n CONFIG_PAGE_PIN_TRACKER=n CONFIG_PAGE_PIN_TRACKER_KUNIT_TEST=n CONFIG_HUGETLB_HGM=n
nohuge|CONFIG_TRANSPARENT_HUGEPAGE=n CONFIG_HUGETLBFS=n CONFIG_HUGETLB_HGM=n CONFIG_USERFAULTFD=n CONFIG_GUP_TEST=n
'

kmake() { # kmake TREE OBJ ARGS...
	local tree=$1 obj=$2
	shift 2
	make -C "$tree" O="$obj" -j"$(nproc)" KBUILD_BUILD_TIMESTAMP=pintest \
		KBUILD_BUILD_USER=pintest KBUILD_BUILD_HOST=pintest \
		CC="ccache gcc" HOSTCC="ccache gcc" "$@"
}

configure() { # configure TREE OBJ FRAGMENT
	kmake "$1" "$2" -s tinyconfig >/dev/null &&
		(cd "$1" && scripts/kconfig/merge_config.sh -m -O "$2" "$2/.config" "$3" \
			>/dev/null 2>&1) &&
		kmake "$1" "$2" -s olddefconfig >/dev/null
}

# Options of the fragment that did not end up as asked (unmet dependency).
dropped() { # dropped FRAGMENT CONFIG
	local line opt val out=
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=y)
			grep -qx "$line" "$2" || out="$out ${line}"
			;;
		"# CONFIG_"*" is not set")
			opt=${line#\# }
			opt=${opt%% *}
			grep -q "^$opt=" "$2" && out="$out $opt=n"
			;;
		esac
	done <"$1"
	echo "$out"
}

# The C files the series adds or changes.
files=$( (sed -n 's|^+++ b/\(.*\.c\)$|\1|p' "$TOP"/patches/*.patch
	for d in mm fs kernel lib drivers; do
		[ -d "$TOP/$d" ] && (cd "$TOP" && find "$d" -name '*.c')
	done) | sort -u)

# gcc and sparse warnings, without line and column numbers, one per line.
warnings() { # warnings LOGFILE
	grep -E '(warning|error):' "$1" |
		sed -E 's|^[^ ]*/linux/||; s|^[^ ]*/pristine-full/||;
			s|^([^:]*):[0-9]+:([0-9]+:)?|\1:|' | sort
}

rows=()
while IFS='|' read -r name opts; do
	[ -n "$name" ] || continue
	if [ -n "${ROWS:-}" ] && [[ ",$ROWS," != *",$name,"* ]]; then
		continue
	fi
	rows+=("$name|$opts")
done <<<"$ROW_LIST"

exec > >(tee "$M/config-matrix.tap")
echo "TAP version 13"
echo "1..$((${#rows[@]} * 2))"
n=0
fail=0
export CCACHE_NOHASHDIR=1
for row in "${rows[@]}"; do
	name=${row%%|*}
	opts=${row#*|}
	obj=$M/obj-$name
	pobj=$M/pristine-$name
	frag=$M/$name.config
	{
		# The row's options replace those of ci/bisect.config.
		pat=$(for o in $opts; do echo "^${o%%=*}="; done)
		grep -v '^#' "$TOP/ci/bisect.config" | grep -v -f <(echo "$pat")
		for o in $opts; do
			case "$o" in
			*=n) echo "# ${o%=n} is not set" ;;
			*) echo "$o" ;;
			esac
		done
	} >"$frag"
	start=$(date +%s)
	n=$((n + 1))
	export CCACHE_BASEDIR=$SRC
	if ! configure "$SRC" "$obj" "$frag"; then
		echo "not ok $n $name configures"
		fail=1
		n=$((n + 1))
		echo "not ok $n $name # SKIP not configured"
		continue
	fi
	lost=$(dropped "$frag" "$obj/.config")
	if [ -n "$lost" ]; then
		echo "not ok $n $name: options dropped by Kconfig:$lost"
		fail=1
		n=$((n + 1))
		echo "not ok $n $name # SKIP not configured"
		continue
	fi
	if kmake "$SRC" "$obj" -s vmlinux >"$LOG/$name-build.log" 2>&1; then
		echo "ok $n $name builds ($(since "$start")s)"
	else
		grep -E 'error|warning' "$LOG/$name-build.log" | head -n 20 | sed 's/^/# /'
		echo "not ok $n $name builds"
		fail=1
	fi

	# W=1 and sparse on the files this config builds, patched and pristine.
	n=$((n + 1))
	built=()
	for f in $files; do
		[ -f "$obj/${f%.c}.o" ] && built+=("${f%.c}.o")
	done
	: >"$LOG/$name-w1.log"
	: >"$LOG/$name-w1-pristine.log"
	for o in "${built[@]}"; do
		kmake "$SRC" "$obj" W=1 C=2 "$o" >>"$LOG/$name-w1.log" 2>&1
	done
	export CCACHE_BASEDIR=$PRISTINE
	# The base has none of our options; page_ext.c is built only when
	# something selects PAGE_EXTENSION (the tracker does).
	{ cat "$frag"; echo CONFIG_PAGE_EXTENSION=y; } >"$frag.pristine"
	if configure "$PRISTINE" "$pobj" "$frag.pristine" &&
		kmake "$PRISTINE" "$pobj" -s prepare >"$LOG/$name-pristine.log" 2>&1; then
		for o in "${built[@]}"; do
			[ -f "$PRISTINE/${o%.o}.c" ] || continue
			kmake "$PRISTINE" "$pobj" W=1 C=2 "$o" \
				>>"$LOG/$name-w1-pristine.log" 2>&1
		done
	fi
	# Minus the known gaps of 6.12's lock annotations (ci/config-matrix.known).
	new=$(comm -23 <(warnings "$LOG/$name-w1.log") \
		<(warnings "$LOG/$name-w1-pristine.log") |
		grep -vxF -f <(grep -v '^#' "$TOP/ci/config-matrix.known"))
	if [ -z "$new" ]; then
		echo "ok $n $name: no new W=1/sparse warnings in ${#built[@]} files"
	else
		echo "$new" | head -n 30 | sed 's/^/# /'
		echo "not ok $n $name: new W=1/sparse warnings"
		fail=1
	fi
done
exit $fail
