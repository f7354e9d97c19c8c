// SPDX-License-Identifier: GPL-2.0
/*
 * page_pin_tracker: exact, attributed FOLL_PIN accounting.
 *
 * Each page gets a 16-byte page_ext record (see page_pin_tracker_internal.h)
 * with the number of FOLL_PIN references on that page. Pins are counted
 * where the kernel takes them: a pin of a whole large folio (a GUP-fast PMD
 * or PUD leaf, memfd_pin_folios()) is one update of the folio's count, kept
 * in page 1's record, and counts for every page of the folio; a pin of some
 * pages updates their own counts. The first pin of a folio records the
 * process, the time and the stack of the pinning call. The counts are
 * maintained by the hooks in mm/gup.c, checked when pages are freed, and
 * listed in debugfs. See Documentation/mm/page_pin_tracker.rst.
 */
#include <linux/debugfs.h>
#include <linux/jiffies.h>
#include <linux/kstrtox.h>
#include <linux/memblock.h>
#include <linux/mm.h>
#include <linux/page_ext.h>
#include <linux/page_pin_tracker.h>
#include <linux/pid_namespace.h>
#include <linux/ratelimit.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/seq_file.h>
#include <linux/stackdepot.h>
#include <linux/stacktrace.h>
#include <linux/threads.h>
#include <linux/uaccess.h>

#include "internal.h"
#include "page_pin_tracker_internal.h"

#undef pr_fmt
#define pr_fmt(fmt)	"page_pin_tracker: " fmt

#define PPT_STACK_DEPTH		24

#ifdef CONFIG_SPARSEMEM
#define PPT_EXT_RUN		PAGES_PER_SECTION
#else
#define PPT_EXT_RUN		1UL	/* look every record up */
#endif

static bool page_pin_tracker_on __initdata;
DEFINE_STATIC_KEY_FALSE(page_pin_tracker_key);
EXPORT_SYMBOL_GPL(page_pin_tracker_key);

atomic_long_t ppt_bad_unpins = ATOMIC_LONG_INIT(0);
atomic_long_t ppt_freed_pinned = ATOMIC_LONG_INIT(0);
atomic_long_t ppt_saturated = ATOMIC_LONG_INIT(0);
bool ppt_quiet;
static pid_t ppt_filter_pid;

static int __init early_page_pin_tracker_param(char *buf)
{
	int ret = kstrtobool(buf, &page_pin_tracker_on);

	if (!ret && page_pin_tracker_on)
		stack_depot_request_early_init();
	return ret;
}
early_param("page_pin_tracker", early_page_pin_tracker_param);

static bool __init need_page_pin_tracker(void)
{
	return page_pin_tracker_on;
}

static void __init init_page_pin_tracker(void)
{
	if (!page_pin_tracker_on)
		return;
	static_branch_enable(&page_pin_tracker_key);
	pr_info("enabled, %zu bytes per page\n", sizeof(struct page_pin_rec));
}

struct page_ext_operations page_pin_tracker_ops = {
	.size = sizeof(struct page_pin_rec),
	.need = need_page_pin_tracker,
	.init = init_page_pin_tracker,
	.need_shared_flags = false,
};

/* The folio's own counts live in page 1's record, next to the head's. */
static struct page_pin_rec *ppt_folio_rec(struct page_ext *head_ext)
{
	return ppt_rec(page_ext_next(head_ext));
}

static u32 ppt_owner(unsigned int gup_flags)
{
	u32 owner = task_tgid_nr(current) & PPT_OWNER_PID_MASK;

	if (gup_flags & FOLL_LONGTERM)
		owner |= PPT_OWNER_LONGTERM;
	return owner;
}

static depot_stack_handle_t ppt_save_stack(void)
{
	unsigned long entries[PPT_STACK_DEPTH];
	unsigned int n;

	n = stack_trace_save(entries, ARRAY_SIZE(entries), 2);
	return stack_depot_save(entries, n, GFP_NOWAIT | __GFP_NOWARN);
}

void __page_pin_tracker_call_begin(struct page_pin_tracker_call *call,
				   unsigned int gup_flags)
{
	if (current->ppt_call)
		return;
	call->owner = ppt_owner(gup_flags);
	call->since = (u32)jiffies;
	call->handle = 0;
	current->ppt_call = call;
}

void __page_pin_tracker_call_end(struct page_pin_tracker_call *call)
{
	if (current->ppt_call == call)
		current->ppt_call = NULL;
}

/*
 * The first pin of a small folio, or of any page of a large one: name the
 * pinning call in @rec. Outside a bracketed call (folio_add_pin() of
 * legacy direct I/O), the stack is saved here.
 */
