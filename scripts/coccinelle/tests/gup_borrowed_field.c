// SPDX-License-Identifier: GPL-2.0-only
/*
 * A driver lends either its GUP pages or pages it allocated itself to the
 * block layer through struct rq_map_data (drivers/scsi/st.c).  The block
 * layer only borrows the pages of rq_map_data->pages (bio_copy_user_iov()
 * marks them as not its own, bio_uncopy_user() never frees them), so that
 * field is not a storage that joins the two arrays: the GUP array
 * converts, the allocated one is left alone.
 */
struct tape_buf {
	struct page **mapped_pages;
	struct page **reserved_pages;
	struct rq_map_data map_data;
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
	struct rq_map_data *mdata = &tb->map_data;

	if (dio)
		mdata->pages = tb->mapped_pages;
	else
		mdata->pages = tb->reserved_pages;
	return blk_rq_map_user(req->q, req, mdata, NULL, 4096, GFP_KERNEL);
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
