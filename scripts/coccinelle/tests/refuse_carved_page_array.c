// SPDX-License-Identifier: GPL-2.0-only
/*
 * As gup_carved_array.c, but the array the pages are carved from holds
 * pages itself (a spare page from alloc_page() in its first slot, put
 * with the same release loop): it is one page storage, refuse.
 */
static int plist_map(unsigned long ubuf, unsigned int num_pages)
{
	struct page **spare, **pages;
	unsigned int i;
	int n, ret = 0;

	spare = kcalloc(num_pages + 1, sizeof(struct page *), GFP_KERNEL);
	if (!spare)
		return -ENOMEM;
	spare[0] = alloc_page(GFP_KERNEL);
	pages = (struct page **)(spare + 1);

	n = get_user_pages_fast(ubuf & PAGE_MASK, num_pages, 0, pages);
	if (n != num_pages)
		ret = -EFAULT;
	for (i = 0; i <= n; i++)
		put_page(spare[i]);
	kfree(spare);
	return ret;
}