static void ppt_record_first(struct page_pin_rec *rec, unsigned int gup_flags)
{
	struct page_pin_tracker_call *call = current->ppt_call;
	depot_stack_handle_t handle;
	u32 owner, since;

	if (call) {
		if (!call->handle)
			call->handle = ppt_save_stack();
		owner = call->owner | ppt_owner(gup_flags);
		since = call->since;
		handle = call->handle;
	} else {
		owner = ppt_owner(gup_flags);
		since = (u32)jiffies;
		handle = ppt_save_stack();
	}
	WRITE_ONCE(rec->handle, handle);
	WRITE_ONCE(rec->since, since);
	atomic_set(&rec->owner, owner);
}

static void ppt_mark_longterm(struct page_pin_rec *rec, unsigned int gup_flags)
{
	if ((gup_flags & FOLL_LONGTERM) &&
	    !(atomic_read(&rec->owner) & PPT_OWNER_LONGTERM))
		atomic_or(PPT_OWNER_LONGTERM, &rec->owner);
}

/*
 * Add @nr to a count, stopping at PPT_COUNT_MAX. Returns the old value;
 * *@added is what was really added.
 */
static int ppt_count_add(atomic_t *count, int nr, int *added)
{
	int old = atomic_read(count), new;

	do {
		new = old > PPT_COUNT_MAX - nr ? PPT_COUNT_MAX : old + nr;
	} while (!atomic_try_cmpxchg(count, &old, new));
	if (new == PPT_COUNT_MAX && old != PPT_COUNT_MAX)
		atomic_long_inc(&ppt_saturated);
	*added = new - old;
	return old;
}

enum ppt_drop {
	PPT_DROPPED,	/* one pin dropped */
	PPT_STUCK,	/* the count is saturated: left as it is */
	PPT_NONE,	/* no pin to drop */
};

static enum ppt_drop ppt_drop_one(atomic_t *count)
{
	int old = atomic_read(count);

	do {
		if (old == 0)
			return PPT_NONE;
		if (old == PPT_COUNT_MAX)
			return PPT_STUCK;
	} while (!atomic_try_cmpxchg(count, &old, old - 1));
	return PPT_DROPPED;
}

static void ppt_report(struct page *page, u32 owner,
		       depot_stack_handle_t handle, const char *what)
{
	static DEFINE_RATELIMIT_STATE(ppt_rs, 10 * HZ, 2);

	if (READ_ONCE(ppt_quiet) || !__ratelimit(&ppt_rs))
		return;
	if (owner)
		pr_warn("%s: pfn 0x%lx, last pinned by pid %u%s\n", what,
			page_to_pfn(page), owner & PPT_OWNER_PID_MASK,
			owner & PPT_OWNER_LONGTERM ? " (long-term)" : "");
	else
		pr_warn("%s: pfn 0x%lx, not pinned since it was allocated\n",
			what, page_to_pfn(page));
	dump_page(page, what);
	if (handle) {
		pr_warn("pinned at:\n");
		stack_depot_print(handle);
	} else {
		pr_warn("no pin stack recorded\n");
	}
	dump_stack();
}

static void ppt_bad_unpin(struct page *page, struct page_pin_rec *attr)
{
	atomic_long_inc(&ppt_bad_unpins);
	ppt_report(page, atomic_read(&attr->owner), READ_ONCE(attr->handle),
		   "unpin of a page with no recorded pin");
}

/*
 * The fast paths for one page's count, a locked add each. A count cannot
 * really overflow (each pin is also a reference on the folio, an int that
 * GUP refuses to take past INT_MAX), but one that reaches PPT_COUNT_MAX
 * sticks there, as in ppt_count_add(). ppt_inc() returns whether the pin
 * was counted; a count stuck at PPT_COUNT_MAX was raised past it, so the
 * add is undone. Every step is an addition, so concurrent updates are
 * never lost; only at that (unreachable) boundary can racing pins and
 * unpins be told "counted" or "stuck" wrongly.
 */
static noinline bool ppt_inc_stuck(atomic_t *count, int new)
{
	if (new == PPT_COUNT_MAX) {
		atomic_long_inc(&ppt_saturated);
		return true;
	}
	/* It was stuck at PPT_COUNT_MAX: undo, by an addition too. */
	atomic_dec(count);
	return false;
}

static __always_inline bool ppt_inc(atomic_t *count, int *new)
{
	*new = atomic_inc_return(count);
	if (likely(*new != PPT_COUNT_MAX && *new != INT_MIN))
		return true;
	return ppt_inc_stuck(count, *new);
}

