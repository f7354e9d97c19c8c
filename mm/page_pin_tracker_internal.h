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

struct page_pin_rec {
	atomic_t count;			/* FOLL_PIN references on this page */
	u32 owner;			/* pid of the first pinner | LONGTERM */
	depot_stack_handle_t handle;	/* stack of the first pinning call */
	u32 since;			/* jiffies of the first pin */
};

/* Pages whose count reached PPT_COUNT_MAX. */
extern atomic_long_t ppt_saturated;

static inline struct page_pin_rec *ppt_rec(struct page_ext *ext)
{
	return page_ext_data(ext, &page_pin_tracker_ops);
}

#endif /* __MM_PAGE_PIN_TRACKER_INTERNAL_H */
