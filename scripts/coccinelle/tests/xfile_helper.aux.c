// SPDX-License-Identifier: GPL-2.0-only
/* The other file of the xfile_helper driver: maps, then releases. */
int foo_map_and_put(struct device *dev, struct page **pages, int n)
{
	dma_addr_t dma;
	int i;

	for (i = 0; i < n; i++) {
		dma = dma_map_page(dev, pages[i], 0, PAGE_SIZE, DMA_TO_DEVICE);
		foo_hw_write(dev, dma);
		dma_unmap_page(dev, dma, PAGE_SIZE, DMA_TO_DEVICE);
	}
	release_pages(pages, n);
	return 0;
}
