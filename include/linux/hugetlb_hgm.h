/* SPDX-License-Identifier: GPL-2.0 */
/*
 * HugeTLB high-granularity mapping (HGM-lite): 4 KiB page table entries
 * below the hstate-level entry of a shared hugetlb VMA that has
 * VM_HUGETLB_HGM (MADV_SPLIT). See Documentation/admin-guide/mm/hugetlb_hgm.rst.
 *
 * The shape of an HGM mapping: the hstate-level entry (a PMD for 2 MiB
 * pages, a PUD for 1 GiB pages) is none, a huge leaf, or a pointer to a
 * table. Below a PUD: PMD entries that are none, 2 MiB leaves or point to
 * PTE tables. Leaves are only at the hstate level, at PMD_SIZE below a
 * PUD, or at PAGE_SIZE. Each leaf, of any size, holds one reference and
 * one mapcount of its folio (hugetlb_hgm_add_rmap()).
 *
 * Locking: HGM tables are installed and freed only with the hugetlb VMA
 * lock held for writing (and, for installing, the hugetlb fault mutex of
 * the huge page). Anyone holding the VMA lock for reading (faults,
 * UFFDIO_CONTINUE, page walks, userfaultfd's must_wait) therefore sees a
 * stable table structure; only the values of 4 KiB leaves and of the PMD
 * entries below a PUD change, under the lock of their PTE or PMD table.
 */
#ifndef _LINUX_HUGETLB_HGM_H
#define _LINUX_HUGETLB_HGM_H

#include <linux/hugetlb.h>

struct mmu_gather;

#ifdef CONFIG_HUGETLB_HGM
/*
 * Is @pte, read from the hstate-level entry of @vma, a pointer to a lower
 * page table (and not a huge leaf, a swap or marker entry, or none)?
 */
static inline bool hugetlb_hgm_table(struct vm_area_struct *vma, pte_t pte)
{
	unsigned long sz;

	if (!hugetlb_hgm_enabled(vma))
		return false;
	sz = huge_page_size(hstate_vma(vma));
	if (sz == PMD_SIZE)
		return pmd_present(__pmd(pte_val(pte))) &&
		       !pmd_leaf(__pmd(pte_val(pte)));
	if (sz == PUD_SIZE)
		return pud_present(__pud(pte_val(pte))) &&
		       !pud_leaf(__pud(pte_val(pte)));
	return false;
}

/*
 * The mapcount and reference of one leaf below the hstate level (4 KiB,
 * or 2 MiB of a 1 GiB page), kept together so that the scheme can be
 * swapped: each leaf holds one folio reference and adds one to the folio's
 * _large_mapcount (so folio_mapcount() counts page table entries of any
 * size, as 6.12 documents for large folios). The per-page
 * _mapcount and _entire_mapcount are not touched: tail struct pages stay
 * read-only (HVO), and _entire_mapcount keeps meaning "mapped whole".
 * hugetlb_hgm_add_rmap() takes the reference; the reference of a removed
 * leaf is dropped by the mmu_gather after the TLB flush.
 */
static inline void hugetlb_hgm_add_rmap(struct folio *folio, struct page *page)
{
	folio_get(folio);
	atomic_inc(&folio->_large_mapcount);
}

static inline void hugetlb_hgm_remove_rmap(struct folio *folio,
					   struct page *page)
{
	atomic_dec(&folio->_large_mapcount);
}

/*
 * Does @folio have leaves below the hstate level? A mapping at the hstate
 * level counts in both _entire_mapcount and _large_mapcount, a 4 KiB or
 * 2 MiB leaf only in _large_mapcount, so they differ by the number of
 * leaves. No leaf is added without the folio lock (hgm_map_pte(),
 * hgm_map_pmd()), nor is an hstate-level mapping by a fault, so under the
 * folio lock the answer only changes
 * from true to false, unless fork copies a hstate-level mapping of the
 * folio in a VMA without HGM meanwhile. _large_mapcount is read first:
 * an hstate-level mapping removed between the two reads makes a false
 * "yes", which only refuses a migration that could have been tried.
 */