/*
 * An unpin that finds no pin (or a stuck count) takes the count to -1 (or
 * PPT_COUNT_MAX - 1) for a moment, then back. A reader meanwhile sees that
 * page without a pin of its own, which it has not: the pin being dropped,
 * if any, is the folio's (see ppt_split_full()). Pins made meanwhile are
 * not lost: every step is an addition. Such a pin of a small folio may see
 * 0 instead of 1 and not record itself as the first; that only happens
 * next to an unpin of a page without a pin, already reported.
 */
static __always_inline enum ppt_drop ppt_dec(atomic_t *count)
{
	int new = atomic_dec_return(count);

	if (likely(new >= 0 && new != PPT_COUNT_MAX - 1))
		return PPT_DROPPED;
	atomic_inc(count);
	return new < 0 ? PPT_NONE : PPT_STUCK;
}

static __always_inline struct page_pin_rec *
ppt_rec_step(struct page_pin_rec *rec, long n)
{
	return (void *)rec + n * (long)page_ext_size;
}

/*
 * A walk over the records of the consecutive pages [@pfn, @end). page_ext
 * is contiguous within a memory section only (gigantic folios span
 * several), so the first record of each section is looked up and the
 * others are stepped to. Sections without page_ext are skipped. A walk
 * that runs to its end holds nothing; one left early ends with
 * ppt_walk_end().
 */
struct ppt_walk {
	unsigned long pfn;	/* the current record's */
	unsigned long end;
	unsigned long left;	/* records after the current one in its array */
	struct page_ext *ext;	/* the current array's, held */
	struct page_pin_rec *rec;
};

static void ppt_walk_end(struct ppt_walk *w)
{
	if (w->ext)
		page_ext_put(w->ext);
	w->ext = NULL;
}

/* Look up the record of @w->pfn, or of the first page after it with one. */
static struct page_pin_rec *ppt_walk_section(struct ppt_walk *w)
{
	unsigned long n;

	ppt_walk_end(w);
	for (; w->pfn < w->end; w->pfn += n) {
		n = min(w->end - w->pfn,
			PPT_EXT_RUN - (w->pfn & (PPT_EXT_RUN - 1)));
		w->ext = page_ext_get(pfn_to_page(w->pfn));
		if (w->ext) {
			w->left = n - 1;
			w->rec = ppt_rec(w->ext);
			return w->rec;
		}
	}
	return NULL;
}

static struct page_pin_rec *ppt_walk_start(struct ppt_walk *w,
					   unsigned long pfn, unsigned long nr)
{
	w->pfn = pfn;
	w->end = pfn + nr;
	w->ext = NULL;
	return ppt_walk_section(w);
}

static __always_inline struct page_pin_rec *ppt_walk_next(struct ppt_walk *w)
{
	w->pfn++;
	if (!w->left)
		return ppt_walk_section(w);
	w->left--;
	w->rec = ppt_rec_step(w->rec, 1);
	return w->rec;
}

/* One pin on each of the @nr pages from @pfn; returns how many counted. */
static int ppt_pin_run(unsigned long pfn, unsigned long nr)
{
	struct page_pin_rec *rec;
	struct ppt_walk w;
	int added = 0, new;

	for (rec = ppt_walk_start(&w, pfn, nr); rec;
	     rec = ppt_walk_next(&w))
		added += ppt_inc(&rec->count, &new);
	return added;
}

static void ppt_pin_small(struct folio *folio, unsigned long nr,
			  unsigned int gup_flags)
{
	struct page_ext *ext = page_ext_get(&folio->page);
	struct page_pin_rec *rec;
	int added;

	if (!ext)
		return;
	rec = ppt_rec(ext);
	if (nr == 1) {
		ppt_inc(&rec->count, &added);
		added = added == 1;
	} else {
		added = !ppt_count_add(&rec->count, nr, &added);
	}
	if (added)
		ppt_record_first(rec, gup_flags);
	else
		ppt_mark_longterm(rec, gup_flags);
	page_ext_put(ext);
}

/*
 * How many pins of the whole folio a hook's (@page, @nr) means: a NULL
 * @page is @nr of them (memfd_pin_folios(), unpin_folios()), a run of all
 * pages of the folio is one. 0 means a run of @nr pages from @page.
 */
static unsigned long ppt_wholes(struct folio *folio, struct page *page,
				unsigned long nr)
{
	if (!page)
		return nr;
	return page == &folio->page && nr == folio_nr_pages(folio);
}

/*
 * A large folio: a pin of the whole folio is one update of @full, a pin of
 * some of its pages updates their counts. Either way @total tells whether
 * this is the folio's first pin.
 */
