// SPDX-License-Identifier: GPL-2.0-only
/*
 * Another file of the driver (drm_gem_put_pages() reduced): marks the
 * pages accessed, then drops the caller's references through a folio
 * batch.
 */
static void quux_release_batch(struct folio_batch *fbatch)
{
	__folio_batch_release(fbatch);
	cond_resched();
}

void quux_put_pages(struct page **pages, int n)
{
	struct folio_batch fbatch;
	int i;

	folio_batch_init(&fbatch);
	for (i = 0; i < n; i++) {
		struct folio *folio = page_folio(pages[i]);

		folio_mark_accessed(folio);
		if (!folio_batch_add(&fbatch, folio))
			quux_release_batch(&fbatch);
	}
	if (folio_batch_count(&fbatch))
		quux_release_batch(&fbatch);
}
