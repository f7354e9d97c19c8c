/* SPDX-License-Identifier: GPL-2.0-only */
/* include/linux/pagevec.h of the gup_mark_accessed and refuse_batch_release tests, reduced. */
static inline unsigned int folio_batch_add(struct folio_batch *fbatch,
					   struct folio *folio)
{
	fbatch->folios[fbatch->nr++] = folio;
	return PAGEVEC_SIZE - fbatch->nr;
}
