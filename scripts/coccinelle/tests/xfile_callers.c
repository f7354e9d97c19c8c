// SPDX-License-Identifier: GPL-2.0-only
/*
 * The hfi1 user_exp_rcv.c shape: the pages are taken and released by
 * non-static helpers of another file of the driver
 * (drv_acquire_user_pages() and drv_release_user_pages() in
 * xfile_callers.aux.c).  Neither is exported, declared outside the
 * directory or taken by address, and this file, their only caller, is in
 * the group: every caller is seen, so both files convert.  drv_get_one()
 * is declared in include/linux/drv_pages.h: callers elsewhere may exist,
 * its GUP call is refused.
 */
struct tid {
	struct page **pages;
	unsigned int npages;
};

static int tid_setup(struct tid *t, unsigned long vaddr, int npages)
{
	struct page **pages;
	int pinned;

	pages = kcalloc(npages, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return -ENOMEM;
	pinned = drv_acquire_user_pages(vaddr, npages, true, pages);
	if (pinned <= 0) {
		kfree(pages);
		return pinned ? pinned : -EFAULT;
	}
	t->pages = pages;
	t->npages = pinned;
	return 0;
}

static void tid_teardown(struct tid *t)
{
	drv_release_user_pages(t->pages, t->npages, true);
	kfree(t->pages);
}

static int touch_one(unsigned long vaddr)
{
	struct page *page;
	int ret;

	ret = drv_get_one(vaddr, &page);
	if (ret == 1)
		put_page(page);
	return ret;
}
