// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tree-wide facts: the pages go to a macro and a static inline of a header
 * (include/linux/foo_dma.h) and to a function of another file of the
 * driver (gup_tree_facts.aux.c).  The first pass reads their definitions:
 * none of them releases or keeps the pages, so the call converts.
 */
static int foo_xfer(struct device *dev, unsigned long uaddr, int n,
		    dma_addr_t *dma)
{
	struct page *pages[8];
	int got, ret;

	got = get_user_pages_fast(uaddr, n, FOLL_WRITE, pages);
	if (got <= 0)
		return -EFAULT;
	foo_dbg("first page at %llx (%p)\n", foo_page_bus(pages[0]), pages[0]);
	foo_zero_pages(pages, got);
	ret = foo_dma_map_pages(dev, pages, got, dma);
	release_pages(pages, got);
	return ret;
}
