// SPDX-License-Identifier: GPL-2.0-only
/*
 * One allocation holds the device's u32 address list and, after it, the
 * page pointers (vchiq_arm.c: pages = (struct page **)(addrs + n)).  The
 * page array is carved out of the allocation, it is not the address
 * list: the addresses written to addrs[] are not pages, convert.
 */
struct plist {
	u32 length;
	u32 addrs[];
};

static int plist_map(struct device *dev, unsigned long ubuf,
		     unsigned int num_pages)
{
	struct plist *pl;
	struct page **pages;
	u32 *addrs;
	unsigned int i;
	int n, ret = 0;

	pl = kzalloc(sizeof(*pl) + num_pages * (sizeof(u32) +
		     sizeof(struct page *)), GFP_KERNEL);
	if (!pl)
		return -ENOMEM;
	addrs = pl->addrs;
	pages = (struct page **)(addrs + num_pages);

	n = get_user_pages_fast(ubuf & PAGE_MASK, num_pages, 0, pages);
	if (n != num_pages) {
		ret = -EFAULT;
		goto out;
	}
	for (i = 0; i < num_pages; i++)
		addrs[i] = (page_to_phys(pages[i]) & PAGE_MASK) | 1;
	ret = plist_send(dev, pl);
out:
	if (n > 0)
		release_pages(pages, n);
	kfree(pl);
	return ret;
}
