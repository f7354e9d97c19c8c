/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Header helpers of the gup_facts_retval test (after hfi1's
 * sdma_txadd_page()): the int that bar_tx_add_page() returns is the
 * return value of bar_tx_coalesce(), which is given the page, not the
 * page itself.
 */
int bar_tx_coalesce(struct bar_tx *tx, struct page *page, int len)
{
	void *kvaddr = kmap_local_page(page);

	memcpy(tx->buf, kvaddr, len);
	kunmap_local(kvaddr);
	return len;
}

static inline int bar_tx_add_page(struct bar_tx *tx, struct page *page,
				  int len)
{
	int rval;

	if (tx->num == tx->limit) {
		rval = bar_tx_coalesce(tx, page, len);
		if (rval <= 0)
			return rval;
	}
	tx->addr[tx->num++] = dma_map_page(tx->dev, page, 0, len,
					   DMA_TO_DEVICE);
	return 0;
}
