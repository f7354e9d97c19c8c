// SPDX-License-Identifier: GPL-2.0-only
/*
 * The page array of a transfer holds either the pages of a vmalloc()
 * buffer (vmalloc_to_page(): no reference of the driver's, never
 * released here) or GUP pages, released only when the array was filled
 * by GUP (vchiq_arm.c).  Any release of the array can only be of GUP
 * pages: convert.
 */
struct xfer {
	struct page **pages;
	unsigned int num_pages;
	unsigned int need_release;
};

static void xfer_cleanup(struct xfer *x)
{
	unsigned int i;

	if (x->need_release) {
		for (i = 0; i < x->num_pages; i++)
			set_page_dirty(x->pages[i]);
		release_pages(x->pages, x->num_pages);
	}
}

static int xfer_fill(struct xfer *x, void *kbuf, unsigned long ubuf)
{
	int n;

	x->need_release = 0;
	if (kbuf) {
		for (n = 0; n < x->num_pages; n++) {
			struct page *pg = vmalloc_to_page(kbuf + n * PAGE_SIZE);

			if (!pg)
				return -EINVAL;
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
	x->need_release = 1;
	return 0;
}
