#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boot the test kernel under QEMU with the host root read-only over 9p and
# run a plan (see vm/guest-init). Usage:
#   vm/run-vm.sh KERNEL PLAN RUNDIR [TIMEOUT-SECONDS]
# Writes RUNDIR/console.log (test output, ttyS0), RUNDIR/kernel.log (kernel
# console, ttyS1) and RUNDIR/status; RUNDIR/scratch is the guest's
# writable /run/scratch. Uses KVM when a short probe shows it
# works, TCG otherwise (ACCEL=kvm|tcg forces one). Exit status: 0 when the
# guest ran the plan to its end, 1 otherwise (the caller judges the tests).
set -uo pipefail
. "$(dirname "$0")/../ci/lib.sh"

KERNEL=$1 PLAN=$2 RUNDIR=$3 TIMEOUT=${4:-1800}
MEM=${VM_MEM:-6G}
CPUS=${VM_CPUS:-2}
HUGE=${VM_HUGEPAGES:-"hugepagesz=1G hugepages=2 hugepagesz=2M hugepages=256 default_hugepagesz=2M"}
# The DMA-pin tracker is on by default (PIN_TRACKER=off boots it compiled
# in but disabled; a kernel without CONFIG_PAGE_PIN_TRACKER ignores it).
TRACKER=${PIN_TRACKER:-on}
# QEMU_EXTRA: more QEMU options, for profiling by hand (for example
# "-d exec,in_asm,nochain -dfilter RANGE -D FILE": ci/tb-profile.py).

[ -f "$KERNEL" ] || die "no kernel image: $KERNEL"
[ -f "$PLAN" ] || die "no plan: $PLAN"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 is not installed"
rm -rf "$RUNDIR"
# scratch/: a writable 9p share, /run/scratch in the guest (a file system
# with writeback, unlike tmpfs: see rdma_pin's file-mapping case).
mkdir -p "$RUNDIR/scratch"
RUNDIR=$(cd "$RUNDIR" && pwd)
PLAN=$(cd "$(dirname "$PLAN")" && pwd)/$(basename "$PLAN")

qemu_cmd() { # accel
	local accel=$1 cpu=max
	local append="console=ttyS1 loglevel=7 root=/dev/root rootfstype=9p"
	append+=" rootflags=trans=virtio,version=9p2000.L,msize=262144,cache=loose ro"
	append+=" init=$TOP/vm/guest-init pintest_plan=$PLAN pintest_accel=$accel"
	append+=" pintest_keep=$TOP,$BUILD,$(dirname "$PLAN")"
	append+=" panic=-1 $HUGE page_pin_tracker=$TRACKER ${VM_APPEND:-}"
	local icount=
	if [ "$accel" = tcg ] && [ -n "${ICOUNT:-}" ]; then
		# Guest time from the instruction count: timings inside the
		# guest no longer depend on the host's load (make bench).
		accel=tcg,thread=single
		icount="-icount shift=$ICOUNT,sleep=off"
	elif [ "$accel" = tcg ]; then
		accel=tcg,thread=multi
	fi
	echo exec qemu-system-x86_64 -accel "$accel" $icount -cpu "$cpu" -smp "$CPUS" -m "$MEM" \
		-display none -vga none -monitor none -no-reboot -nic none \
		-kernel "$KERNEL" -append "\"$append\"" \
		-fsdev local,id=root,path=/,security_model=none,readonly=on,multidevs=remap \
		-device virtio-9p-pci,fsdev=root,mount_tag=/dev/root \
		-fsdev local,id=scratch,path=$RUNDIR/scratch,security_model=none \
		-device virtio-9p-pci,fsdev=scratch,mount_tag=pintest_scratch \
		-serial "file:$RUNDIR/console.log" -serial "file:$RUNDIR/kernel.log" \
		${QEMU_EXTRA:-}
}

