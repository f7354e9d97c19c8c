#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Compile test of the Coccinelle-generated driver patches (host only):
#   ci/cocci-compile-test.sh KSRC [WORKDIR]
# Copies KSRC (hard links) to WORKDIR (default: a temporary directory),
# configures a small x86_64 kernel with exactly the touched drivers
# enabled (allnoconfig + their dependencies), builds the touched objects
# with W=1 and C=1 (sparse) before and after applying the patches listed
# in patches/series, and fails on any warning the patches add, on a
# build failure, or on a driver the config did not enable.  Drivers that
# x86 cannot build (fsl_hypervisor: PowerPC) are built with
# powerpc-linux-gnu-gcc if it is installed (mpc85xx_defconfig), skipped
# otherwise.  Output: one "ok"/"FAIL"/"SKIP" line per object and the time.
set -eu

KSRC=${1:?usage: $0 KSRC [WORKDIR]}
HERE=$(cd "$(dirname "$0")/.." && pwd)
KSRC=$(cd "$KSRC" && pwd)
JOBS=${JOBS:-$(nproc)}
start=$(date +%s)
if [ -n "${2:-}" ]; then W=$2; mkdir -p "$W"; else
	W=$(mktemp -d); trap 'rm -rf "$W"' EXIT; fi
W=$(cd "$W" && pwd)

# object, Kconfig symbol, arch
OBJS="drivers/accel/qaic/qaic_control.o:DRM_ACCEL_QAIC:x86_64
drivers/virt/nitro_enclaves/ne_misc_dev.o:NITRO_ENCLAVES:x86_64
drivers/misc/vmw_vmci/vmci_queue_pair.o:VMWARE_VMCI:x86_64
drivers/misc/bcm-vk/bcm_vk_sg.o:BCM_VK:x86_64
drivers/block/ublk_drv.o:BLK_DEV_UBLK:x86_64
drivers/virt/fsl_hypervisor.o:FSL_HV_MANAGER:powerpc"
X86_DEPS="PCI PCI_MSI SMP HOTPLUG_CPU VIRT_DRIVERS DRM DRM_ACCEL MHI_BUS TTY
	  BLOCK BLK_DEV IO_URING BLK_DEV_UBLK
	  DRM_ACCEL_QAIC NITRO_ENCLAVES VMWARE_VMCI BCM_VK"

rm -rf "$W/src" "$W/o-x86_64" "$W/o-powerpc"
cp -al "$KSRC" "$W/src"
mkdir -p "$W/o-x86_64" "$W/o-powerpc"
fail=0

mk() {	# mk ARCH ARGS...
	a=$1; shift
	case $a in
	x86_64) make -s -C "$W/src" O="$W/o-$a" ARCH=x86_64 "$@" ;;
	powerpc) make -s -C "$W/src" O="$W/o-$a" ARCH=powerpc \
		CROSS_COMPILE=powerpc-linux-gnu- "$@" ;;
	esac
}

configure() {	# configure ARCH
	case $1 in
	x86_64)
		mk x86_64 allnoconfig >/dev/null
		for s in $X86_DEPS; do
			"$W/src/scripts/config" --file "$W/o-x86_64/.config" -e "$s"
		done ;;
	powerpc)
		mk powerpc mpc85xx_defconfig >/dev/null
		"$W/src/scripts/config" --file "$W/o-powerpc/.config" \
			-e FSL_HV_MANAGER ;;
	esac
	mk "$1" olddefconfig >/dev/null
}

build() {	# build ARCH TAG OBJ...: W=1 C=1 log per object in $W/TAG-*.log
	a=$1; t=$2; shift 2
	for o in "$@"; do
		rm -f "$W/o-$a/$o"
		log=$W/$t-$(echo "$o" | tr / _).log
		if mk "$a" -j"$JOBS" W=1 C=1 "$o" > "$log" 2>&1; then
			echo ok >> "$log.rc"
		else
			echo fail >> "$log.rc"
		fi
	done
}

ARCHS=""
for a in x86_64 powerpc; do
	objs=$(echo "$OBJS" | awk -F: -v a=$a '$3 == a {print $1}')
	syms=$(echo "$OBJS" | awk -F: -v a=$a '$3 == a {print $2}')
	if [ $a = powerpc ] && ! command -v powerpc-linux-gnu-gcc >/dev/null; then
		for o in $objs; do
			echo "SKIP $o (no powerpc-linux-gnu-gcc; apt install gcc-powerpc-linux-gnu)"
		done
		continue
	fi
	configure $a
	for s in $syms; do
		grep -q "^CONFIG_$s=[ym]" "$W/o-$a/.config" || {
			echo "FAIL $a config: CONFIG_$s not enabled"; fail=1; }
	done
	mk $a -j"$JOBS" prepare > "$W/prepare-$a.log" 2>&1 || {
		echo "FAIL $a prepare (see $W/prepare-$a.log)"; fail=1; continue; }
	build $a before $objs
	ARCHS="$ARCHS $a"
done

for p in $(grep -v "^[[:space:]]*\(#\|$\)" "$HERE/patches/series"); do
	patch -s -p1 -d "$W/src" < "$HERE/patches/$p" || {
		echo "FAIL patch $p does not apply"; fail=1; }
done

for a in $ARCHS; do
	objs=$(echo "$OBJS" | awk -F: -v a=$a '$3 == a {print $1}')
	build $a after $objs
	for o in $objs; do
		n=$(echo "$o" | tr / _)
		src=${o%.o}.c
		if [ "$(cat "$W/after-$n.log.rc")" != ok ]; then
			echo "FAIL $o: build failed"; sed 's/^/  /' "$W/after-$n.log"
			fail=1; continue
		fi
		# warnings (gcc W=1 and sparse) about the touched file, new ones only
		grep -F "$src:" "$W/before-$n.log" | sed 's/:[0-9]*:[0-9]*:/:/' |
			sort -u > "$W/b.txt" || true
		grep -F "$src:" "$W/after-$n.log" | sed 's/:[0-9]*:[0-9]*:/:/' |
			sort -u > "$W/a.txt" || true
		new=$(comm -13 "$W/b.txt" "$W/a.txt")
		if [ -n "$new" ]; then
			echo "FAIL $o: new warnings:"; echo "$new" | sed 's/^/  /'
			fail=1
		else
			echo "ok $o ($a, W=1 C=1: $(wc -l < "$W/a.txt") warning lines, none new)"
		fi
	done
done
echo "cocci-compile-test: $(( $(date +%s) - start )) s"
exit $fail