static void ppt_pin_large(struct folio *folio, struct page *page,
			  unsigned long nr, unsigned int gup_flags)
{
	struct page_ext *head_ext;
	struct page_pin_rec *frec;
	int sum = 0;

	head_ext = page_ext_get(&folio->page);
	if (!head_ext)
		return;
	frec = ppt_folio_rec(head_ext);
	if (ppt_wholes(folio, page, nr))
		ppt_count_add(&frec->full, ppt_wholes(folio, page, nr), &sum);
	else
		sum = ppt_pin_run(page_to_pfn(page), nr);
	if (sum && !atomic_fetch_add(sum, &frec->total))
		ppt_record_first(ppt_rec(head_ext), gup_flags);
	else
		ppt_mark_longterm(ppt_rec(head_ext), gup_flags);
	page_ext_put(head_ext);
}

void __page_pin_tracker_pin(struct folio *folio, struct page *page,
			    unsigned long nr, unsigned int gup_flags)
{
	if (!nr || is_zero_folio(folio))
		return;
	if (folio_test_large(folio))
		ppt_pin_large(folio, page, nr, gup_flags);
	else
		ppt_pin_small(folio, nr, gup_flags);
}

static void ppt_add_others(struct folio *folio, unsigned long skip, int delta)
{
	struct page_pin_rec *rec;
	struct ppt_walk w;
	int added;

	for (rec = ppt_walk_start(&w, folio_pfn(folio), folio_nr_pages(folio));
	     rec; rec = ppt_walk_next(&w)) {
		if (w.pfn == skip)
			continue;
		if (delta > 0)
			ppt_count_add(&rec->count, 1, &added);
		else
			ppt_drop_one(&rec->count);
	}
}

/*
 * Page @pfn of @folio is unpinned but has no pin of its own: it must be
 * covered by a pin of the whole folio, which becomes one pin on each of
 * the other pages. Those are raised before the whole-folio pin goes, so
 * that no query sees them unpinned in between. Returns false if there is
 * no whole-folio pin; -EAGAIN if another CPU took it first.
 */
static int ppt_split_full(struct folio *folio, struct page_pin_rec *frec,
			  unsigned long pfn)
{
	/*
	 * Acquire: a split by another CPU raises the other pages before its
	 * fully ordered decrement of @full, so 0 here means those raises are
	 * visible to the caller's retry.
	 */
	if (!atomic_read_acquire(&frec->full))
		return -ENOENT;
	ppt_add_others(folio, pfn, 1);
	if (atomic_dec_if_positive(&frec->full) < 0) {
		ppt_add_others(folio, pfn, -1);
		return -EAGAIN;
	}
	/* One whole-folio pin out, nr - 1 page pins in. */
	atomic_add(folio_nr_pages(folio) - 2, &frec->total);
	return 0;
}

/*
 * Page @pfn of @folio is unpinned but has no pin of its own (@count): the
 * pin must be one of the whole folio. Returns the page pins dropped (0 or
 * 1: if another unpin converted that pin first, this page now has one).
 */
static noinline int ppt_unpin_uncounted(struct folio *folio,
					struct page_ext *head_ext,
					atomic_t *count, unsigned long pfn)
{
	for (;;) {
		switch (ppt_split_full(folio, ppt_folio_rec(head_ext), pfn)) {
		case 0:
			return 0;
		case -ENOENT:
			/*
			 * Another unpin of this folio may have split its
			 * last whole-folio pin since this page's count was
			 * read, giving this page one of its own.
			 */
			switch (ppt_dec(count)) {
			case PPT_DROPPED:
				return 1;
			case PPT_STUCK:
				return 0;
			default:
				ppt_bad_unpin(pfn_to_page(pfn),
					      ppt_rec(head_ext));
				return 0;
			}
		}
		switch (ppt_dec(count)) {
		case PPT_DROPPED:
			return 1;
		case PPT_STUCK:
			return 0;
		default:
			break;
		}
	}
}

/* Drop one pin of each of the @nr pages of @folio from @pfn. */
static int ppt_unpin_run(struct folio *folio, struct page_ext *head_ext,
			 unsigned long pfn, unsigned long nr)
{
	struct page_pin_rec *rec;
	struct ppt_walk w;
	int dropped = 0;

	for (rec = ppt_walk_start(&w, pfn, nr); rec;
	     rec = ppt_walk_next(&w)) {
		switch (ppt_dec(&rec->count)) {
		case PPT_DROPPED:
			dropped++;
			break;
		case PPT_STUCK:
			break;
		case PPT_NONE:
			dropped += ppt_unpin_uncounted(folio, head_ext,
						       &rec->count, w.pfn);
			break;
		}
	}
	return dropped;
}

