// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vhost vdpa.c shape: the pfns of the pages are handed to the IOTLB
 * (map_range(PFN_PHYS(map_pfn))) and released from there by code that
 * this file cannot tie to the GUP call; the put_page(pfn_to_page()) here
 * is only the error path.  And the vfio type1 shape: the same pfn
 * storage also holds pfns that did not come from GUP.
 */
static int map_range(u64 iova, u64 size, u64 pa);
static int follow_pfn(unsigned long vaddr, unsigned long *pfn);

static int pa_map(u64 iova, u64 uaddr, unsigned long npages,
		  struct page **page_list)
{
	unsigned long map_pfn = 0, last_pfn = 0, pfn;
	long pinned, i;
	int ret;

	pinned = get_user_pages(uaddr, npages, FOLL_LONGTERM, page_list);
	if (pinned != npages)
		return -ENOMEM;

	map_pfn = page_to_pfn(page_list[0]);
	for (i = 0; i < pinned; i++)
		last_pfn = page_to_pfn(page_list[i]);

	ret = map_range(iova, PFN_PHYS(last_pfn - map_pfn + 1),
			PFN_PHYS(map_pfn));
	if (ret) {
		for (pfn = map_pfn; pfn <= last_pfn; pfn++)
			put_page(pfn_to_page(pfn));
	}
	return ret;
}

static int get_pfn(unsigned long vaddr, unsigned long *pfn)
{
	struct page *page;

	if (get_user_pages_fast(vaddr, 1, FOLL_WRITE, &page) == 1) {
		*pfn = page_to_pfn(page);
		return 0;
	}
	return follow_pfn(vaddr, pfn);
}

static void put_pfn(unsigned long pfn)
{
	put_page(pfn_to_page(pfn));
}

static int pin_one(unsigned long vaddr)
{
	unsigned long pfn;
	int ret;

	ret = get_pfn(vaddr, &pfn);
	if (!ret)
		put_pfn(pfn);
	return ret;
}

/*
 * The vmwgfx kernel descriptor: the same pfn storage also holds the pfn
 * of a kernel page, page_to_pfn(virt_to_page(buf)).
 */
struct kdesc {
	u64 ppns[4];
};

static int add_kernel_and_user(struct kdesc *d, void *buf,
			       unsigned long uaddr)
{
	struct page *page;

	d->ppns[0] = page_to_pfn(virt_to_page(buf));
	if (get_user_pages_fast(uaddr, 1, 0, &page) != 1)
		return -EFAULT;
	d->ppns[1] = page_to_pfn(page);
	return 0;
}

static void free_kdesc(struct kdesc *d)
{
	put_page(pfn_to_page(d->ppns[1]));
}
