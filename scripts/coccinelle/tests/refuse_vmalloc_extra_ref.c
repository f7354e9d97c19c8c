// SPDX-License-Identifier: GPL-2.0-only
/*
 * As gup_vmalloc_mixed.c, but the driver takes a reference of its own on
 * the vmalloc pages (get_page()) and drops it with the same put_page()
 * loop as the GUP pages: that release may be of either kind, refuse.
 */
struct xfer {
	struct page **pages;
	unsigned int num_pages;
};

static void xfer_cleanup(struct xfer *x)
{
	unsigned int i;

	for (i = 0; i < x->num_pages; i++)
		put_page(x->pages[i]);
}

static int xfer_fill(struct xfer *x, void *kbuf, unsigned long ubuf)
{
	int n;

	if (kbuf) {
		for (n = 0; n < x->num_pages; n++) {
			struct page *pg = vmalloc_to_page(kbuf + n * PAGE_SIZE);

			get_page(pg);
			x->pages[n] = pg;
		}
		return 0;
	}
	n = get_user_pages_fast(ubuf & PAGE_MASK, x->num_pages, FOLL_WRITE,
				x->pages);
	if (n != x->num_pages) {
		if (n > 0)
			release_pages(x->pages, n);
		return -EFAULT;
	}
	return 0;
}
