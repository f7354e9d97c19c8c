// SPDX-License-Identifier: GPL-2.0-only
/*
 * privcmd: pages walked through their ->lru list_head are the driver's own
 * (GUP pages are on the mm's LRU lists), so their __free_page() is not a
 * release of pages of unknown origin, and the GUP array converts.
 */
static void foo_free_page_list(struct list_head *pages)
{
	struct page *p, *n;

	list_for_each_entry_safe(p, n, pages, lru)
		__free_page(p);
	INIT_LIST_HEAD(pages);
}

static int foo_lock_pages(unsigned long uaddr, int nr, struct page **pages)
{
	int got;

	got = get_user_pages_fast(uaddr, nr, FOLL_WRITE, pages);
	if (got < 0)
		return got;
	release_pages(pages, got);
	return 0;
}

static int foo_ioctl(unsigned long uaddr, int nr)
{
	struct page *pages[4];

	return foo_lock_pages(uaddr, nr, pages);
}
