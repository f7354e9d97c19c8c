// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tree-wide facts: bar_tx_add_page() (include/linux/bar_tx.h) returns the
 * int it got from a helper given the page.  That value is not the page:
 * the helper only reads it, so the call converts.
 */
static int bar_send(struct bar_tx *tx, unsigned long uaddr, int n)
{
	struct page *pages[4];
	int got, i, ret = 0;

	got = get_user_pages_fast(uaddr, n, 0, pages);
	if (got <= 0)
		return -EFAULT;
	for (i = 0; i < got && !ret; i++)
		ret = bar_tx_add_page(tx, pages[i], PAGE_SIZE);
	release_pages(pages, got);
	return ret;
}
