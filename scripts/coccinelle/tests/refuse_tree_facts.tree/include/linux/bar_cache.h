/* SPDX-License-Identifier: GPL-2.0-only */
/* Header helpers of the refuse_tree_facts test. */
struct bar_cache {
	struct page *slot[4];
};

/* keeps the page: the cache releases it later */
static inline void bar_cache_add(struct bar_cache *c, int i, struct page *page)
{
	c->slot[i] = page;
}