# run ACCEL TIMEOUT [PROBE]: PROBE=1 gives up as soon as the kernel has not
# printed within PROBE_SECS, returning 2.
run() {
	local accel=$1 tmo=$2 probe=${3:-0} pid start
	: >"$RUNDIR/console.log"
	: >"$RUNDIR/kernel.log"
	eval "$(qemu_cmd "$accel")" >"$RUNDIR/qemu.log" 2>&1 &
	pid=$!
	QPID=$pid
	start=$(date +%s)
	while kill -0 "$pid" 2>/dev/null; do
		if [ "$probe" = 1 ] && [ "$(since "$start")" -ge "${PROBE_SECS:-15}" ] &&
			! grep -q "Linux version" "$RUNDIR/kernel.log"; then
			kill -9 "$pid" 2>/dev/null
			wait "$pid" 2>/dev/null
			return 2
		fi
		if [ "$(since "$start")" -ge "$tmo" ]; then
			kill -9 "$pid" 2>/dev/null
			wait "$pid" 2>/dev/null
			echo "timeout after ${tmo}s" >"$RUNDIR/status"
			return 1
		fi
		sleep 1
	done
	wait "$pid"
	local rc=$?
	echo "qemu exited rc=$rc after $(since "$start")s" >"$RUNDIR/status"
	return 0
}

QPID=
trap '[ -n "$QPID" ] && kill -9 "$QPID" 2>/dev/null' EXIT
trap 'exit 130' INT TERM

accel=${ACCEL:-}
if [ -z "$accel" ]; then
	accel=tcg
	if [ -w /dev/kvm ]; then
		# A KVM guest hangs before its first byte on some nested hosts, so
		# only trust KVM after it has printed. The probe runs the real plan.
		say "probing KVM (${PROBE_SECS:-15}s)"
		run kvm "$TIMEOUT" 1
		case $? in
		0) accel=kvm ;;
		2) say "KVM guest printed nothing: falling back to TCG" ;;
		*) accel=kvm ;;
		esac
	else
		say "/dev/kvm not usable: using TCG"
	fi
fi
# A boot that dies of an "Oops: int3" before the plan's first test is
# QEMU's multi-threaded TCG executing a stale copy of code that the kernel
# has just live-patched (a static key flipped at boot: seen twice at
# sched_clock_tick+0x5, right after "sched_clock: Marking stable", in
# about 60 boots; never under KVM). No test has run, so boot again, at
# most BOOT_RETRIES times, keeping the failed kernel log and saying so.
boot_died_of_int3() {
	! grep -q "<<<PINTEST BEGIN" "$RUNDIR/console.log" &&
		grep -q "Oops: int3" "$RUNDIR/kernel.log"
}
if [ "$accel" = tcg ] && ! grep -q "^qemu exited\|^timeout" "$RUNDIR/status" 2>/dev/null; then
	say "booting under TCG (plan $(basename "$PLAN"), timeout ${TIMEOUT}s)"
	run tcg "$TIMEOUT"
	retries=0
	while boot_died_of_int3 && [ "$retries" -lt "${BOOT_RETRIES:-2}" ]; do
		retries=$((retries + 1))
		cp "$RUNDIR/kernel.log" "$RUNDIR/kernel.log.bootfail-$retries"
		say "warning: the guest died of an int3 oops at boot, before any test" \
			"($(grep -m1 -o 'RIP: [^ ]*' "$RUNDIR/kernel.log.bootfail-$retries" || true));" \
			"booting again ($retries of ${BOOT_RETRIES:-2}; log kept as kernel.log.bootfail-$retries)"
		run tcg "$TIMEOUT"
	done
	[ "$retries" = 0 ] || echo "boot retried $retries times after an int3 oops at boot" >>"$RUNDIR/status"
elif [ -n "${ACCEL:-}" ] && [ "$accel" = kvm ]; then
	run kvm "$TIMEOUT"
fi
echo "accel=$accel" >>"$RUNDIR/status"
say "VM ($accel): $(head -n1 "$RUNDIR/status")"

if grep -q "<<<PINTEST DONE" "$RUNDIR/console.log"; then
	exit 0
fi
echo "error: the guest did not finish its plan ($(head -n1 "$RUNDIR/status")); console tail:" >&2
tail -n 25 "$RUNDIR/console.log" | sed 's/^/  console| /' >&2
echo "kernel log tail:" >&2
tail -n 25 "$RUNDIR/kernel.log" | sed 's/^/  kernel| /' >&2
[ -s "$RUNDIR/qemu.log" ] && sed 's/^/  qemu| /' "$RUNDIR/qemu.log" >&2
exit 1