static void ppt_unpin_large(struct folio *folio, struct page *page,
			    unsigned long nr)
{
	unsigned long wholes = ppt_wholes(folio, page, nr);
	struct page_ext *head_ext;
	struct page_pin_rec *frec;
	int dropped = 0;

	head_ext = page_ext_get(&folio->page);
	if (!head_ext)
		return;
	frec = ppt_folio_rec(head_ext);
	if (wholes) {
		while (wholes && atomic_dec_if_positive(&frec->full) >= 0) {
			atomic_dec(&frec->total);
			wholes--;
		}
		if (!wholes)
			goto out;
		/* No pin of the whole folio left: it was pinned page by page. */
		page = &folio->page;
		nr = folio_nr_pages(folio);
	} else {
		wholes = 1;
	}
	while (wholes--)
		dropped += ppt_unpin_run(folio, head_ext, page_to_pfn(page), nr);
	atomic_sub(dropped, &frec->total);
out:
	page_ext_put(head_ext);
}

void __page_pin_tracker_unpin(struct folio *folio, struct page *page,
			      unsigned long nr)
{
	struct page_ext *ext;
	struct page_pin_rec *rec;

	if (!nr || is_zero_folio(folio))
		return;
	if (folio_test_large(folio)) {
		ppt_unpin_large(folio, page, nr);
		return;
	}
	ext = page_ext_get(&folio->page);
	if (!ext)
		return;
	rec = ppt_rec(ext);
	while (nr--)
		if (ppt_dec(&rec->count) == PPT_NONE)
			ppt_bad_unpin(&folio->page, rec);
	page_ext_put(ext);
}

void __page_pin_tracker_unpin_folio_pages(struct folio *folio,
					  unsigned long nr)
{
	struct page_pin_rec *frec, *rec;
	struct page_ext *head_ext;
	struct ppt_walk w;
	int dropped = 0;
	unsigned long n;

	if (!nr || is_zero_folio(folio))
		return;
	if (!folio_test_large(folio)) {
		__page_pin_tracker_unpin(folio, &folio->page, nr);
		return;
	}
	n = folio_nr_pages(folio);
	head_ext = page_ext_get(&folio->page);
	if (!head_ext)
		return;
	frec = ppt_folio_rec(head_ext);
	if (nr == n && atomic_dec_if_positive(&frec->full) >= 0) {
		atomic_dec(&frec->total);
		goto out;
	}
	/* Nothing says which pages: take them in order. */
	for (rec = ppt_walk_start(&w, folio_pfn(folio), n); rec;
	     rec = ppt_walk_next(&w)) {
		while (nr && ppt_drop_one(&rec->count) == PPT_DROPPED) {
			nr--;
			dropped++;
		}
		if (!nr)
			break;
	}
	ppt_walk_end(&w);
	atomic_sub(dropped, &frec->total);
	if (nr)
		ppt_bad_unpin(&folio->page, ppt_rec(head_ext));
out:
	page_ext_put(head_ext);
}

/*
 * The number of entries from @pages[0] on that are consecutive pages of
 * @folio, a large folio (at least 1), so that they are unpinned as one
 * run. Entries past the folio's last page cannot be in it, so comparing
 * each entry with the page it should be is enough.
 */
static unsigned long ppt_run(struct folio *folio, struct page **pages,
			     unsigned long nr)
{
	unsigned long n;

	nr = min_t(unsigned long, nr,
		   folio_nr_pages(folio) - folio_page_idx(folio, pages[0]));
	for (n = 1; n < nr; n++)
		if (pages[n] != nth_page(pages[0], n))
			break;
	return n;
}

/*
 * unpin_user_pages() and friends: the entries' pages are often each a
 * small folio, and most of them in one memory section, whose records are
 * found from the last one looked up.
 */
void __page_pin_tracker_unpin_pages(struct page **pages, unsigned long nr)
{
	unsigned long i, n, pfn, sec_pfn = 0;
	struct page_ext *sec_ext = NULL;
	struct page_pin_rec *rec;
	struct folio *folio;

	for (i = 0; i < nr; i += n) {
		n = 1;
		if (!pages[i])
			continue;
		folio = page_folio(pages[i]);
		if (folio_test_large(folio)) {
			n = ppt_run(folio, pages + i, nr - i);
			__page_pin_tracker_unpin(folio, pages[i], n);
			continue;
		}
		if (is_zero_folio(folio))
			continue;
		pfn = page_to_pfn(pages[i]);
		if (!sec_ext ||
		    (pfn & ~(PPT_EXT_RUN - 1)) != (sec_pfn & ~(PPT_EXT_RUN - 1))) {
			if (sec_ext)
				page_ext_put(sec_ext);
			sec_ext = page_ext_get(pages[i]);
			sec_pfn = pfn;
			if (!sec_ext)
				continue;
		}
		rec = ppt_rec_step(ppt_rec(sec_ext), (long)(pfn - sec_pfn));
		if (ppt_dec(&rec->count) == PPT_NONE)
			ppt_bad_unpin(pages[i], rec);
	}
	if (sec_ext)
		page_ext_put(sec_ext);
}

