// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tree-wide facts: the value a helper returns is not followed as the
 * page, but a helper that returns the page it is given keeps it: the
 * call to baz_pick() in baz_tx_add_page() (include/linux/baz_tx.h) is
 * read as keeping the page, and the site is refused.
 */
static int baz_send(struct baz_tx *tx, unsigned long uaddr, int n)
{
	struct page *pages[4];
	int got, i, ret = 0;

	got = get_user_pages_fast(uaddr, n, 0, pages);
	if (got <= 0)
		return -EFAULT;
	for (i = 0; i < got && !ret; i++)
		ret = baz_tx_add_page(tx, pages[i]);
	release_pages(pages, got);
	return ret;
}
