// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the page pin tracker's accounting: grab and put, plain
 * references that the refcount heuristic takes for a pin, large folios page
 * by page, rollback, the zero page, counter saturation, attribution and
 * memfd_pin_folios().
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
	KUNIT_EXPECT_TRUE(test, folio_maybe_dma_pinned(folio));
	/* Release through the page array API, out of order. */
	pages[0] = folio_page(folio, 2);
	pages[1] = folio_page(folio, 1);
	unpin_user_pages(pages, 2);
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_EQ(test, ppt_count(folio_page(folio, i)), 0);
	KUNIT_EXPECT_FALSE(test, folio_maybe_dma_pinned(folio));

	/* Folio-level pin and release (memfd_pin_folios()/unpin_folio()). */
	KUNIT_ASSERT_EQ(test, try_grab_folio(folio, NULL, 1, FOLL_PIN), 0);
	KUNIT_EXPECT_EQ(test, ppt_count(folio_page(folio, 0)), 1);
	unpin_folio(folio);
	KUNIT_EXPECT_EQ(test, ppt_count(folio_page(folio, 0)), 0);

	/* A range release. */
	KUNIT_ASSERT_EQ(test, try_grab_folio(folio, folio_page(folio, 0), 4,
					     FOLL_PIN), 0);
	unpin_user_page_range_dirty_lock(folio_page(folio, 0), 4, false);
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_EQ(test, ppt_count(folio_page(folio, i)), 0);
	folio_put(folio);
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
	struct page *page = alloc_page(GFP_KERNEL);
	struct page_ext *ext;
	struct page_pin_rec *rec;

	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_ASSERT_EQ(test, try_grab_folio(page_folio(page), page, 1,
					     FOLL_PIN | FOLL_LONGTERM), 0);
	__page_pin_tracker_attribute(&page, 1);
	ext = page_ext_get(page);
	KUNIT_ASSERT_NOT_NULL(test, ext);
	rec = ppt_rec(ext);
	KUNIT_EXPECT_NE(test, rec->handle, 0);
	KUNIT_EXPECT_EQ(test, rec->owner & PPT_OWNER_PID_MASK,
			(u32)task_pid_nr(current));
	KUNIT_EXPECT_TRUE(test, rec->owner & PPT_OWNER_LONGTERM);
	page_ext_put(ext);
	unpin_user_page(page);
	__free_page(page);
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
	/* udmabuf's path: a long-term, folio-level pin on the head page. */
	n = memfd_pin_folios(file, 0, PAGE_SIZE - 1, &folio, 1, &offset);
	KUNIT_ASSERT_EQ(test, n, 1);
	KUNIT_EXPECT_EQ(test, ppt_count(&folio->page), 1);
	ext = page_ext_get(&folio->page);
	KUNIT_ASSERT_NOT_NULL(test, ext);
	rec = ppt_rec(ext);
	KUNIT_EXPECT_TRUE(test, rec->owner & PPT_OWNER_LONGTERM);
	KUNIT_EXPECT_NE(test, rec->handle, 0);
	page_ext_put(ext);
	unpin_folio(folio);
	KUNIT_EXPECT_EQ(test, ppt_count(&folio->page), 0);
	fput(file);
}

static struct kunit_case ppt_test_cases[] = {
	KUNIT_CASE(ppt_test_grab_put),
	KUNIT_CASE(ppt_test_plain_refs),
	KUNIT_CASE(ppt_test_large_folio),
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
