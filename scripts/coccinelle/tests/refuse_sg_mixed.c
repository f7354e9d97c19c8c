// SPDX-License-Identifier: GPL-2.0-only
/*
 * Scatterlist storage that cannot be tied to the GUP pages alone: the
 * same entries also get pages from alloc_page(), or the entries are
 * handed to a function of another file that may release their pages
 * (put_page(sg_page(sg)) there).
 */
struct buf {
	struct scatterlist sg[4];
	struct scatterlist out[4];
};

void submit_sg(struct scatterlist *sg, int n);

static int fill_user(struct buf *b, unsigned long addr)
{
	struct page *page;

	if (get_user_pages_fast(addr, 1, FOLL_WRITE, &page) != 1)
		return -EFAULT;
	sg_set_page(&b->sg[0], page, PAGE_SIZE, 0);
	return 0;
}

static int fill_bounce(struct buf *b)
{
	struct page *page = alloc_page(GFP_KERNEL);

	if (!page)
		return -ENOMEM;
	sg_set_page(&b->sg[1], page, PAGE_SIZE, 0);
	return 0;
}

static void free_buf(struct buf *b)
{
	put_page(sg_page(&b->sg[0]));
	put_page(sg_page(&b->sg[1]));
}

static int send_user(struct buf *b, unsigned long addr)
{
	struct page *page;

	if (get_user_pages_fast(addr, 1, 0, &page) != 1)
		return -EFAULT;
	sg_set_page(&b->out[0], page, PAGE_SIZE, 0);
	submit_sg(b->out, 1);
	put_page(sg_page(&b->out[0]));
	return 0;
}
