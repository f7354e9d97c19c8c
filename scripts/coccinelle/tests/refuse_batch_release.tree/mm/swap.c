// SPDX-License-Identifier: GPL-2.0-only
/* mm/swap.c of the gup_mark_accessed and refuse_batch_release tests, reduced. */
static void folio_batch_add_and_move(struct folio_batch *fbatch,
				     struct folio *folio)
{
	folio_get(folio);	/* the LRU batch's own reference */
	folio_batch_add(fbatch, folio);
}

static void folio_activate(struct folio *folio)
{
	folio_batch_add_and_move(this_cpu_ptr(&cpu_fbatches.activate), folio);
}

void folio_mark_accessed(struct folio *folio)
{
	if (!folio_test_referenced(folio))
		folio_set_referenced(folio);
	else
		folio_activate(folio);
}

void __folio_batch_release(struct folio_batch *fbatch)
{
	lru_add_drain();
	folios_put(fbatch);
}
