// SPDX-License-Identifier: GPL-2.0-only
/*
 * folio_mark_accessed() takes a reference of its own for the LRU batch
 * and the batch drops it: like mark_page_accessed(), it neither keeps
 * nor drops the caller's reference, so the pages given to a helper that
 * only marks them accessed can be pinned.
 */
static int qux_read(unsigned long uaddr, int n)
{
	struct page *pages[8];
	int got;

	got = get_user_pages_fast(uaddr, n, 0, pages);
	if (got <= 0)
		return -EFAULT;
	qux_mark_pages(pages, got);
	release_pages(pages, got);
	return 0;
}
