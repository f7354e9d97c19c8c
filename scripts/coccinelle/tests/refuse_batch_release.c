// SPDX-License-Identifier: GPL-2.0-only
/*
 * The pages go to a helper of another file (refuse_batch_release.aux.c)
 * that releases them through a folio batch: the reason must say that it
 * releases them (folio_batch_add() then __folio_batch_release()), not
 * that it keeps them because folio_mark_accessed() takes a reference of
 * its own for the LRU.
 */
static int quux_read(unsigned long uaddr, int n)
{
	struct page *pages[8];
	int got;

	got = get_user_pages_fast(uaddr, n, 0, pages);
	if (got <= 0)
		return -EFAULT;
	quux_put_pages(pages, got);
	return 0;
}
