// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tree-wide facts that refuse, each with the true reason: a helper of
 * another file releases the pages (through a second helper), a header
 * helper keeps one, and a function defined nowhere in the tree is unknown.
 */
static int bar_a(unsigned long uaddr, int n)
{
	struct page *pages[8];
	int got;

	got = get_user_pages_fast(uaddr, n, 0, pages);
	if (got <= 0)
		return -EFAULT;
	bar_drop_pages(pages, got);
	return 0;
}

static int bar_b(struct bar_cache *c, unsigned long uaddr)
{
	struct page *page;

	if (get_user_pages_fast(uaddr, 1, 0, &page) != 1)
		return -EFAULT;
	bar_cache_add(c, 0, page);
	put_page(page);
	return 0;
}

static int bar_c(unsigned long uaddr)
{
	struct page *page;

	if (get_user_pages_fast(uaddr, 1, 0, &page) != 1)
		return -EFAULT;
	bar_hw_queue(page);
	put_page(page);
	return 0;
}
