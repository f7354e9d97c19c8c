// SPDX-License-Identifier: GPL-2.0
/*
 * HugeTLB high-granularity mapping (HGM-lite): MADV_COLLAPSE of a split
 * VMA maps huge pages that have 4 KiB mappings whole again. The rules
 * (which entries can be tables, which locks keep them stable) are in
 * <linux/hugetlb_hgm.h>.
 */
#include <linux/hugetlb.h>
#include <linux/hugetlb_hgm.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/pagemap.h>
#include <linux/rmap.h>
#include <asm/tlb.h>

/* The hstate-level entry mapping all of @folio, as hugetlb_no_page() makes. */
static pte_t hgm_make_huge_pte(struct vm_area_struct *vma, struct folio *folio)
{
	pte_t entry = mk_huge_pte(&folio->page, vma->vm_page_prot);

	if (vma->vm_flags & VM_WRITE)
		entry = huge_pte_mkwrite(entry);
	entry = pte_mkyoung(huge_pte_mkdirty(entry));
	return arch_make_huge_pte(entry, huge_page_shift(hstate_vma(vma)),
				  vma->vm_flags);
}

/*
 * Collapse the huge page at @haddr of @vma if its hstate-level entry is a
 * table: zap the 4 KiB leaves, free the tables and map the page cache
 * folio there whole. Returns -EIO if the folio is poisoned (left as it
 * is), else 0 (also when there was no table, or no folio: then the entry
 * is left none, as after a punch-hole).
 *
 * Locks, in the hugetlb order: the fault mutex of the huge page (no
 * fault, CONTINUE or truncation of that index meanwhile), the VMA lock for
 * writing (nobody walks the tables: faults, CONTINUE, page walks and
 * GUP-slow hold it for reading) and i_mmap_rwsem for writing (no rmap
 * walk sees the entry change), then the folio lock.
 */
static int hgm_collapse_one(struct vm_area_struct *vma, unsigned long haddr)
{
	struct address_space *mapping = vma->vm_file->f_mapping;
	struct hstate *h = hstate_vma(vma);
	struct mm_struct *mm = vma->vm_mm;
	unsigned long sz = huge_page_size(h);
	pgoff_t idx = hugetlb_linear_page_index(vma, haddr);
	u32 hash = hugetlb_fault_mutex_hash(mapping, idx);
	struct mmu_notifier_range range;
	struct folio *folio = NULL;
	struct mmu_gather tlb;
	spinlock_t *ptl;	/* of the hstate-level entry */
	pte_t *hptep;
	int ret = 0;

	mutex_lock(&hugetlb_fault_mutex_table[hash]);
	hugetlb_vma_lock_write(vma);
	i_mmap_lock_write(mapping);
	hptep = hugetlb_walk(vma, haddr, sz);
	if (!hptep || !hugetlb_hgm_table(vma, huge_ptep_get(mm, haddr, hptep)))
		goto out;
	folio = filemap_lock_hugetlb_folio(h, mapping, idx);
	if (IS_ERR(folio)) {
		folio = NULL;
	} else if (folio_test_hwpoison(folio)) {
		ret = -EIO;
		goto out_folio;
	}

	mmu_notifier_range_init(&range, MMU_NOTIFY_CLEAR, 0, mm, haddr,
				haddr + sz);
	mmu_notifier_invalidate_range_start(&range);
	/*
	 * Flush the 4 KiB TLB entries, free the tables and drop the leaves'
	 * references before the huge entry appears: no CPU may hold both.
	 */
	tlb_gather_mmu(&tlb, mm);
	tlb_start_vma(&tlb, vma);
	hugetlb_hgm_zap(&tlb, vma, hptep, haddr);
	tlb_end_vma(&tlb, vma);
	tlb_finish_mmu(&tlb);
	if (folio) {
		pte_t entry = hgm_make_huge_pte(vma, folio);

		ptl = huge_pte_lock(h, mm, hptep);
		folio_get(folio);
		hugetlb_add_file_rmap(folio);
		set_huge_pte_at(mm, haddr, hptep, entry, sz);
		hugetlb_count_add(pages_per_huge_page(h), mm);
		update_mmu_cache(vma, haddr, hptep);
		spin_unlock(ptl);
		/* Our reference from the page cache lookup is transient. */
		hugetlb_hgm_check_refs(folio, 1);
		hugetlb_hgm_check_pins(folio);
	}
	mmu_notifier_invalidate_range_end(&range);
out_folio:
	if (folio) {
		folio_unlock(folio);
		folio_put(folio);
	}
out:
	i_mmap_unlock_write(mapping);
	hugetlb_vma_unlock_write(vma);
	mutex_unlock(&hugetlb_fault_mutex_table[hash]);
	return ret;
}

/**
 * hugetlb_hgm_collapse - MADV_COLLAPSE of [@start, @end) of an HGM VMA
 * @vma: a VM_HUGETLB_HGM VMA
 * @start: start of the range, huge page aligned
 * @end: end of the range, huge page aligned, in @vma
 *
 * Maps every huge page of the range that has 4 KiB mappings whole again,
 * at the hstate level, with the page cache folio, whichever 4 KiB pieces
 * were mapped (none, some or all). Huge pages mapped whole or not at all
 * are left as they are; the VMA stays split. Called with mmap_lock held
 * for reading.
 *
 * Return: 0; -EINVAL if @start or @end is not huge page aligned; -EIO if
 * some huge page is poisoned (it keeps its 4 KiB mappings, the others are
 * collapsed); -EINTR on a fatal signal (the huge pages before are
 * collapsed).
 */
int hugetlb_hgm_collapse(struct vm_area_struct *vma, unsigned long start,
			 unsigned long end)
{
	unsigned long sz = huge_page_size(hstate_vma(vma)), addr;
	int ret = 0;

	if (!IS_ALIGNED(start | end, sz))
		return -EINVAL;
	/* No VMA lock: no table was ever made (hgm_alloc_tables()). */
	if (!__vma_shareable_lock(vma))
		return 0;
	for (addr = start; addr < end; addr += sz) {
		if (hgm_collapse_one(vma, addr))
			ret = -EIO;
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
	}
	return ret;
}
