// SPDX-License-Identifier: GPL-2.0-only
/* get_user_pages_fast_only() has no pin_user_pages*() twin in 6.12. */
static int foo_peek_atomic(unsigned long addr, struct foo *f)
{
	struct page *page;

	if (get_user_pages_fast_only(addr, 1, FOLL_WRITE, &page) != 1)
		return -EAGAIN;
	f->dma = dma_map_page(f->dev, page, 0, PAGE_SIZE, DMA_FROM_DEVICE);
	f->page = page;
	return 0;
}

static void foo_done(struct foo *f)
{
	dma_unmap_page(f->dev, f->dma, PAGE_SIZE, DMA_FROM_DEVICE);
	put_page(f->page);
}
