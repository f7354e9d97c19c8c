// SPDX-License-Identifier: GPL-2.0
/*
 * HugeTLB high-granularity mapping (HGM-lite): memory-failure removes the
 * 4 KiB leaves of a poisoned huge page, which try_to_unmap() does not
 * find. The rules (which entries can be tables, which locks keep them
 * stable) are in <linux/hugetlb_hgm.h>.
 */
#include <linux/hugetlb.h>
#include <linux/hugetlb_hgm.h>
#include <linux/mm.h>
#include <linux/pagemap.h>

/**
 * hugetlb_hgm_unmap_folio - remove the 4 KiB leaves of a hugetlb folio
 * @folio: a locked hugetlb folio in the page cache of @mapping
 * @mapping: its mapping, whose i_mmap_rwsem the caller holds for writing
 *
 * For memory-failure, before try_to_unmap(), which only finds mappings at
 * the hstate level: in each split VMA whose hstate-level entry for @folio
 * is a table, zap the 4 KiB leaves and free the tables. The entry is left
 * none, as after a punch-hole: a later access faults, finds the poisoned
 * folio in the page cache and gets SIGBUS, and UFFDIO_CONTINUE gets EIO.
 *
 * The VMA lock ranks above i_mmap_rwsem, so it is only tried, as
 * try_to_unmap_one() does to unshare PMDs. A VMA whose lock is held (a
 * fault or a page walk in progress) keeps its leaves; the folio then
 * stays mapped and memory-failure treats it as a folio it could not
 * unmap.
 */
void hugetlb_hgm_unmap_folio(struct folio *folio,
			     struct address_space *mapping)
{
	unsigned long sz = huge_page_size(folio_hstate(folio));
	pgoff_t pgoff = folio_pgoff(folio);
	struct vm_area_struct *vma;

	i_mmap_assert_write_locked(mapping);
	vma_interval_tree_foreach(vma, &mapping->i_mmap, pgoff,
				  pgoff + folio_nr_pages(folio) - 1) {
		unsigned long haddr;
		pte_t *hptep;

		if (!hugetlb_hgm_enabled(vma) || !__vma_shareable_lock(vma) ||
		    pgoff < vma->vm_pgoff)
			continue;
		haddr = vma->vm_start + ((pgoff - vma->vm_pgoff) << PAGE_SHIFT);
		if (haddr >= vma->vm_end || !IS_ALIGNED(haddr, sz))
			continue;
		if (!hugetlb_vma_trylock_write(vma))
			continue;
		hptep = hugetlb_walk(vma, haddr, sz);
		if (hptep &&
		    hugetlb_hgm_table(vma, huge_ptep_get(vma->vm_mm, haddr,
							 hptep)))
			hugetlb_hgm_zap_one(vma, hptep, haddr);
		hugetlb_vma_unlock_write(vma);
	}
}
