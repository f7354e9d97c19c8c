// SPDX-License-Identifier: GPL-2.0-only
/*
 * The qaic_control.c shape: the array is stored in a struct field and
 * released in two other functions.  A per-function rule would convert the
 * GUP call and leave these put_page() calls behind.
 */
struct xfer {
	struct list_head list;
	struct sg_table *sgt;
	struct page **page_list;
	unsigned long nr_pages;
};

static void free_xfers(struct list_head *head)
{
	struct xfer *xfer, *x;
	int i;

	list_for_each_entry_safe(xfer, x, head, list) {
		sg_free_table(xfer->sgt);
		for (i = 0; i < xfer->nr_pages; ++i)
			put_page(xfer->page_list[i]);
		kfree(xfer->page_list);
		kfree(xfer);
	}
}

static int map_user_pages(u64 addr, unsigned long nr_pages, struct xfer *xfer)
{
	struct page **page_list;
	struct sg_table *sgt;
	int ret;
	int i;

	page_list = kmalloc_array(nr_pages, sizeof(*page_list), GFP_KERNEL);
	if (!page_list)
		return -ENOMEM;

	ret = get_user_pages_fast(addr, nr_pages, 0, page_list);
	if (ret < 0)
		goto free_page_list;
	if (ret != nr_pages) {
		nr_pages = ret;
		ret = -EFAULT;
		goto put_pages;
	}

	sgt = kmalloc(sizeof(*sgt), GFP_KERNEL);
	if (!sgt) {
		ret = -ENOMEM;
		goto put_pages;
	}
	ret = sg_alloc_table_from_pages(sgt, page_list, nr_pages, 0,
					nr_pages * PAGE_SIZE, GFP_KERNEL);
	if (ret)
		goto free_sgt;

	xfer->sgt = sgt;
	xfer->page_list = page_list;
	xfer->nr_pages = nr_pages;
	return 0;

free_sgt:
	kfree(sgt);
put_pages:
	for (i = 0; i < nr_pages; ++i)
		put_page(page_list[i]);
free_page_list:
	kfree(page_list);
	return ret;
}

static void cleanup_xfer(struct xfer *xfer)
{
	int i;

	sg_free_table(xfer->sgt);
	kfree(xfer->sgt);
	for (i = 0; i < xfer->nr_pages; ++i)
		put_page(xfer->page_list[i]);
	kfree(xfer->page_list);
}
