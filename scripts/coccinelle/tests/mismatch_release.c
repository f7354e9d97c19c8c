// SPDX-License-Identifier: GPL-2.0-only
/* Wrong releases, and right ones that must not be reported. */
struct mr {
	struct page **pages;
	int n;
	struct page *one;
};

static int mr_pin(struct mr *mr, unsigned long uaddr)
{
	int got;

	got = pin_user_pages_fast(uaddr, mr->n, FOLL_LONGTERM, mr->pages);
	if (got != mr->n) {
		if (got > 0)
			release_pages(mr->pages, got);		/* BUG */
		return -EFAULT;
	}
	return 0;
}

static void mr_unpin(struct mr *mr)
{
	int i;

	for (i = 0; i < mr->n; i++)
		put_page(mr->pages[i]);				/* BUG */
}

static int one_get(struct mr *mr, unsigned long uaddr)
{
	if (get_user_pages_fast(uaddr, 1, 0, &mr->one) != 1)
		return -EFAULT;
	return 0;
}

static void one_put(struct mr *mr)
{
	unpin_user_page(mr->one);				/* BUG */
}

static int good(unsigned long uaddr)
{
	struct page *p, *q;

	if (pin_user_pages_fast(uaddr, 1, 0, &p) != 1)
		return -EFAULT;
	unpin_user_page(p);
	if (get_user_pages_fast(uaddr, 1, 0, &q) != 1)
		return -EFAULT;
	put_page(q);
	return 0;
}

static int iter_wrong(struct iov_iter *iter)
{
	struct page *pages[4];
	size_t off;
	ssize_t n;

	n = iov_iter_get_pages2(iter, pages, 4 * PAGE_SIZE, 4, &off);
	if (n <= 0)
		return n;
	unpin_user_pages(pages, DIV_ROUND_UP(n + off, PAGE_SIZE));	/* BUG */
	return 0;
}

/* qib_user_sdma.c shape: one slot holds pinned or allocated pages. */
struct frag {
	struct page *page;
	bool pinned;
};

static int frag_fill(struct frag *f, unsigned long uaddr, bool coalesce)
{
	if (coalesce) {
		f->page = alloc_page(GFP_KERNEL);
		f->pinned = false;
		return f->page ? 0 : -ENOMEM;
	}
	f->pinned = true;
	return pin_user_pages_fast(uaddr, 1, 0, &f->page) == 1 ? 0 : -EFAULT;
}

static void frag_free(struct frag *f)
{
	if (f->pinned)
		unpin_user_page(f->page);
	else
		__free_page(f->page);
}
