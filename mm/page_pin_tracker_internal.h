/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The page pin tracker's per-page record, shared by mm/page_pin_tracker.c
 * and its KUnit suite, mm/page_pin_tracker_test.c.
 */
#ifndef __MM_PAGE_PIN_TRACKER_INTERNAL_H
#define __MM_PAGE_PIN_TRACKER_INTERNAL_H

#include <linux/atomic.h>
#include <linux/limits.h>
#include <linux/page_ext.h>
#include <linux/page_pin_tracker.h>
#include <linux/stackdepot.h>

/* A count that reaches PPT_COUNT_MAX sticks there: it is no longer exact. */
#define PPT_COUNT_MAX		INT_MAX
#define PPT_OWNER_LONGTERM	0x80000000U
#define PPT_OWNER_PID_MASK	0x3fffffffU

/*
 * 16 bytes per page. @count is the number of pins on this page alone. The
 * rest depends on the page:
 * - a small folio, or the head page of a large folio: who pinned it first
 *   since it had no pin (for a large folio: since no page of it had one);
 * - page 1 of a large folio: the folio's own counts. @full is the number
 *   of pins of the whole folio, which count for every page of it; @total
 *   is @full plus the sum of the per-page counts, so that a free checks a
 *   large folio in one read;
 * - the other tail pages: nothing but @count.
 */
struct page_pin_rec {
	atomic_t count;
	union {
		struct {
			atomic_t owner;		/* tgid | PPT_OWNER_LONGTERM */
			depot_stack_handle_t handle; /* stack of the call */
			u32 since;		/* jiffies of that call */
		};
		struct {
			atomic_t full;
			atomic_t total;
			u32 unused;
		};
	};
};

/* Pages whose count reached PPT_COUNT_MAX. */
extern atomic_long_t ppt_saturated;
extern atomic_long_t ppt_bad_unpins;
extern atomic_long_t ppt_freed_pinned;
/* Count mismatches without printing them (KUnit provokes them). */
extern bool ppt_quiet;

static inline struct page_pin_rec *ppt_rec(struct page_ext *ext)
{
	return page_ext_data(ext, &page_pin_tracker_ops);
}

#ifdef CONFIG_DEBUG_VM
bool page_pin_tracker_folio_sum(struct folio *folio, long *pages, long *full);
#endif

#endif /* __MM_PAGE_PIN_TRACKER_INTERNAL_H */
