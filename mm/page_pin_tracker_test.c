// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the page pin tracker's accounting: grab and put, plain
 * references that the refcount heuristic takes for a pin, large folios page
 * by page and whole, a whole-folio pin released page by page, page_add_pin()
 * on a tail page, mismatch reports, rollback, the zero page, counter
 * saturation, per-call attribution and memfd_pin_folios().
 * They run at boot and are skipped unless page_pin_tracker=on.
 */
#include <kunit/test.h>
#include <linux/file.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/page_ext.h>
#include <linux/page_pin_tracker.h>
#include <linux/sched.h>
#include <linux/shmem_fs.h>

#include "internal.h"
#include "page_pin_tracker_internal.h"

static int ppt_count(struct page *page)
{
	struct page_ext *ext = page_ext_get(page);
	int count;

	if (!ext)
		return -1;
	count = atomic_read(&ppt_rec(ext)->count);
	page_ext_put(ext);
	return count;
}

static void ppt_set_count(struct page *page, int count)
{
	struct page_ext *ext = page_ext_get(page);

	if (ext) {
		atomic_set(&ppt_rec(ext)->count, count);
		page_ext_put(ext);
	}
}

static int ppt_test_init(struct kunit *test)
{
	if (!page_pin_tracker_enabled())
		kunit_skip(test, "boot with page_pin_tracker=on");
	return 0;
}

static void ppt_test_grab_put(struct kunit *test)
{
	struct page *page = alloc_page(GFP_KERNEL);
	struct folio *folio;

	KUNIT_ASSERT_NOT_NULL(test, page);
	folio = page_folio(page);
	KUNIT_EXPECT_EQ(test, ppt_count(page), 0);
	KUNIT_ASSERT_EQ(test, try_grab_folio(folio, page, 1, FOLL_PIN), 0);
	KUNIT_EXPECT_EQ(test, ppt_count(page), 1);
	KUNIT_ASSERT_EQ(test, try_grab_folio(folio, page, 1,
					     FOLL_PIN | FOLL_LONGTERM), 0);
	KUNIT_EXPECT_EQ(test, ppt_count(page), 2);
	KUNIT_EXPECT_TRUE(test, folio_maybe_dma_pinned(folio));
	unpin_user_page(page);
	KUNIT_EXPECT_EQ(test, ppt_count(page), 1);
	unpin_user_page(page);
	KUNIT_EXPECT_EQ(test, ppt_count(page), 0);
	KUNIT_EXPECT_FALSE(test, folio_maybe_dma_pinned(folio));
	/* FOLL_GET references are not pins. */
	KUNIT_ASSERT_EQ(test, try_grab_folio(folio, page, 1, FOLL_GET), 0);
	KUNIT_EXPECT_EQ(test, ppt_count(page), 0);
	put_page(page);
	__free_page(page);
}

static void ppt_test_plain_refs(struct kunit *test)
{
	struct page *page = alloc_page(GFP_KERNEL);
	struct folio *folio;

	KUNIT_ASSERT_NOT_NULL(test, page);
	folio = page_folio(page);
	folio_ref_add(folio, GUP_PIN_COUNTING_BIAS);
	/* The stock heuristic would say "pinned" here. */
	KUNIT_EXPECT_GE(test, (unsigned int)folio_ref_count(folio),
			GUP_PIN_COUNTING_BIAS);
	KUNIT_EXPECT_FALSE(test, folio_maybe_dma_pinned(folio));
	KUNIT_ASSERT_EQ(test, try_grab_folio(folio, page, 1, FOLL_PIN), 0);
	KUNIT_EXPECT_TRUE(test, folio_maybe_dma_pinned(folio));
	unpin_user_page(page);
	KUNIT_EXPECT_FALSE(test, folio_maybe_dma_pinned(folio));
	folio_ref_sub(folio, GUP_PIN_COUNTING_BIAS);
	__free_page(page);
}

/* The per-page answer of the tracker: own count plus whole-folio pins. */
static bool ppt_pinned(struct folio *folio, int i)
{
	return page_pin_tracker_maybe_pinned(folio_page(folio, i));
}

static int ppt_folio_field(struct folio *folio, bool total)
{
	struct page_ext *ext = page_ext_get(&folio->page);
	struct page_pin_rec *frec;
	int val;

	if (!ext)
		return -1;
	frec = ppt_rec(page_ext_next(ext));
	val = atomic_read(total ? &frec->total : &frec->full);
	page_ext_put(ext);
	return val;
}

