/* SPDX-License-Identifier: GPL-2.0 */
/*
 * FOLL_PIN references as the kernel takes and drops them: one event per
 * pin or unpin of a run of pages of one folio. Usable without the pin
 * tracker (CONFIG_PAGE_PIN_TRACKER, page_pin_tracker=on): the task that
 * pins is the event's pid and comm, the caller is in the event's stack
 * (trace-cmd record -T, perf record -g, bpftrace kstack). Disabled, each
 * event is a static branch. See Documentation/mm/page_pin_tracker.rst.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM page_pin

#if !defined(_TRACE_PAGE_PIN_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_PAGE_PIN_H

#include <linux/mm.h>
#include <linux/tracepoint.h>

/* How a pin was taken or dropped (the "how" field). */
#define PAGE_PIN_LONGTERM	0x1	/* FOLL_LONGTERM */
#define PAGE_PIN_FAST		0x2	/* GUP-fast, without the mmap lock */
#define PAGE_PIN_FOLIO		0x4	/* the folio, no page named */

#define show_page_pin_how(how)						\
	__print_flags(how, "|",						\
		      { PAGE_PIN_LONGTERM,	"longterm" },		\
		      { PAGE_PIN_FAST,		"fast" },		\
		      { PAGE_PIN_FOLIO,		"folio" })

DECLARE_EVENT_CLASS(page_pin_template,
		    TP_PROTO(struct folio *folio, struct page *page,
			     unsigned long nr, unsigned int how),
		    TP_ARGS(folio, page, nr, how),
		    TP_STRUCT__entry(__field(unsigned long, pfn)
				     __field(unsigned long, nr)
				     __field(unsigned int, order)
				     __field(unsigned int, how)),
		    TP_fast_assign(__entry->pfn = page ? page_to_pfn(page) :
							 folio_pfn(folio);
				   __entry->nr = nr;
				   __entry->order = folio_order(folio);
				   __entry->how = how |
						  (page ? 0 : PAGE_PIN_FOLIO);),
		    TP_printk("pfn=0x%lx nr=%lu order=%u how=%s",
			      __entry->pfn, __entry->nr, __entry->order,
			      __entry->how ? show_page_pin_how(__entry->how) :
					     "0")
);

/*
 * @nr pins taken on the @nr consecutive pages of @folio from @page, or,
 * with a NULL @page, @nr pins of @folio as a whole (memfd_pin_folios()).
 */
DEFINE_EVENT(page_pin_template, page_pin,
	     TP_PROTO(struct folio *folio, struct page *page,
		      unsigned long nr, unsigned int how),
	     TP_ARGS(folio, page, nr, how)
);

/*
 * @nr pins dropped on pages of @folio, from @page on: unpin_user_pages()
 * drops the pins of one folio's entries of its array in one event, and
 * those pages need not be consecutive. A NULL @page is a release by
 * folio (unpin_folio(), unpin_user_folio()).
 */
DEFINE_EVENT(page_pin_template, page_unpin,
	     TP_PROTO(struct folio *folio, struct page *page,
		      unsigned long nr, unsigned int how),
	     TP_ARGS(folio, page, nr, how)
);

#endif /* _TRACE_PAGE_PIN_H */

/* This part must be outside protection */
#include <trace/define_trace.h>
