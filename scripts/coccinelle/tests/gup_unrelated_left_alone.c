// SPDX-License-Identifier: GPL-2.0-only
/*
 * Only the GUP array is converted: a page from alloc_page(), a page from
 * find_get_page() and another array of the same function keep put_page().
 */
static int foo_copy(struct address_space *mapping, unsigned long uaddr,
		    int n)
{
	struct page *pages[8];
	struct page *bounce[8];
	struct page *tmp, *cached;
	int got, i, ret = 0;

	tmp = alloc_page(GFP_KERNEL);
	if (!tmp)
		return -ENOMEM;
	cached = find_get_page(mapping, 0);

	for (i = 0; i < n; i++)
		bounce[i] = alloc_page(GFP_KERNEL);

	got = get_user_pages_fast(uaddr, n, 0, pages);
	if (got != n) {
		ret = -EFAULT;
		goto out;
	}
	for (i = 0; i < n; i++)
		copy_highpage(bounce[i], pages[i]);
out:
	for (i = 0; i < got; i++)
		put_page(pages[i]);
	for (i = 0; i < n; i++)
		put_page(bounce[i]);
	if (cached)
		put_page(cached);
	put_page(tmp);
	return ret;
}