static void ppt_test_large_folio(struct kunit *test)
{
	struct folio *folio = folio_alloc(GFP_KERNEL, 2);
	struct page *pages[2];
	int i;

	KUNIT_ASSERT_NOT_NULL(test, folio);
	/* Pin pages 1..2, as GUP does for part of a THP. */
	KUNIT_ASSERT_EQ(test, try_grab_folio(folio, folio_page(folio, 1), 2,
					     FOLL_PIN), 0);
	KUNIT_EXPECT_EQ(test, ppt_count(folio_page(folio, 0)), 0);
	KUNIT_EXPECT_EQ(test, ppt_count(folio_page(folio, 1)), 1);
	KUNIT_EXPECT_EQ(test, ppt_count(folio_page(folio, 2)), 1);
	KUNIT_EXPECT_EQ(test, ppt_count(folio_page(folio, 3)), 0);
	KUNIT_EXPECT_EQ(test, ppt_folio_field(folio, true), 2);
	KUNIT_EXPECT_TRUE(test, folio_maybe_dma_pinned(folio));
	KUNIT_EXPECT_FALSE(test, ppt_pinned(folio, 0));
	KUNIT_EXPECT_TRUE(test, ppt_pinned(folio, 1));
	KUNIT_EXPECT_FALSE(test, ppt_pinned(folio, 3));
	/* Release through the page array API, out of order. */
	pages[0] = folio_page(folio, 2);
	pages[1] = folio_page(folio, 1);
	unpin_user_pages(pages, 2);
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_EQ(test, ppt_count(folio_page(folio, i)), 0);
	KUNIT_EXPECT_EQ(test, ppt_folio_field(folio, true), 0);
	KUNIT_EXPECT_FALSE(test, folio_maybe_dma_pinned(folio));

	/* A range release. */
	KUNIT_ASSERT_EQ(test, try_grab_folio(folio, folio_page(folio, 0), 3,
					     FOLL_PIN), 0);
	unpin_user_page_range_dirty_lock(folio_page(folio, 0), 3, false);
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_EQ(test, ppt_count(folio_page(folio, i)), 0);
	KUNIT_EXPECT_EQ(test, ppt_folio_field(folio, true), 0);
	folio_put(folio);
}

/*
 * A pin of the whole folio (memfd_pin_folios(), a GUP-fast PMD leaf) is
 * one update and counts for every page (udmabuf over a PTE-mapped THP).
 */
static void ppt_test_whole_folio(struct kunit *test)
{
	struct folio *folio = folio_alloc(GFP_KERNEL, 2);
	struct page *pages[4];
	int i;

	KUNIT_ASSERT_NOT_NULL(test, folio);
	KUNIT_ASSERT_EQ(test, try_grab_folio(folio, NULL, 1, FOLL_PIN), 0);
	KUNIT_EXPECT_EQ(test, ppt_folio_field(folio, false), 1);
	KUNIT_EXPECT_EQ(test, ppt_folio_field(folio, true), 1);
	for (i = 0; i < 4; i++) {
		KUNIT_EXPECT_EQ(test, ppt_count(folio_page(folio, i)), 0);
		KUNIT_EXPECT_TRUE(test, ppt_pinned(folio, i));
	}
	unpin_folio(folio);
	KUNIT_EXPECT_EQ(test, ppt_folio_field(folio, false), 0);
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_FALSE(test, ppt_pinned(folio, i));

	/* A run of all pages is a whole-folio pin; so is its release. */
	for (i = 0; i < 4; i++)
		pages[i] = folio_page(folio, i);
	KUNIT_ASSERT_EQ(test, try_grab_folio(folio, pages[0], 4, FOLL_PIN), 0);
	KUNIT_EXPECT_EQ(test, ppt_folio_field(folio, false), 1);
	unpin_user_pages(pages, 4);
	KUNIT_EXPECT_EQ(test, ppt_folio_field(folio, false), 0);
	KUNIT_EXPECT_EQ(test, ppt_folio_field(folio, true), 0);

	/* unpin_folios() of a folio listed twice drops two whole pins. */
	KUNIT_ASSERT_EQ(test, try_grab_folio(folio, NULL, 2, FOLL_PIN), 0);
	KUNIT_EXPECT_EQ(test, ppt_folio_field(folio, false), 2);
	{
		struct folio *folios[2] = { folio, folio };

		unpin_folios(folios, 2);
	}
	KUNIT_EXPECT_EQ(test, ppt_folio_field(folio, false), 0);
	KUNIT_EXPECT_EQ(test, ppt_folio_field(folio, true), 0);
	KUNIT_EXPECT_FALSE(test, folio_maybe_dma_pinned(folio));
	folio_put(folio);
}

