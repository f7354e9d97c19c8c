/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Exact, attributed DMA-pin (FOLL_PIN) accounting.
 *
 * When CONFIG_PAGE_PIN_TRACKER is built in and page_pin_tracker=on is given
 * on the kernel command line, every FOLL_PIN reference is counted in
 * page_ext where the kernel takes it: on a page, on a run of pages, or on a
 * whole large folio. folio_maybe_dma_pinned() then answers exactly for
 * small folios.
 * Otherwise every hook below is one static branch.
 * See Documentation/mm/page_pin_tracker.rst.
 */
#ifndef __LINUX_PAGE_PIN_TRACKER_H
#define __LINUX_PAGE_PIN_TRACKER_H

#include <linux/jump_label.h>
#include <linux/types.h>

struct page;
struct folio;

/*
 * Who pins, taken once per GUP call (the API entry points in mm/gup.c) and
 * written only into the records of pages that this call pins first. The
 * stack is saved at the first such page, so a call that only adds pins to
 * pinned pages never saves it.
 */
struct page_pin_tracker_call {
	u32 owner;		/* tgid, plus PPT_OWNER_LONGTERM */
	u32 since;		/* jiffies at the start of the call */
	u32 handle;		/* depot_stack_handle_t, 0 until needed */
};

#ifdef CONFIG_PAGE_PIN_TRACKER
DECLARE_STATIC_KEY_FALSE(page_pin_tracker_key);
extern struct page_ext_operations page_pin_tracker_ops;

void __page_pin_tracker_pin(struct folio *folio, struct page *page,
			    unsigned long nr, unsigned int gup_flags);
void __page_pin_tracker_unpin(struct folio *folio, struct page *page,
			      unsigned long nr);
void __page_pin_tracker_unpin_folio_pages(struct folio *folio,
					  unsigned long nr);
void __page_pin_tracker_unpin_pages(struct page **pages, unsigned long nr);
bool __page_pin_tracker_pinned(struct page *page);
void __page_pin_tracker_free(struct page *page, unsigned int order);
void __page_pin_tracker_call_begin(struct page_pin_tracker_call *call,
				   unsigned int gup_flags);
void __page_pin_tracker_call_end(struct page_pin_tracker_call *call);

static inline bool page_pin_tracker_enabled(void)
{
	return static_branch_unlikely(&page_pin_tracker_key);
}

/*
 * Record one pin on each of the @nr consecutive pages of @folio that start
 * at @page. A NULL @page, or a run that is the whole folio, is one pin of
 * the whole folio (memfd_pin_folios(), a GUP-fast PMD or PUD leaf).
 */
static inline void page_pin_tracker_pin(struct folio *folio, struct page *page,
					unsigned long nr,
					unsigned int gup_flags)
{
	if (page_pin_tracker_enabled())
		__page_pin_tracker_pin(folio, page, nr, gup_flags);
}

/* Drop what page_pin_tracker_pin() with the same arguments recorded. */
static inline void page_pin_tracker_unpin(struct folio *folio,
					  struct page *page, unsigned long nr)
{
	if (page_pin_tracker_enabled())
		__page_pin_tracker_unpin(folio, page, nr);
}

/*
 * Drop @nr page pins somewhere in @folio, for unpin_user_folio(), whose
 * callers do not say which pages they pinned. In-tree callers release by
 * page; this one is matched against the folio's pinned pages in order.
 */
static inline void page_pin_tracker_unpin_folio_pages(struct folio *folio,
						      unsigned long nr)
{
	if (page_pin_tracker_enabled())
		__page_pin_tracker_unpin_folio_pages(folio, nr);
}

static inline void page_pin_tracker_unpin_pages(struct page **pages,
						unsigned long nr)
{
	if (page_pin_tracker_enabled())
		__page_pin_tracker_unpin_pages(pages, nr);
}

/*
 * Bracket a pinning call: pins recorded in between are attributed to the
 * caller's process, the call's start time and its stack. Nested calls
 * keep the outer context.
 */
static inline void
page_pin_tracker_call_begin(struct page_pin_tracker_call *call,
			    unsigned int gup_flags)
{
	if (page_pin_tracker_enabled())
		__page_pin_tracker_call_begin(call, gup_flags);
}

static inline void
page_pin_tracker_call_end(struct page_pin_tracker_call *call)
{
	if (page_pin_tracker_enabled())
		__page_pin_tracker_call_end(call);
}

/*
 * Called only once the refcount or _pincount said "maybe pinned": true
 * unless the tracker knows that @page has no pin. A pin of the whole folio
 * counts for every page of it.
 */
static inline bool page_pin_tracker_maybe_pinned(struct page *page)
{
	if (!page_pin_tracker_enabled())
		return true;
	return __page_pin_tracker_pinned(page);
}

static inline void page_pin_tracker_free(struct page *page, unsigned int order)
{
	if (page_pin_tracker_enabled())
		__page_pin_tracker_free(page, order);
}

#else /* CONFIG_PAGE_PIN_TRACKER */

static inline bool page_pin_tracker_enabled(void)
{
	return false;
}

static inline void page_pin_tracker_pin(struct folio *folio, struct page *page,
					unsigned long nr,
					unsigned int gup_flags)
{
}

static inline void page_pin_tracker_unpin(struct folio *folio,
					  struct page *page, unsigned long nr)
{
}

static inline void page_pin_tracker_unpin_folio_pages(struct folio *folio,
						      unsigned long nr)
{
}

static inline void page_pin_tracker_unpin_pages(struct page **pages,
						unsigned long nr)
{
}

static inline void
page_pin_tracker_call_begin(struct page_pin_tracker_call *call,
			    unsigned int gup_flags)
{
}

static inline void
page_pin_tracker_call_end(struct page_pin_tracker_call *call)
{
}

static inline bool page_pin_tracker_maybe_pinned(struct page *page)
{
	return true;
}

static inline void page_pin_tracker_free(struct page *page, unsigned int order)
{
}

#endif /* CONFIG_PAGE_PIN_TRACKER */
#endif /* __LINUX_PAGE_PIN_TRACKER_H */
