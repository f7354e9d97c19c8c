// SPDX-License-Identifier: GPL-2.0-only
/*
 * The radeon_ttm.c shape: the release walks an sg table, so which
 * put_page() drops the GUP pages cannot be told.
 */
static int tt_pin_userptr(struct tt *tt, unsigned long userptr)
{
	struct page **pages = tt->user_pages;
	int r;

	r = get_user_pages(userptr, tt->num_pages, FOLL_WRITE, pages);
	if (r < 0)
		return r;
	return sg_alloc_table_from_pages(tt->sg, pages, tt->num_pages, 0,
					 tt->num_pages << PAGE_SHIFT,
					 GFP_KERNEL);
}

static void tt_unpin_userptr(struct tt *tt)
{
	struct sg_page_iter sg_iter;

	for_each_sgtable_page(tt->sg, &sg_iter, 0) {
		struct page *page = sg_page_iter_page(&sg_iter);

		set_page_dirty(page);
		put_page(page);
	}
}
