/* SPDX-License-Identifier: GPL-2.0-only */
/* Header helpers of the gup_tree_facts test: they only read the pages. */
#define foo_page_bus(page)	((u64)page_to_pfn(page) << PAGE_SHIFT)
#define foo_dbg(fmt, ...)	pr_debug("foo: " fmt, ##__VA_ARGS__)

static inline void foo_zero_pages(struct page **pages, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		struct page *p = pages[i];

		memzero_page(p, 0, PAGE_SIZE);
	}
}
