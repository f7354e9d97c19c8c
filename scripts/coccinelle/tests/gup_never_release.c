// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kernel APIs that use pages but never release them (NEVER_RELEASE in the
 * engine): sg table builders, DMA mapping, kmap, pfn and state helpers.
 * Passing the GUP pages to them does not stop the conversion.
 */
static int foo_map(struct device *dev, struct sg_append_table *sgt,
		   unsigned long uaddr, int n)
{
	struct page *pages[16];
	dma_addr_t dma;
	void *va;
	int got, ret;

	got = get_user_pages_fast(uaddr, n, FOLL_WRITE, pages);
	if (got <= 0)
		return -EFAULT;
	VM_BUG_ON_PAGE(compound_order(pages[0]) > MAX_PAGE_ORDER, pages[0]);
	if (PageHighMem(pages[0]))
		pr_debug("high page %lx\n", page_to_pfn(pages[0]));
	va = kmap_local_page(pages[0]);
	memset(va, 0, 8);
	kunmap_local(va);
	flush_dcache_page(pages[0]);
	dma = dma_map_page(dev, pages[0], 0, PAGE_SIZE, DMA_TO_DEVICE);
	ret = sg_alloc_append_table_from_pages(sgt, pages, got, 0,
					       got << PAGE_SHIFT, UINT_MAX,
					       0, GFP_KERNEL);
	dma_unmap_page(dev, dma, PAGE_SIZE, DMA_TO_DEVICE);
	set_page_dirty_lock(pages[0]);
	release_pages(pages, got);
	return ret;
}