static inline bool hugetlb_hgm_folio_has_leaves(struct folio *folio)
{
	int mapcount;

	if (!folio_test_hugetlb(folio))
		return false;
	mapcount = folio_mapcount(folio);
	/* _large_mapcount before _entire_mapcount: see above. */
	smp_rmb();
	return mapcount > folio_entire_mapcount(folio);
}

vm_fault_t hugetlb_hgm_fault(struct address_space *mapping,
			     struct vm_fault *vmf);
vm_fault_t hugetlb_hgm_handle_minor(struct vm_fault *vmf);
int hugetlb_hgm_mfill_continue(struct vm_area_struct *vma,
			       unsigned long addr);
int hugetlb_hgm_mfill_continue_pmd(struct vm_area_struct *vma,
				   unsigned long addr);
void hugetlb_hgm_zap(struct mmu_gather *tlb, struct vm_area_struct *vma,
		     pte_t *hptep, unsigned long haddr);
void hugetlb_hgm_zap_one(struct vm_area_struct *vma, pte_t *hptep,
			 unsigned long haddr);
bool hugetlb_hgm_pte_none(struct vm_area_struct *vma, pte_t *hptep,
			  unsigned long addr);
int hugetlb_hgm_collapse(struct vm_area_struct *vma, unsigned long start,
			 unsigned long end);
#else
static inline bool hugetlb_hgm_table(struct vm_area_struct *vma, pte_t pte)
{
	return false;
}

static inline bool hugetlb_hgm_folio_has_leaves(struct folio *folio)
{
	return false;
}

static inline vm_fault_t hugetlb_hgm_fault(struct address_space *mapping,
					   struct vm_fault *vmf)
{
	return VM_FAULT_SIGBUS;
}

static inline vm_fault_t hugetlb_hgm_handle_minor(struct vm_fault *vmf)
{
	return VM_FAULT_SIGBUS;
}

static inline int hugetlb_hgm_mfill_continue(struct vm_area_struct *vma,
					     unsigned long addr)
{
	return -EINVAL;
}

static inline int hugetlb_hgm_mfill_continue_pmd(struct vm_area_struct *vma,
						 unsigned long addr)
{
	return -EINVAL;
}

static inline void hugetlb_hgm_zap(struct mmu_gather *tlb,
				   struct vm_area_struct *vma, pte_t *hptep,
				   unsigned long haddr)
{
}

static inline bool hugetlb_hgm_pte_none(struct vm_area_struct *vma,
					pte_t *hptep, unsigned long addr)
{
	return true;
}

static inline int hugetlb_hgm_collapse(struct vm_area_struct *vma,
				       unsigned long start, unsigned long end)
{
	return -EINVAL;
}
#endif /* CONFIG_HUGETLB_HGM */

#if defined(CONFIG_HUGETLB_HGM) && defined(CONFIG_MEMORY_FAILURE)
void hugetlb_hgm_unmap_folio(struct folio *folio,
			     struct address_space *mapping);
#else
static inline void hugetlb_hgm_unmap_folio(struct folio *folio,
					   struct address_space *mapping)
{
}
#endif

#if defined(CONFIG_HUGETLB_HGM) && defined(CONFIG_DEBUG_VM)
void hugetlb_hgm_check_refs(struct folio *folio, int transient);
#else
static inline void hugetlb_hgm_check_refs(struct folio *folio, int transient)
{
}
#endif

#if defined(CONFIG_HUGETLB_HGM) && defined(CONFIG_DEBUG_VM) && \
	defined(CONFIG_PAGE_PIN_TRACKER)
void hugetlb_hgm_check_pins(struct folio *folio);
#else
static inline void hugetlb_hgm_check_pins(struct folio *folio)
{
}
#endif

#endif /* _LINUX_HUGETLB_HGM_H */
