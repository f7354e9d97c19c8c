/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A sticky hint on a PTE table: a page it maps may have been pinned
 * (FOLL_PIN) through it, since the table was allocated.
 *
 * Write protection with UFFD_FEATURE_WP_PINNED, and PAGEMAP_SCAN's
 * PAGE_IS_PINNED, must look at the folio behind every entry they protect
 * or report, because a device may write a pinned page without a fault.
 * In a process that has pinned anything (MMF_HAS_PINNED is sticky and set
 * by any O_DIRECT read, io_uring buffer or process_vm_readv() of it), that
 * is a struct page read per page. A pinned anonymous folio is exclusive
 * to the mm it was pinned through, and is pinned through one of that mm's
 * page tables, so for anonymous memory a PTE table without the hint maps
 * no pinned page and need not be looked at.
 *
 * Who sets it:
 * - GUP, before it takes a pin through the table (GUP-fast without the
 *   page table lock: before the pin and its barrier, and so before it
 *   re-reads the PTE; the scanner protects, flushes, issues a full
 *   barrier and then reads the hint, so that either GUP-fast sees the
 *   protected PTE and backs off, or the scanner sees the hint);
 * - the split of a PMD-mapped THP that may be pinned;
 * - mremap(), which moves pinned pages' PTEs into another table.
 * A table moved whole keeps it. Nothing clears it but freeing the table,
 * so it is only a hint: a table that once mapped a pinned page is looked
 * at for as long as it lives. Page cache and shmem folios can be pinned
 * through any mm that maps them: they are always looked at.
 *
 * The bit is PG_owner_2 of the table's page: the page-table code owns its
 * pages, which are neither page cache (PG_mappedtodisk) nor anonymous
 * (PG_anon_exclusive). Freeing the table clears it with the other flags.
 */
#ifndef _LINUX_PTE_PIN_HINT_H
#define _LINUX_PTE_PIN_HINT_H

#include <linux/mm.h>

#define PG_pte_maybe_pinned	PG_owner_2

static inline void ptdesc_mark_maybe_pinned(struct ptdesc *ptdesc)
{
	/* Read first: the bit is set once per table, not once per pin. */
	if (!test_bit(PG_pte_maybe_pinned, &ptdesc->__page_flags))
		set_bit(PG_pte_maybe_pinned, &ptdesc->__page_flags);
}

/* Mark the PTE table that @pmd points to: a page it maps may be pinned. */
static inline void pte_table_mark_maybe_pinned(pmd_t pmd)
{
	ptdesc_mark_maybe_pinned(page_ptdesc(pmd_page(pmd)));
}

/*
 * The same, for the table of @ptep, which pte_offset_map*() gave for an
 * entry of the table that *@pmd points to, under the table's lock. Without
 * CONFIG_HIGHPTE the table is in the linear map, and its struct page is
 * found from the address: cheaper than reading the PMD entry again and
 * decoding it, for GUP's once-per-page use. (Where a page holds several
 * PTE tables, both ways find the same page.)
 */
static inline void pte_table_mark_maybe_pinned_at(pmd_t *pmd, pte_t *ptep)
{
	if (IS_ENABLED(CONFIG_HIGHPTE))
		pte_table_mark_maybe_pinned(pmdp_get_lockless(pmd));
	else
		ptdesc_mark_maybe_pinned(virt_to_ptdesc(ptep));
}

/* Whether the PTE table that @pmd points to may map a pinned page. */
static inline bool pte_table_maybe_pinned(pmd_t pmd)
{
	return test_bit(PG_pte_maybe_pinned,
			&page_ptdesc(pmd_page(pmd))->__page_flags);
}

#endif /* _LINUX_PTE_PIN_HINT_H */