bool __page_pin_tracker_pinned(struct page *page)
{
	struct folio *folio = page_folio(page);
	struct page_ext *ext = page_ext_get(page);
	bool pinned;

	if (!ext)
		return true;
	pinned = atomic_read(&ppt_rec(ext)->count) > 0;
	page_ext_put(ext);
	if (pinned || !folio_test_large(folio))
		return pinned;
	ext = page_ext_get(&folio->page);
	if (!ext)
		return true;
	pinned = atomic_read(&ppt_folio_rec(ext)->full) > 0;
	page_ext_put(ext);
	return pinned;
}
EXPORT_SYMBOL_GPL(__page_pin_tracker_pinned);

static void ppt_forget(struct page_pin_rec *rec)
{
	if (unlikely(atomic_read(&rec->owner))) {
		atomic_set(&rec->owner, 0);
		WRITE_ONCE(rec->handle, 0);
	}
}

static void ppt_freed_with_pins(struct page *page, struct page_pin_rec *attr)
{
	atomic_long_inc(&ppt_freed_pinned);
	ppt_report(page, atomic_read(&attr->owner), READ_ONCE(attr->handle),
		   "free of a page with recorded pins");
}

/* A large folio is checked in one read of its total. */
static void ppt_free_large(struct page *page, unsigned int order)
{
	struct page_pin_rec *head, *frec, *rec;
	struct page_ext *head_ext;
	struct ppt_walk w;

	head_ext = page_ext_get(page);
	if (!head_ext)
		return;
	head = ppt_rec(head_ext);
	frec = ppt_folio_rec(head_ext);
	if (unlikely(atomic_read(&frec->total) || atomic_read(&frec->full))) {
		ppt_freed_with_pins(page, head);
		for (rec = ppt_walk_start(&w, page_to_pfn(page), 1UL << order);
		     rec; rec = ppt_walk_next(&w))
			atomic_set(&rec->count, 0);
		atomic_set(&frec->full, 0);
		atomic_set(&frec->total, 0);
	}
	ppt_forget(head);
	page_ext_put(head_ext);
}

static __always_inline void ppt_free_rec(struct page *page,
					 struct page_pin_rec *rec)
{
	if (unlikely(atomic_read(&rec->count))) {
		ppt_freed_with_pins(page, rec);
		atomic_set(&rec->count, 0);
	}
	/* Forget the last pinner: the next user is someone else. */
	ppt_forget(rec);
}

void __page_pin_tracker_free(struct page *page, unsigned int order)
{
	struct page_pin_rec *rec;
	struct page_ext *ext;
	struct ppt_walk w;

	/* Most frees: one page, one lookup, no walk. */
	if (!order) {
		ext = page_ext_get(page);
		if (ext) {
			ppt_free_rec(page, ppt_rec(ext));
			page_ext_put(ext);
		}
		return;
	}
	if (PageHead(page)) {
		ppt_free_large(page, order);
		return;
	}
	/* A high-order allocation that is not one folio. */
	for (rec = ppt_walk_start(&w, page_to_pfn(page), 1UL << order);
	     rec; rec = ppt_walk_next(&w))
		ppt_free_rec(pfn_to_page(w.pfn), rec);
}

#ifdef CONFIG_DEBUG_VM
/**
 * page_pin_tracker_folio_sum - what the tracker counts for a large folio
 * @folio: a large folio
 * @pages: set to the sum of its pages' own pin counts
 * @full: set to its pins of the whole folio
 *
 * For DEBUG_VM checks against _pincount: a racy read of counts that pins
 * and unpins change meanwhile. A pin of some pages adds as much to
 * _pincount as to @pages; a pin of the whole folio adds one to @full and
 * one (memfd_pin_folios()) or folio_nr_pages() (GUP of all its pages) to
 * _pincount.
 *
 * Return: false if the tracker is off or a count saturated (the sum is
 * not exact then); true with @pages and @full set otherwise.
 */
