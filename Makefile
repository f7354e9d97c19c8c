# SPDX-License-Identifier: GPL-2.0
#
# Exact DMA-pin tracking for Linux 6.12: build, boot and test.
#
#   make              build the patched 6.12 test kernel, boot it, and show
#                     pin accounting (gup_test PIN benchmarks, foll_pin vmstat)
#   make check        host checks + upstream pin selftests in the VM; ends
#                     with "N passed, N failed, N skipped"
#   make kernel       only build the kernel and selftests
#   make series       export patches/ as a numbered format-patch series
#                     (new files folded into the patch that adds them)
#   make bisect-check apply that series patch by patch to the pristine base
#                     and build the test kernel after each one
#   make cocci-report regenerate reports/gup-callers.txt (whole-tree run)
#   make cocci-recall regenerate reports/cocci-recall.md: upstream's
#                     pin_user_pages*() users of drivers/ written back to
#                     GUP form and converted again by gup_to_pin.cocci
#   make compile-test build the drivers the series touches (W=1, sparse)
#   make check-off    the VM part of make check with the pin tracker compiled
#                     in but booted off
#   make check-debug  the VM part of make check on the debug kernel (KASAN,
#                     lockdep, DEBUG_VM_PGFLAGS, PAGE_TABLE_CHECK,
#                     DEBUG_PAGEALLOC, DEBUG_LIST, KFENCE), stress 10 min
#   make bench        gup_test get/put times on bench kernels (no DEBUG_VM,
#                     jump labels on): the unmodified base kernel, ours with
#                     the tracker off, and on (alternating boots; medians
#                     and ratios; page_ext bytes per page)
#   make bench-profile where one bench row's instructions go, per function,
#                     baseline vs ours with the tracker off (ROW="-L -T":
#                     gup_test options; COMPARE=on: off vs on; WATCH=more
#                     sources; QEMU execution log, ci/tb-profile.py)
#   make bench-rdma   ibv_reg_mr/ibv_dereg_mr of 1 GiB on rxe (4 KiB pages,
#                     THP, hugetlb) with the pin tracker off and on
#   make bench-uffd   PAGEMAP_SCAN and write-protect rounds with and without
#                     PAGE_IS_PINNED / UFFD_FEATURE_WP_PINNED (pin_wp -b)
#   make bench-mshare an msharefs region against a MAP_SHARED memfd: page
#                     tables of 1, 16, 64 processes mapping 1 GiB, first-touch
#                     fault and PIN_LONGTERM cost per page (icount)
#   make bench-hgm    HugeTLB HGM on the bench kernel, instruction counts:
#                     4 KiB vs whole-page UFFDIO_CONTINUE and first-touch
#                     faults, MADV_COLLAPSE, long-term pins split vs whole
#                     (hugetlb_hgm -b)
#   make clean        remove build/ (keeps nothing)
#
# KSRC=/path/to/linux-6.12.y uses that tree instead of Debian's
# linux-source-6.12. ACCEL=kvm|tcg forces the accelerator.

export KSRC ACCEL VARIANT
SHELL := /bin/bash

.PHONY: all check check-debug deps tree kernel selftests series bisect-check config-matrix cocci-report cocci-recall compile-test check-off bench bench-profile bench-rdma bench-uffd bench-mshare bench-hgm clean

all: deps
	SKIP_HOST=1 SHOW_OUTPUT=1 ci/check.sh vm/plans/demo.sh

check: deps
	ci/check.sh vm/plans/check.sh

check-off: deps
	PIN_TRACKER=off SKIP_HOST=1 ci/check.sh vm/plans/check-off.sh

# Its own build directory (build/obj-debug) and ccache directory, so that
# it does not evict the test kernel's objects. Timeouts of the plan lines
# are scaled (vm/plans/check-debug.sh); PLANS=a,b runs only those plans.
# The plan is split over VM_SHARDS (default 2) VMs run side by side
# (ci/shard-plan.py; 6 GiB each), balanced by the last run's times.
CCACHE_DEBUG_DIR ?= $(HOME)/.cache/ccache-debug
check-debug: deps
	VARIANT=debug SKIP_HOST=1 CCACHE_DIR=$(CCACHE_DEBUG_DIR) \
	VM_TIMEOUT=$${VM_TIMEOUT:-28800} VM_APPEND="panic_on_warn=0 $${VM_APPEND:-}" \
	VM_SHARDS=$${VM_SHARDS:-2} \
	ci/check.sh vm/plans/check-debug.sh

deps:
	@ci/deps.sh

tree: deps
	ci/prepare-tree.sh

kernel: tree
	ci/build-kernel.sh
	ci/build-selftests.sh

series: tree
	ci/export-series.sh

bisect-check: tree
	ci/bisect-check.sh

config-matrix: tree
	ci/config-matrix.sh

cocci-report: tree
	ci/cocci-report.sh "$$(ci/pristine.sh --full)" reports/gup-callers.txt

cocci-recall: tree
	ci/cocci-recall.py "$$(ci/pristine.sh --full)" --out reports/cocci-recall.md

compile-test: tree
	EXTRA_PKGS=gcc-powerpc-linux-gnu ci/deps.sh
	ci/cocci-compile-test.sh "$$(ci/pristine.sh --full)" build/compile-test

bench: kernel
	VARIANT=bench ci/build-kernel.sh
	VARIANT=bench+baseline ci/build-kernel.sh
	ci/bench.sh

bench-profile: kernel
	VARIANT=bench ci/build-kernel.sh
	VARIANT=bench+baseline ci/build-kernel.sh
	ci/bench-profile.sh

bench-rdma: kernel
	ci/bench-rdma.sh

bench-uffd: kernel
	ci/bench-uffd.sh

# On the bench kernel (no DEBUG_VM), built here if needed (ccache).
bench-mshare: kernel
	VARIANT=bench ci/build-kernel.sh
	ci/bench-mshare.sh

bench-hgm: kernel
	VARIANT=bench ci/build-kernel.sh
	VARIANT=bench ci/bench-hgm.sh

clean:
	rm -rf build
