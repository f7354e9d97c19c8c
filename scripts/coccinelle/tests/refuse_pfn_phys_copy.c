// SPDX-License-Identifier: GPL-2.0-only
/*
 * A pfn made into an address with PFN_PHYS() and kept (assigned, then
 * handed to the device) or returned: the pfns leave the storage that
 * this file follows, so the site is refused, with the copy named.
 */
static int hw_map(u64 pa);

static int map_one(unsigned long uaddr)
{
	struct page *page;
	unsigned long pfn;
	u64 pa;
	int ret;

	if (get_user_pages_fast(uaddr, 1, FOLL_WRITE, &page) != 1)
		return -EFAULT;
	pfn = page_to_pfn(page);
	pa = PFN_PHYS(pfn);
	ret = hw_map(pa);
	if (ret)
		put_page(pfn_to_page(pfn));
	return ret;
}

static u64 lookup_one(unsigned long uaddr)
{
	struct page *page;
	unsigned long pfn;

	if (get_user_pages_fast(uaddr, 1, 0, &page) != 1)
		return 0;
	pfn = page_to_pfn(page);
	if (!pfn_valid(pfn)) {
		put_page(pfn_to_page(pfn));
		return 0;
	}
	return PFN_PHYS(pfn);
}
