// SPDX-License-Identifier: GPL-2.0-only
/*
 * The array itself comes from __get_free_page() (ib_umem_get()): that is
 * the storage of the page pointers, not a source of pages, and its
 * free_page() is not a page release.
 */
static int foo_umem_get(unsigned long addr, unsigned long npages)
{
	struct page **page_list;
	int pinned, ret = 0;

	page_list = (struct page **) __get_free_page(GFP_KERNEL);
	if (!page_list)
		return -ENOMEM;

	while (npages) {
		pinned = get_user_pages_fast(addr,
					     min_t(unsigned long, npages,
						   PAGE_SIZE / sizeof(struct page *)),
					     FOLL_WRITE | FOLL_LONGTERM, page_list);
		if (pinned < 0) {
			ret = pinned;
			break;
		}
		npages -= pinned;
		ret = foo_hw_map(page_to_phys(page_list[0]), pinned);
		if (ret) {
			release_pages(page_list, pinned);
			break;
		}
	}
	free_page((unsigned long) page_list);
	return ret;
}
