// SPDX-License-Identifier: GPL-2.0-only
/* Already converted code is left untouched. */
static int foo_pin(unsigned long uaddr, int n, struct page **pages)
{
	int got;

	got = pin_user_pages_fast(uaddr, n, FOLL_WRITE | FOLL_LONGTERM, pages);
	if (got > 0 && got < n) {
		unpin_user_pages(pages, got);
		return -EFAULT;
	}
	return got;
}

static void foo_unpin(struct page **pages, int n, bool dirty)
{
	unpin_user_pages_dirty_lock(pages, n, dirty);
}
