// SPDX-License-Identifier: GPL-2.0-only
/*
 * As gup_borrowed_field.c, but the two arrays meet in a field of the
 * driver's own struct tape_lend, which is not known to only borrow its
 * pages: the storage holds both kinds of pages and the site is refused.
 */
struct tape_buf {
	struct page **mapped_pages;
	struct page **reserved_pages;
	struct tape_lend map_data;
	int order;
};

static int tape_alloc(struct tape_buf *tb, int n)
{
	int i;

	tb->reserved_pages = kcalloc(n, sizeof(struct page *), GFP_KERNEL);
	if (!tb->reserved_pages)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		tb->reserved_pages[i] = alloc_pages(GFP_KERNEL, tb->order);
	return 0;
}

static void tape_free(struct tape_buf *tb, int n)
{
	int i;

	for (i = 0; i < n; i++)
		__free_pages(tb->reserved_pages[i], tb->order);
	kfree(tb->reserved_pages);
}

static int tape_do_io(struct tape_buf *tb, struct request *req, bool dio)
{
	struct tape_lend *mdata = &tb->map_data;

	if (dio)
		mdata->pages = tb->mapped_pages;
	else
		mdata->pages = tb->reserved_pages;
	return tape_hw_submit(req, mdata);
}

static int tape_map_user(struct tape_buf *tb, unsigned long uaddr, int n)
{
	struct page **pages;
	int res;

	pages = kmalloc_array(n, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return -ENOMEM;
	res = get_user_pages_fast(uaddr, n, FOLL_WRITE, pages);
	if (res < n)
		goto out_unmap;
	tb->mapped_pages = pages;
	return n;
out_unmap:
	if (res > 0) {
		release_pages(pages, res);
		res = 0;
	}
	kfree(pages);
	return res;
}

static void tape_unmap_user(struct tape_buf *tb, int n, int dirtied)
{
	put_user_pages_dirty_lock(tb->mapped_pages, n, dirtied);
	kfree(tb->mapped_pages);
	tb->mapped_pages = NULL;
}
