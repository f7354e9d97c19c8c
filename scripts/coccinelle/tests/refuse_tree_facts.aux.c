// SPDX-License-Identifier: GPL-2.0-only
/* Another file of the driver: drops the pages through a helper. */
static void bar_drop_one(struct page *page)
{
	put_page(page);
}

void bar_drop_pages(struct page **pages, int n)
{
	while (n--)
		bar_drop_one(pages[n]);
}