/*
 * A whole-folio pin released page by page (pinned by a GUP-fast PMD leaf,
 * released by a driver one page at a time): the first page release turns
 * it into pins on the other pages, and no page ever looks unpinned early.
 */
static void ppt_test_whole_then_pages(struct kunit *test)
{
	struct folio *folio = folio_alloc(GFP_KERNEL, 2);
	long bad = atomic_long_read(&ppt_bad_unpins);
	int i;

	KUNIT_ASSERT_NOT_NULL(test, folio);
	KUNIT_ASSERT_EQ(test, try_grab_folio(folio, folio_page(folio, 0), 4,
					     FOLL_PIN), 0);
	/* Someone else pins page 2 on its own. */
	KUNIT_ASSERT_EQ(test, try_grab_folio(folio, folio_page(folio, 2), 1,
					     FOLL_PIN), 0);
	unpin_user_page(folio_page(folio, 1));
	KUNIT_EXPECT_EQ(test, ppt_folio_field(folio, false), 0);
	KUNIT_EXPECT_EQ(test, ppt_count(folio_page(folio, 0)), 1);
	KUNIT_EXPECT_EQ(test, ppt_count(folio_page(folio, 1)), 0);
	KUNIT_EXPECT_EQ(test, ppt_count(folio_page(folio, 2)), 2);
	KUNIT_EXPECT_EQ(test, ppt_count(folio_page(folio, 3)), 1);
	KUNIT_EXPECT_EQ(test, ppt_folio_field(folio, true), 4);
	KUNIT_EXPECT_FALSE(test, ppt_pinned(folio, 1));
	unpin_user_page(folio_page(folio, 0));
	unpin_user_page(folio_page(folio, 2));
	unpin_user_page(folio_page(folio, 3));
	/* The other pinner's page is still pinned, by it alone. */
	KUNIT_EXPECT_TRUE(test, ppt_pinned(folio, 2));
	KUNIT_EXPECT_FALSE(test, ppt_pinned(folio, 3));
	unpin_user_page(folio_page(folio, 2));
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_EQ(test, ppt_count(folio_page(folio, i)), 0);
	KUNIT_EXPECT_EQ(test, ppt_folio_field(folio, true), 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&ppt_bad_unpins), bad);
	folio_put(folio);
}

/*
 * Legacy direct I/O (fs/direct-io.c) adds a pin with page_add_pin() on a
 * tail page and drops it with unpin_user_page() of that page.
 */
static void ppt_test_add_pin_tail(struct kunit *test)
{
	struct folio *folio = folio_alloc(GFP_KERNEL, 2);
	struct page *tail;
	long bad = atomic_long_read(&ppt_bad_unpins);

	KUNIT_ASSERT_NOT_NULL(test, folio);
	tail = folio_page(folio, 1);
	KUNIT_ASSERT_EQ(test, try_grab_folio(folio, tail, 1, FOLL_PIN), 0);
	page_add_pin(tail);
	KUNIT_EXPECT_EQ(test, ppt_count(tail), 2);
	KUNIT_EXPECT_EQ(test, ppt_count(&folio->page), 0);
	unpin_user_page(tail);
	unpin_user_page(tail);
	KUNIT_EXPECT_EQ(test, ppt_count(tail), 0);
	KUNIT_EXPECT_EQ(test, ppt_folio_field(folio, true), 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&ppt_bad_unpins), bad);
	folio_put(folio);
}

