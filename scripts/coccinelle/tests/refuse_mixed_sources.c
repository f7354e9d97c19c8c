// SPDX-License-Identifier: GPL-2.0-only
/* The same array also holds pages from alloc_page(): refuse, report. */
struct dev_buf {
	struct page **pages;
	int n;
};

static int dev_buf_fill(struct dev_buf *b, unsigned long uaddr, bool user)
{
	int i;

	if (!user) {
		for (i = 0; i < b->n; i++)
			b->pages[i] = alloc_page(GFP_KERNEL);
		return 0;
	}
	if (get_user_pages_fast(uaddr, b->n, FOLL_WRITE, b->pages) != b->n)
		return -EFAULT;
	return 0;
}

static void dev_buf_free(struct dev_buf *b)
{
	int i;

	for (i = 0; i < b->n; i++)
		put_page(b->pages[i]);
}
