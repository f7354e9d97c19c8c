// SPDX-License-Identifier: GPL-2.0-only
/* Another file of the driver: maps the pages for DMA, keeps nothing. */
int foo_dma_map_pages(struct device *dev, struct page **pages, int n,
		      dma_addr_t *dma)
{
	int i;

	for (i = 0; i < n; i++)
		dma[i] = dma_map_page(dev, pages[i], 0, PAGE_SIZE,
				      DMA_BIDIRECTIONAL);
	return 0;
}