/* Mismatches are counted and the records stay consistent. */
static void ppt_test_mismatch(struct kunit *test)
{
	long bad = atomic_long_read(&ppt_bad_unpins);
	long freed = atomic_long_read(&ppt_freed_pinned);
	struct folio *folio;
	struct page *page;

	WRITE_ONCE(ppt_quiet, true);
	page = alloc_page(GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, page);
	/* The tracker alone: no refcount or vmstat is touched. */
	__page_pin_tracker_unpin(page_folio(page), page, 1);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&ppt_bad_unpins), bad + 1);
	KUNIT_EXPECT_EQ(test, ppt_count(page), 0);
	__page_pin_tracker_pin(page_folio(page), page, 1, 0);
	__free_page(page);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&ppt_freed_pinned), freed + 1);
	KUNIT_EXPECT_EQ(test, ppt_count(page), 0);

	/* A high-order allocation that is not a folio: checked page by page. */
	page = alloc_pages(GFP_KERNEL, 1);
	KUNIT_ASSERT_NOT_NULL(test, page);
	__page_pin_tracker_pin(page_folio(page + 1), page + 1, 1, 0);
	__free_pages(page, 1);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&ppt_freed_pinned), freed + 2);
	KUNIT_EXPECT_EQ(test, ppt_count(page + 1), 0);

	folio = folio_alloc(GFP_KERNEL, 2);
	KUNIT_ASSERT_NOT_NULL(test, folio);
	__page_pin_tracker_pin(folio, NULL, 1, 0);
	__page_pin_tracker_pin(folio, folio_page(folio, 3), 1, 0);
	page = folio_page(folio, 3);
	folio_put(folio);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&ppt_freed_pinned), freed + 3);
	/* The records were reset: a new user starts clean. */
	KUNIT_EXPECT_EQ(test, ppt_count(page), 0);
	WRITE_ONCE(ppt_quiet, false);
}

static void ppt_test_rollback(struct kunit *test)
{
	struct folio *folio = folio_alloc(GFP_KERNEL, 0);
	struct page *pages[2];

	KUNIT_ASSERT_NOT_NULL(test, folio);
	pages[0] = &folio->page;
	pages[1] = &folio->page;
	/*
	 * GUP rolls back a partial pin with unpin_user_pages() (longterm
	 * migration, GUP-fast racing fork): the page and its refcount must
	 * both end up where they started.
	 */
	KUNIT_ASSERT_EQ(test, try_grab_folio(folio, pages[0], 1, FOLL_PIN), 0);
	KUNIT_ASSERT_EQ(test, try_grab_folio(folio, pages[1], 1, FOLL_PIN), 0);
	KUNIT_EXPECT_EQ(test, ppt_count(pages[0]), 2);
	unpin_user_pages(pages, 2);
	KUNIT_EXPECT_EQ(test, ppt_count(pages[0]), 0);
	KUNIT_EXPECT_EQ(test, folio_ref_count(folio), 1);
	KUNIT_EXPECT_FALSE(test, folio_maybe_dma_pinned(folio));
	folio_put(folio);
}

static void ppt_test_zero_page(struct kunit *test)
{
	struct page *zero = ZERO_PAGE(0);
	int before = ppt_count(zero);

	KUNIT_ASSERT_EQ(test, try_grab_folio(page_folio(zero), zero, 1,
					     FOLL_PIN), 0);
	KUNIT_EXPECT_EQ(test, ppt_count(zero), before);
	unpin_user_page(zero);
	KUNIT_EXPECT_EQ(test, ppt_count(zero), before);
	KUNIT_EXPECT_EQ(test, before, 0);
}

static void ppt_test_limits(struct kunit *test)
{
	struct page *page = alloc_page(GFP_KERNEL);
	long saturated = atomic_long_read(&ppt_saturated);

	KUNIT_ASSERT_NOT_NULL(test, page);
	ppt_set_count(page, PPT_COUNT_MAX - 1);
	__page_pin_tracker_pin(page_folio(page), page, 1, 0);
	KUNIT_EXPECT_EQ(test, ppt_count(page), PPT_COUNT_MAX);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&ppt_saturated), saturated + 1);
	/* A saturated count sticks: neither pins nor unpins move it. */
	__page_pin_tracker_pin(page_folio(page), page, 1, 0);
	KUNIT_EXPECT_EQ(test, ppt_count(page), PPT_COUNT_MAX);
	__page_pin_tracker_unpin(page_folio(page), page, 1);
	KUNIT_EXPECT_EQ(test, ppt_count(page), PPT_COUNT_MAX);
	ppt_set_count(page, 0);
	atomic_long_set(&ppt_saturated, saturated);
	__free_page(page);
}

