// SPDX-License-Identifier: GPL-2.0-only
/*
 * A helper that returns the array it was given after storing pages of
 * its own in it (iommufd's raw_pages_from_domain()) is not an allocator
 * of the array: what it returns holds pfn_to_page() pages, so the
 * storage holds pages from two sources and the site is refused.
 */
static struct page **yak_fill(struct yak *y, struct page **out, int n)
{
	int i;

	for (i = 0; i < n; i++)
		*(out++) = pfn_to_page(y->pfn[i]);
	return out;
}

static int yak_pages(struct yak *y, unsigned long uaddr, int n,
		     struct page **pages)
{
	int got;

	if (y->mapped) {
		pages = yak_fill(y, pages, n);
		return 0;
	}
	got = get_user_pages_fast(uaddr, n, FOLL_WRITE, pages);
	if (got > 0)
		release_pages(pages, got);
	return got;
}
