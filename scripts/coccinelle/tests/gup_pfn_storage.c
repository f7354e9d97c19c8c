// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vmwgfx_msg.c shape: the pages are kept as their pfns in a
 * descriptor (ppns[i] = page_to_pfn(pages[i])) and released later from
 * the pfns, put_page(pfn_to_page(ppns[i])).  The pfn storage only ever
 * holds those pfns or the INVALID_PPN sentinel, and is only handed to a
 * helper of this file, so those put_page() calls release the GUP pages.
 */
#define INVALID_PPN ((u64)-1)

struct desc {
	u64 ppns[8];
	u64 start;
};

struct priv {
	struct page *user_pages[4];
};

static void reset_ppn_array(u64 *arr, size_t size)
{
	size_t i;

	for (i = 0; i < size; ++i)
		arr[i] = INVALID_PPN;
}

static void cleanup_descriptor(struct page *page)
{
	struct desc *pdesc = page_address(page);
	size_t i;

	for (i = 0; i < ARRAY_SIZE(pdesc->ppns) && pdesc->ppns[i] != INVALID_PPN; ++i)
		put_page(pfn_to_page(pdesc->ppns[i]));

	__free_page(page);
}

static void remove_descriptor(struct priv *dev_priv, size_t slot)
{
	struct page *page = dev_priv->user_pages[slot];

	dev_priv->user_pages[slot] = NULL;
	if (page)
		cleanup_descriptor(page);
}

static int add_descriptor(struct priv *dev_priv, unsigned long start,
			  size_t num_pages, size_t slot)
{
	struct page *page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	struct page **pages;
	struct desc *pdesc;
	long nr_pinned;
	size_t i;

	if (!page)
		return -ENOMEM;
	pages = kmalloc_array(num_pages, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		goto err_nomem;

	pdesc = page_address(page);
	pdesc->start = start;
	reset_ppn_array(pdesc->ppns, ARRAY_SIZE(pdesc->ppns));

	nr_pinned = get_user_pages_fast(start, num_pages, FOLL_LONGTERM, pages);
	if (nr_pinned != num_pages)
		goto err_pin;

	for (i = 0; i < num_pages; ++i)
		pdesc->ppns[i] = page_to_pfn(pages[i]);

	dev_priv->user_pages[slot] = page;
	kfree(pages);
	return 0;

err_pin:
	if (nr_pinned > 0)
		release_pages(pages, nr_pinned);
	kfree(pages);
err_nomem:
	__free_page(page);
	return -ENOMEM;
}