static void ppt_test_attribution(struct kunit *test)
{
	struct page_pin_tracker_call call;
	struct page *page = alloc_pages(GFP_KERNEL, 1);
	struct page_pin_rec *rec0, *rec1;
	struct page_ext *ext0, *ext1;

	KUNIT_ASSERT_NOT_NULL(test, page);
	split_page(page, 1);
	/* Two small folios pinned by one call share its stack. */
	page_pin_tracker_call_begin(&call, FOLL_PIN | FOLL_LONGTERM);
	KUNIT_ASSERT_EQ(test, try_grab_folio(page_folio(page), page, 1,
					     FOLL_PIN | FOLL_LONGTERM), 0);
	KUNIT_ASSERT_EQ(test, try_grab_folio(page_folio(page + 1), page + 1,
					     1, FOLL_PIN), 0);
	page_pin_tracker_call_end(&call);
	KUNIT_EXPECT_NULL(test, current->ppt_call);
	ext0 = page_ext_get(page);
	ext1 = page_ext_get(page + 1);
	KUNIT_ASSERT_NOT_NULL(test, ext0);
	KUNIT_ASSERT_NOT_NULL(test, ext1);
	rec0 = ppt_rec(ext0);
	rec1 = ppt_rec(ext1);
	KUNIT_EXPECT_NE(test, rec0->handle, 0);
	KUNIT_EXPECT_EQ(test, rec0->handle, rec1->handle);
	KUNIT_EXPECT_EQ(test, rec0->handle, call.handle);
	/* The process, not the thread. */
	KUNIT_EXPECT_EQ(test, atomic_read(&rec0->owner) & PPT_OWNER_PID_MASK,
			(u32)task_tgid_nr(current));
	KUNIT_EXPECT_TRUE(test, atomic_read(&rec0->owner) & PPT_OWNER_LONGTERM);
	/* The call was long-term, so both of its pins are. */
	KUNIT_EXPECT_TRUE(test, atomic_read(&rec1->owner) & PPT_OWNER_LONGTERM);
	page_ext_put(ext1);
	page_ext_put(ext0);
	unpin_user_page(page);
	unpin_user_page(page + 1);
	__free_page(page);
	__free_page(page + 1);
}

static void ppt_test_memfd_folios(struct kunit *test)
{
	struct page_pin_rec *rec;
	struct file *file;
	struct page_ext *ext;
	struct folio *folio;
	pgoff_t offset;
	long n;

	if (!IS_ENABLED(CONFIG_SHMEM))
		kunit_skip(test, "memfd_pin_folios() needs CONFIG_SHMEM");
	file = shmem_file_setup("ppt_test", PAGE_SIZE, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(file));
	/* udmabuf's path: a long-term pin of the whole folio. */
	n = memfd_pin_folios(file, 0, PAGE_SIZE - 1, &folio, 1, &offset);
	KUNIT_ASSERT_EQ(test, n, 1);
	KUNIT_EXPECT_TRUE(test, ppt_pinned(folio, 0));
	ext = page_ext_get(&folio->page);
	KUNIT_ASSERT_NOT_NULL(test, ext);
	rec = ppt_rec(ext);
	KUNIT_EXPECT_TRUE(test, atomic_read(&rec->owner) & PPT_OWNER_LONGTERM);
	KUNIT_EXPECT_NE(test, rec->handle, 0);
	page_ext_put(ext);
	unpin_folio(folio);
	KUNIT_EXPECT_FALSE(test, ppt_pinned(folio, 0));
	fput(file);
}

static struct kunit_case ppt_test_cases[] = {
	KUNIT_CASE(ppt_test_grab_put),
	KUNIT_CASE(ppt_test_plain_refs),
	KUNIT_CASE(ppt_test_large_folio),
	KUNIT_CASE(ppt_test_whole_folio),
	KUNIT_CASE(ppt_test_whole_then_pages),
	KUNIT_CASE(ppt_test_add_pin_tail),
	KUNIT_CASE(ppt_test_mismatch),
	KUNIT_CASE(ppt_test_rollback),
	KUNIT_CASE(ppt_test_zero_page),
	KUNIT_CASE(ppt_test_limits),
	KUNIT_CASE(ppt_test_attribution),
	KUNIT_CASE(ppt_test_memfd_folios),
	{}
};

static struct kunit_suite ppt_test_suite = {
	.name = "page_pin_tracker",
	.init = ppt_test_init,
	.test_cases = ppt_test_cases,
};

kunit_test_suites(&ppt_test_suite);