bool page_pin_tracker_folio_sum(struct folio *folio, long *pages, long *full)
{
	struct page_pin_rec *rec;
	struct page_ext *head_ext;
	struct ppt_walk w;
	bool exact = true;
	long sum = 0;
	int count;

	if (!page_pin_tracker_enabled() || !folio_test_large(folio))
		return false;
	head_ext = page_ext_get(&folio->page);
	if (!head_ext)
		return false;
	*full = atomic_read(&ppt_folio_rec(head_ext)->full);
	if (*full == PPT_COUNT_MAX)
		exact = false;
	for (rec = ppt_walk_start(&w, folio_pfn(folio), folio_nr_pages(folio));
	     rec; rec = ppt_walk_next(&w)) {
		count = atomic_read(&rec->count);
		if (count == PPT_COUNT_MAX)
			exact = false;
		sum += count;
	}
	page_ext_put(head_ext);
	*pages = sum;
	return exact;
}
#endif

/* ---- debugfs ------------------------------------------------------------ */

struct ppt_snap {
	int count;
	int full;	/* on the head page: pins of the whole folio */
	u32 owner;
	depot_stack_handle_t handle;
	u32 since;
};

/*
 * A racy snapshot of one page's record, as page_owner reads its records:
 * the page may be freed or its folio split meanwhile. For a page of a large
 * folio, the count includes the folio's whole-folio pins and the owner is
 * the folio's.
 */
static bool ppt_snapshot(unsigned long pfn, struct ppt_snap *s)
{
	struct page_ext *ext, *head_ext = NULL;
	struct page_pin_rec *rec, *attr;
	struct folio *folio;
	struct page *page;

	if (!pfn_valid(pfn))
		return false;
	page = pfn_to_page(pfn);
	ext = page_ext_get(page);
	if (!ext)
		return false;
	rec = ppt_rec(ext);
	attr = rec;
	s->count = atomic_read(&rec->count);
	s->full = 0;
	folio = page_folio(page);
	if (folio_test_large(folio)) {
		if (&folio->page == page)
			s->full = atomic_read(&ppt_folio_rec(ext)->full);
		if (&folio->page != page)
			head_ext = page_ext_get(&folio->page);
		if (head_ext || &folio->page == page) {
			attr = ppt_rec(head_ext ?: ext);
			s->count += atomic_read(&ppt_folio_rec(head_ext ?: ext)->full);
		} else {
			attr = NULL;
		}
	}
	s->owner = attr ? atomic_read(&attr->owner) : 0;
	s->handle = attr ? READ_ONCE(attr->handle) : 0;
	s->since = attr ? READ_ONCE(attr->since) : 0;
	if (head_ext)
		page_ext_put(head_ext);
	page_ext_put(ext);
	return s->count > 0;
}

static void ppt_comm(pid_t pid, char *comm, size_t len)
{
	struct task_struct *task;

	rcu_read_lock();
	task = find_task_by_pid_ns(pid, &init_pid_ns);
	if (task)
		__get_task_comm(comm, len, task);
	else
		strscpy(comm, "-", len);
	rcu_read_unlock();
}

static int ppt_format(char *buf, size_t size, unsigned long pfn,
		      const struct ppt_snap *s)
{
	pid_t pid = s->owner & PPT_OWNER_PID_MASK;
	char comm[TASK_COMM_LEN];
	int n;

	ppt_comm(pid, comm, sizeof(comm));
	n = scnprintf(buf, size,
		      "pfn=0x%lx count=%d longterm=%d pid=%d comm=%s age_ms=%u\n",
		      pfn, s->count, !!(s->owner & PPT_OWNER_LONGTERM), pid,
		      comm, jiffies_to_msecs((u32)jiffies - s->since));
	if (s->handle)
		n += stack_depot_snprint(s->handle, buf + n, size - n, 1);
	else
		n += scnprintf(buf + n, size - n, " (no stack recorded)\n");
	n += scnprintf(buf + n, size - n, "\n");
	return n;
}

/* One record per read(); *ppos is the next pfn to look at. */
static ssize_t ppt_pinned_read(struct file *file, char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	unsigned long pfn = max_t(unsigned long, *ppos, min_low_pfn);
	pid_t filter = READ_ONCE(ppt_filter_pid);
	struct ppt_snap s;
	ssize_t ret = 0;
	char *kbuf;

	kbuf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!kbuf)
		return -ENOMEM;
	for (; pfn < max_pfn; pfn++) {
		if (!(pfn % 4096)) {
			if (fatal_signal_pending(current)) {
				ret = -EINTR;
				break;
			}
			cond_resched();
		}
		if (!ppt_snapshot(pfn, &s))
			continue;
		if (filter && (s.owner & PPT_OWNER_PID_MASK) != filter)
			continue;
		ret = ppt_format(kbuf, PAGE_SIZE, pfn, &s);
		if (ret > count) {
			ret = -ENOMEM;
			break;
		}
		if (copy_to_user(ubuf, kbuf, ret)) {
			ret = -EFAULT;
			break;
		}
		*ppos = pfn + 1;
		break;
	}
	kfree(kbuf);
	return ret;
}

