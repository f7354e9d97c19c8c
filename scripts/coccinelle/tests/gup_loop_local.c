// SPDX-License-Identifier: GPL-2.0-only
/* Local array, loop releases on the error path and the normal path. */
static int foo_dma(unsigned long uaddr, int nr_pages)
{
	struct page **pages;
	int pinned;
	int ret = 0;
	int i;

	pages = kcalloc(nr_pages, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return -ENOMEM;

	pinned = get_user_pages_fast(uaddr, nr_pages, FOLL_WRITE, pages);
	if (pinned < 0) {
		ret = pinned;
		goto free;
	}
	if (pinned != nr_pages) {
		ret = -EFAULT;
		goto put;
	}

	ret = foo_hw_transfer(page_to_phys(pages[0]), pinned);

put:
	for (i = 0; i < pinned; i++)
		put_page(pages[i]);
free:
	kfree(pages);
	return ret;
}
