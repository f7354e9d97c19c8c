/* SPDX-License-Identifier: GPL-2.0-only */
/* Header helper of the gup_mark_accessed test: marks the pages accessed. */
static inline void qux_mark_pages(struct page **pages, int n)
{
	int i;

	for (i = 0; i < n; i++)
		folio_mark_accessed(page_folio(pages[i]));
}
