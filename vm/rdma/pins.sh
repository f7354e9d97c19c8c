# SPDX-License-Identifier: GPL-2.0
# Sourced by the guest RDMA scripts: foll_pin counters of /proc/vmstat,
# folded from the per-CPU deltas first (see Documentation/mm/page_pin_tracker.rst
# and the brief: unfolded counters can be off by one).

# Prints "ACQUIRED RELEASED".
foll_pins() {
	echo 1 >/proc/sys/vm/stat_refresh 2>/dev/null
	awk '$1 == "nr_foll_pin_acquired" { a = $2 }
	     $1 == "nr_foll_pin_released" { r = $2 }
	     END { print a + 0, r + 0 }' /proc/vmstat
}

# Pages the tracker lists now (empty when the tracker is off or absent).
tracker_pinned() {
	f=/sys/kernel/debug/page_pin_tracker/summary
	[ -r "$f" ] && sed -n 's/^pinned_pages=//p' "$f"
}
