/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Exact, attributed DMA-pin (FOLL_PIN) accounting per 4 KiB page.
 *
 * When CONFIG_PAGE_PIN_TRACKER is built in and page_pin_tracker=on is given
 * on the kernel command line, every FOLL_PIN reference is counted per page
 * in page_ext, and folio_maybe_dma_pinned() answers exactly for small
 * folios. Otherwise every hook below is one patched-out static branch.
 * See Documentation/mm/page_pin_tracker.rst.
 */
#ifndef __LINUX_PAGE_PIN_TRACKER_H
#define __LINUX_PAGE_PIN_TRACKER_H

#include <linux/jump_label.h>
#include <linux/types.h>

struct page;
struct folio;

#ifdef CONFIG_PAGE_PIN_TRACKER
DECLARE_STATIC_KEY_FALSE(page_pin_tracker_key);
extern struct page_ext_operations page_pin_tracker_ops;

void __page_pin_tracker_pin(struct folio *folio, struct page *page,
			    unsigned long nr, unsigned int gup_flags);
void __page_pin_tracker_unpin(struct folio *folio, struct page *page,
			      unsigned long nr);
void __page_pin_tracker_unpin_pages(struct page **pages, unsigned long nr);
void __page_pin_tracker_attribute(struct page **pages, unsigned long nr);
void __page_pin_tracker_attribute_folios(struct folio **folios,
					 unsigned long nr);
bool __page_pin_tracker_pinned(struct page *page);
void __page_pin_tracker_free(struct page *page, unsigned int order);

static inline bool page_pin_tracker_enabled(void)
{
	return static_branch_unlikely(&page_pin_tracker_key);
}

/*
 * Record one pin on each of the @nr pages that start at @page (all in
 * @folio); a NULL @page means the head page.
 */
static inline void page_pin_tracker_pin(struct folio *folio, struct page *page,
					unsigned long nr,
					unsigned int gup_flags)
{
	if (page_pin_tracker_enabled())
		__page_pin_tracker_pin(folio, page, nr, gup_flags);
}

/*
 * Drop one pin from each of the @nr pages that start at @page. A NULL
 * @page means "@nr pins somewhere in @folio" (folio-level unpin APIs).
 */
static inline void page_pin_tracker_unpin(struct folio *folio,
					  struct page *page, unsigned long nr)
{
	if (page_pin_tracker_enabled())
		__page_pin_tracker_unpin(folio, page, nr);
}

static inline void page_pin_tracker_unpin_pages(struct page **pages,
						unsigned long nr)
{
	if (page_pin_tracker_enabled())
		__page_pin_tracker_unpin_pages(pages, nr);
}

/* Save the caller's stack once and attach it to newly pinned @pages. */
static inline void page_pin_tracker_attribute(struct page **pages,
					      unsigned long nr)
{
	if (page_pin_tracker_enabled())
		__page_pin_tracker_attribute(pages, nr);
}

/* The same for folio-level pins (memfd_pin_folios()), on the head pages. */
static inline void page_pin_tracker_attribute_folios(struct folio **folios,
						     unsigned long nr)
{
	if (page_pin_tracker_enabled())
		__page_pin_tracker_attribute_folios(folios, nr);
}

/*
 * Called only once the refcount heuristic said "maybe pinned": true unless
 * the tracker knows @page has no pin.
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

static inline void page_pin_tracker_unpin_pages(struct page **pages,
						unsigned long nr)
{
}

static inline void page_pin_tracker_attribute(struct page **pages,
					      unsigned long nr)
{
}

static inline void page_pin_tracker_attribute_folios(struct folio **folios,
						     unsigned long nr)
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
