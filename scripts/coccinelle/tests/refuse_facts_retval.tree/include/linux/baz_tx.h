/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Header helpers of the refuse_facts_retval test: baz_pick() returns the
 * page it is given, and baz_tx_add_page() keeps what baz_pick() returns.
 */
struct page *baz_pick(struct baz_tx *tx, struct page *page)
{
	return page;
}

static inline int baz_tx_add_page(struct baz_tx *tx, struct page *page)
{
	struct page *last;

	last = baz_pick(tx, page);
	tx->last = last;
	return 0;
}