static const struct file_operations ppt_pinned_fops = {
	.read = ppt_pinned_read,
	.llseek = default_llseek,
};

#define PPT_MAX_OWNERS	64

struct ppt_owner {
	pid_t pid;
	unsigned long pages;
	unsigned long longterm;
};

static int ppt_summary_show(struct seq_file *m, void *v)
{
	unsigned long pfn, pages = 0, longterm = 0, refs = 0, other = 0;
	unsigned long wholes = 0;
	struct ppt_owner *owners;
	char comm[TASK_COMM_LEN];
	int nr_owners = 0, i;
	struct ppt_snap s;

	owners = kcalloc(PPT_MAX_OWNERS, sizeof(*owners), GFP_KERNEL);
	if (!owners)
		return -ENOMEM;
	for (pfn = min_low_pfn; pfn < max_pfn; pfn++) {
		bool lt;
		pid_t pid;

		if (!(pfn % 4096)) {
			if (fatal_signal_pending(current))
				break;
			cond_resched();
		}
		if (!ppt_snapshot(pfn, &s))
			continue;
		lt = s.owner & PPT_OWNER_LONGTERM;
		pid = s.owner & PPT_OWNER_PID_MASK;
		pages++;
		refs += s.count;
		wholes += s.full;
		longterm += lt;
		for (i = 0; i < nr_owners; i++)
			if (owners[i].pid == pid)
				break;
		if (i == nr_owners) {
			if (nr_owners == PPT_MAX_OWNERS) {
				other++;
				continue;
			}
			owners[nr_owners++].pid = pid;
		}
		owners[i].pages++;
		owners[i].longterm += lt;
	}
	seq_printf(m, "pinned_pages=%lu\n", pages);
	seq_printf(m, "pinned_refs=%lu\n", refs);
	seq_printf(m, "whole_folio_pins=%lu\n", wholes);
	seq_printf(m, "longterm_pages=%lu\n", longterm);
	seq_printf(m, "bad_unpins=%ld\n", atomic_long_read(&ppt_bad_unpins));
	seq_printf(m, "freed_pinned=%ld\n", atomic_long_read(&ppt_freed_pinned));
	seq_printf(m, "saturated=%ld\n", atomic_long_read(&ppt_saturated));
	for (i = 0; i < nr_owners; i++) {
		ppt_comm(owners[i].pid, comm, sizeof(comm));
		seq_printf(m, "owner pid=%d comm=%s pinned_pages=%lu longterm_pages=%lu\n",
			   owners[i].pid, comm, owners[i].pages,
			   owners[i].longterm);
	}
	if (other)
		seq_printf(m, "owner pid=-1 comm=(other) pinned_pages=%lu\n", other);
	kfree(owners);
	return 0;
}

/*
 * Big enough for the header and PPT_MAX_OWNERS + 1 owner lines, so that
 * seq_file never has to run the scan again with a bigger buffer.
 */
#define PPT_SUMMARY_SIZE	(16 * 1024)

static int ppt_summary_open(struct inode *inode, struct file *file)
{
	return single_open_size(file, ppt_summary_show, inode->i_private,
				PPT_SUMMARY_SIZE);
}

static const struct file_operations ppt_summary_fops = {
	.open = ppt_summary_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
};

static int ppt_filter_get(void *data, u64 *val)
{
	*val = READ_ONCE(ppt_filter_pid);
	return 0;
}

static int ppt_filter_set(void *data, u64 val)
{
	if (val > PID_MAX_LIMIT)
		return -EINVAL;
	WRITE_ONCE(ppt_filter_pid, val);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(ppt_filter_fops, ppt_filter_get, ppt_filter_set,
			 "%llu\n");

static int __init page_pin_tracker_debugfs_init(void)
{
	struct dentry *dir;

	if (!static_branch_unlikely(&page_pin_tracker_key))
		return 0;
	dir = debugfs_create_dir("page_pin_tracker", NULL);
	debugfs_create_file("pinned", 0400, dir, NULL, &ppt_pinned_fops);
	debugfs_create_file("summary", 0400, dir, NULL, &ppt_summary_fops);
	debugfs_create_file_unsafe("filter_pid", 0600, dir, NULL,
				   &ppt_filter_fops);
	return 0;
}
late_initcall(page_pin_tracker_debugfs_init);
