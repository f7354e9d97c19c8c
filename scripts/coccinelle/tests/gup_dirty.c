// SPDX-License-Identifier: GPL-2.0-only
/* Dirty and clean releases, in loops and one by one. */
struct buf {
	struct page **pages;
	int nr;
	bool write;
};

static int buf_get(struct buf *b, unsigned long addr)
{
	int got;

	got = get_user_pages(addr, b->nr, b->write ? FOLL_WRITE : 0, b->pages);
	if (got < 0)
		return got;
	if (got != b->nr) {
		release_pages(b->pages, got);
		return -EFAULT;
	}
	return 0;
}

static void buf_put_dirty(struct buf *b)
{
	int i;

	for (i = 0; i < b->nr; i++) {
		set_page_dirty_lock(b->pages[i]);
		put_page(b->pages[i]);
	}
}

static void buf_put_first(struct buf *b)
{
	set_page_dirty(b->pages[0]);
	put_page(b->pages[0]);
}

static void buf_put_cond(struct buf *b, int i)
{
	if (b->write)
		set_page_dirty_lock(b->pages[i]);
	put_page(b->pages[i]);
}
