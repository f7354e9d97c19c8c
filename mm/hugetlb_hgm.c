// SPDX-License-Identifier: GPL-2.0
/*
 * HugeTLB high-granularity mapping (HGM-lite): 4 KiB UFFDIO_CONTINUE and
 * faults below the hstate-level entry of a VM_HUGETLB_HGM VMA, 2 MiB
 * UFFDIO_CONTINUE of pieces of 1 GiB pages, and zapping such mappings.
 * The rules (which entries can be tables, which locks keep them stable)
 * are in <linux/hugetlb_hgm.h>.
 */
#include <linux/hugetlb.h>
#include <linux/hugetlb_hgm.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/pagemap.h>
#include <linux/pgtable.h>
#include <linux/userfaultfd_k.h>
#include <linux/pgalloc.h>
#include <asm/tlb.h>

#ifdef CONFIG_PAGE_PIN_TRACKER
#include "page_pin_tracker_internal.h"
#endif

/*
 * Every 4 KiB leaf holds a folio reference, so a 1 GiB folio mapped 4 KiB
 * at a time in many VMAs could overflow its reference count. Refuse a new
 * leaf once half of the range is used: the other half is left to pins and
 * transient references (pin_user_pages() of a whole 1 GiB folio adds 2^18).
 */
#define HGM_MAX_FOLIO_REFS	(INT_MAX / 2)

/* The PMD entry for @addr below the hstate-level entry @hptep. */
static pmd_t *hgm_pmd(struct hstate *h, pte_t *hptep, unsigned long addr)
{
	if (huge_page_size(h) == PUD_SIZE)
		return pmd_offset((pud_t *)hptep, addr);
	return (pmd_t *)hptep;
}

/*
 * The PTE for @addr below the hstate-level entry @hptep, mapped and
 * locked; or NULL with *@err: -ENOENT if a table is missing, -EEXIST if
 * the hstate-level entry (or the PMD entry below a 1 GiB one) is something
 * else than none or a table (a huge leaf, a migration, hwpoison or marker
 * entry), -EAGAIN if the PTE table went away. Needs the hugetlb VMA lock.
 */
static inline pte_t *hgm_pte_lock(struct vm_area_struct *vma, pte_t *hptep,
				  unsigned long addr, spinlock_t **ptlp,
				  int *err)
{
	struct hstate *h = hstate_vma(vma);
	pte_t hpte = huge_ptep_get(vma->vm_mm, addr, hptep);
	pmd_t *pmd, pmdval;
	pte_t *pte;

	if (huge_pte_none(hpte)) {
		*err = -ENOENT;
		return NULL;
	}
	if (!hugetlb_hgm_table(vma, hpte)) {
		*err = -EEXIST;
		return NULL;
	}
	pmd = hgm_pmd(h, hptep, addr);
	if (huge_page_size(h) == PUD_SIZE) {
		pmdval = pmdp_get(pmd);
		if (pmd_none(pmdval)) {
			*err = -ENOENT;
			return NULL;
		}
		if (!pmd_present(pmdval) || pmd_leaf(pmdval)) {
			*err = -EEXIST;
			return NULL;
		}
	}
	pte = pte_offset_map_lock(vma->vm_mm, pmd, addr, ptlp);
	if (!pte)
		*err = -EAGAIN;
	return pte;
}

/*
 * Allocate the tables below the hstate-level entry for @addr, down to the
 * PTE table if @pte_table, else only the PMD table of a 1 GiB page (for a
 * 2 MiB leaf). Called with the hugetlb fault mutex of the huge page held
 * and without the VMA lock, which is taken for writing (see
 * <linux/hugetlb_hgm.h>).
 */
static int hgm_alloc_tables(struct vm_area_struct *vma, unsigned long addr,
			    bool pte_table)
{
	struct hstate *h = hstate_vma(vma);
	struct mm_struct *mm = vma->vm_mm;
	pte_t *hptep, hpte;
	pmd_t *pmd, pmdval;
	int ret = 0;

	/* No VMA lock (its allocation failed at mmap): no safe way to add. */
	if (!__vma_shareable_lock(vma))
		return -ENOMEM;
	hugetlb_vma_lock_write(vma);
	hptep = huge_pte_alloc(mm, vma, addr & huge_page_mask(h),
			       huge_page_size(h));
	if (!hptep) {
		ret = -ENOMEM;
		goto out;
	}
	hpte = huge_ptep_get(mm, addr, hptep);
	if (!huge_pte_none(hpte) && !hugetlb_hgm_table(vma, hpte)) {
		ret = -EEXIST;
		goto out;
	}
	if (huge_page_size(h) == PUD_SIZE) {
		pmd = pmd_alloc(mm, (pud_t *)hptep, addr);
		if (!pmd) {
			ret = -ENOMEM;
			goto out;
		}
	} else {
		pmd = (pmd_t *)hptep;
	}
	pmdval = pmdp_get(pmd);
	if (!pmd_none(pmdval) && (!pmd_present(pmdval) || pmd_leaf(pmdval))) {
		ret = -EEXIST;
		goto out;
	}
	if (pte_table && pte_alloc(mm, pmd))
		ret = -ENOMEM;
out:
	hugetlb_vma_unlock_write(vma);
	return ret;
}

/*
 * Map the 4 KiB piece of @folio at @addr with a PTE, if that PTE is none.
 * Needs the fault mutex, the VMA lock for reading and the folio lock.
 */
static int hgm_map_pte(struct vm_area_struct *vma, pte_t *hptep,
		       unsigned long addr, struct folio *folio)
{
	struct hstate *h = hstate_vma(vma);
	struct mm_struct *mm = vma->vm_mm;
	struct page *page;
	spinlock_t *ptl;	/* of the PTE table, or the hstate level */
	pte_t *pte, entry;
	int err;

	pte = hgm_pte_lock(vma, hptep, addr, &ptl, &err);
	if (!pte)
		return err;
	err = -EEXIST;
	if (!pte_none(ptep_get(pte)))
		goto unlock;
	err = -ENOMEM;
	if (folio_ref_count(folio) >= HGM_MAX_FOLIO_REFS)
		goto unlock;

	page = folio_page(folio, (addr & ~huge_page_mask(h)) >> PAGE_SHIFT);
	/* Dirty, as every hugetlb UFFDIO_CONTINUE and shared fault maps. */
	entry = pte_mkyoung(pte_mkdirty(mk_pte(page, vma->vm_page_prot)));
	if (vma->vm_flags & VM_WRITE)
		entry = pte_mkwrite(entry, vma);
	hugetlb_hgm_add_rmap(folio, page);
	set_pte_at(mm, addr, pte, entry);
	hugetlb_count_add(1, mm);
	update_mmu_cache(vma, addr, pte);
	err = 0;
unlock:
	pte_unmap_unlock(pte, ptl);
	return err;
}

/*
 * Map the 2 MiB piece of the 1 GiB @folio at @addr with a PMD leaf below
 * the hstate-level table @hptep, if that PMD entry is none. -ENOTBLK if a
 * PTE table is there instead: the piece is then mapped 4 KiB at a time, as
 * the pieces already below it. Needs the fault mutex, the VMA lock for
 * reading and the folio lock.
 */
static int hgm_map_pmd(struct vm_area_struct *vma, pte_t *hptep,
		       unsigned long addr, struct folio *folio)
{
	struct hstate *h = hstate_vma(vma);
	struct mm_struct *mm = vma->vm_mm;
	pmd_t *pmd, pmdval, entry;
	struct page *page;
	spinlock_t *ptl;	/* of the PMD table */
	int err;

	if (!hugetlb_hgm_table(vma, huge_ptep_get(mm, addr, hptep)))
		return -EEXIST;
	pmd = pmd_offset((pud_t *)hptep, addr);
	ptl = pmd_lock(mm, pmd);
	pmdval = pmdp_get(pmd);
	err = -ENOTBLK;
	if (pmd_present(pmdval) && !pmd_leaf(pmdval))
		goto unlock;
	err = -EEXIST;
	if (!pmd_none(pmdval))
		goto unlock;
	err = -ENOMEM;
	if (folio_ref_count(folio) >= HGM_MAX_FOLIO_REFS)
		goto unlock;

	page = folio_page(folio, (addr & ~huge_page_mask(h)) >> PAGE_SHIFT);
	entry = pmd_mkhuge(pfn_pmd(page_to_pfn(page), vma->vm_page_prot));
	entry = pmd_mkyoung(pmd_mkdirty(entry));
	if (vma->vm_flags & VM_WRITE)
		entry = pmd_mkwrite(entry, vma);
	hugetlb_hgm_add_rmap(folio, page);
	set_pmd_at(mm, addr, pmd, entry);
	hugetlb_count_add(PMD_SIZE >> PAGE_SHIFT, mm);
	update_mmu_cache_pmd(vma, addr, pmd);
	err = 0;
unlock:
	spin_unlock(ptl);
	return err;
}

/*
 * UFFDIO_CONTINUE of the piece of @size (PAGE_SIZE, or PMD_SIZE of a 1 GiB
 * page) at @addr: see hugetlb_hgm_mfill_continue().
 */
static int hgm_mfill_continue(struct vm_area_struct *vma, unsigned long addr,
			      unsigned long size)
{
	struct address_space *mapping = vma->vm_file->f_mapping;
	struct hstate *h = hstate_vma(vma);
	unsigned long haddr = addr & huge_page_mask(h);
	pgoff_t idx = hugetlb_linear_page_index(vma, addr);
	u32 hash = hugetlb_fault_mutex_hash(mapping, idx);
	bool pte_level = size == PAGE_SIZE;
	struct folio *folio;
	spinlock_t *ptl;	/* of the PTE table, or the hstate level */
	pte_t *hptep, *pte;
	int err, tries;

	mutex_lock(&hugetlb_fault_mutex_table[hash]);
	/*
	 * No tables that nothing would map: none for a hole (truncation
	 * needs the fault mutex we hold), a poisoned folio or one without
	 * reference headroom. hgm_map_pte() and hgm_map_pmd() check the
	 * last two again.
	 */
	folio = filemap_lock_hugetlb_folio(h, mapping, idx);
	if (IS_ERR(folio)) {
		err = -EFAULT;
		goto out_mutex;
	}
	err = 0;
	if (folio_test_hwpoison(folio))
		err = -EIO;
	else if (folio_ref_count(folio) >= HGM_MAX_FOLIO_REFS)
		err = -ENOMEM;
	folio_unlock(folio);
	folio_put(folio);
	if (err)
		goto out_mutex;

	for (tries = 0; ; tries++) {
		hugetlb_vma_lock_read(vma);
		hptep = hugetlb_walk(vma, haddr, huge_page_size(h));
		err = -ENOENT;
		if (hptep && pte_level) {
			pte = hgm_pte_lock(vma, hptep, addr, &ptl, &err);
			if (pte) {
				pte_unmap_unlock(pte, ptl);
				break;
			}
		} else if (hptep) {
			pte_t hpte = huge_ptep_get(vma->vm_mm, haddr, hptep);

			if (hugetlb_hgm_table(vma, hpte))
				break;
			if (!huge_pte_none(hpte))
				err = -EEXIST;
		}
		hugetlb_vma_unlock_read(vma);
		if (err != -ENOENT)
			goto out_mutex;
		if (tries == 3) {
			err = -EAGAIN;
			goto out_mutex;
		}
		err = hgm_alloc_tables(vma, addr, pte_level);
		if (err)
			goto out_mutex;
	}

	folio = filemap_lock_hugetlb_folio(h, mapping, idx);
	if (IS_ERR(folio)) {
		err = -EFAULT;
		goto out_vma;
	}
	if (folio_test_hwpoison(folio))
		err = -EIO;
	else if (pte_level)
		err = hgm_map_pte(vma, hptep, addr, folio);
	else
		err = hgm_map_pmd(vma, hptep, addr, folio);
	folio_unlock(folio);
	folio_put(folio);
out_vma:
	hugetlb_vma_unlock_read(vma);
out_mutex:
	mutex_unlock(&hugetlb_fault_mutex_table[hash]);
	return err;
}

/**
 * hugetlb_hgm_mfill_continue - UFFDIO_CONTINUE of the 4 KiB page at @addr
 * @vma: a VM_HUGETLB_HGM VMA
 * @addr: page-aligned address in @vma
 *
 * Maps exactly that page of the page cache folio with a PTE below the
 * hstate-level entry, allocating the tables. Errors as for a huge page
 * CONTINUE: -EEXIST if that page (or the whole huge page) is mapped,
 * -EFAULT if the page cache has no folio there, -EIO if it is poisoned;
 * also -ENOMEM (no memory, or the folio's reference count has no headroom
 * left) and -EAGAIN (the tables were zapped repeatedly meanwhile).
 */
int hugetlb_hgm_mfill_continue(struct vm_area_struct *vma, unsigned long addr)
{
	return hgm_mfill_continue(vma, addr, PAGE_SIZE);
}

/**
 * hugetlb_hgm_mfill_continue_pmd - UFFDIO_CONTINUE of the 2 MiB piece of a
 * 1 GiB page at @addr
 * @vma: a VM_HUGETLB_HGM VMA of 1 GiB pages
 * @addr: PMD_SIZE-aligned address in @vma
 *
 * Maps that piece of the page cache folio with one PMD entry below the
 * hstate-level entry, allocating the PMD table. -ENOTBLK if a PTE table is
 * already below that PMD entry (4 KiB pieces were mapped there): the caller
 * then maps the piece 4 KiB at a time. Otherwise errors as
 * hugetlb_hgm_mfill_continue(), -EEXIST meaning that the piece (or the whole
 * huge page) is mapped.
 */
int hugetlb_hgm_mfill_continue_pmd(struct vm_area_struct *vma,
				   unsigned long addr)
{
	if (huge_page_size(hstate_vma(vma)) != PUD_SIZE ||
	    !IS_ALIGNED(addr, PMD_SIZE))
		return -EINVAL;
	return hgm_mfill_continue(vma, addr, PMD_SIZE);
}

/**
 * hugetlb_hgm_zap_one - zap one huge page mapped at high granularity
 * @vma: a VM_HUGETLB_HGM VMA
 * @hptep: its hstate-level entry for @haddr, a table
 * @haddr: huge page aligned address
 *
 * hugetlb_hgm_zap() with its own mmu_gather and mmu notifier range, for
 * callers outside a zap of the VMA. Called with the VMA lock held for
 * writing and i_mmap_rwsem.
 */
void hugetlb_hgm_zap_one(struct vm_area_struct *vma, pte_t *hptep,
			 unsigned long haddr)
{
	unsigned long end = haddr + huge_page_size(hstate_vma(vma));
	struct mmu_notifier_range range;
	struct mmu_gather tlb;

	mmu_notifier_range_init(&range, MMU_NOTIFY_CLEAR, 0, vma->vm_mm, haddr,
				end);
	mmu_notifier_invalidate_range_start(&range);
	tlb_gather_mmu(&tlb, vma->vm_mm);
	tlb_start_vma(&tlb, vma);
	hugetlb_hgm_zap(&tlb, vma, hptep, haddr);
	tlb_end_vma(&tlb, vma);
	tlb_finish_mmu(&tlb);
	mmu_notifier_invalidate_range_end(&range);
}

/*
 * Free the tables below the hstate-level entry of @addr if the page
 * cache has no folio there. Such tables map nothing: every leaf of a
 * folio goes before the folio leaves the page cache. They are left when
 * hugetlb_vmdelete_list() (truncate, punch-hole) skips a VMA whose lock
 * it could not take, after a CONTINUE or a fault made them but mapped
 * nothing (a 1 GiB fault makes the tables first, then retries). Left
 * there, every later fault in the hole would find a table and no folio.
 * Called with the fault mutex held (no folio can be added meanwhile) and
 * without the VMA lock, which is taken for writing, as for a zap.
 */
static void hgm_free_hole_tables(struct vm_area_struct *vma,
				 unsigned long addr)
{
	struct address_space *mapping = vma->vm_file->f_mapping;
	struct hstate *h = hstate_vma(vma);
	unsigned long haddr = addr & huge_page_mask(h);
	struct folio *folio;
	pte_t *hptep;

	hugetlb_vma_lock_write(vma);
	i_mmap_lock_write(mapping);
	hptep = hugetlb_walk(vma, haddr, huge_page_size(h));
	if (!hptep ||
	    !hugetlb_hgm_table(vma, huge_ptep_get(vma->vm_mm, haddr, hptep)))
		goto out;
	folio = filemap_lock_hugetlb_folio(h, mapping,
					   hugetlb_linear_page_index(vma, haddr));
	if (!IS_ERR(folio)) {
		folio_unlock(folio);
		folio_put(folio);
		goto out;
	}
	hugetlb_hgm_zap_one(vma, hptep, haddr);
out:
	i_mmap_unlock_write(mapping);
	hugetlb_vma_unlock_write(vma);
}

/**
 * hugetlb_hgm_handle_minor - handle_userfault() of a minor fault on a
 * VM_HUGETLB_HGM VMA, reported at PAGE_SIZE
 * @vmf: the hugetlb fault, whose address is the huge page's
 *
 * UFFDIO_CONTINUE can map that 4 KiB page, and wakes the faults whose
 * reported address is in the range it mapped. The address of a vm_fault
 * is const: report from a copy (handle_userfault() writes nothing back).
 * Called without the VMA lock and the fault mutex, as handle_userfault().
 */
vm_fault_t hugetlb_hgm_handle_minor(struct vm_fault *vmf)
{
	struct vm_fault vmf_4k = {
		.vma = vmf->vma,
		.gfp_mask = vmf->gfp_mask,
		.pgoff = vmf->pgoff,
		.address = vmf->real_address & PAGE_MASK,
		.real_address = vmf->real_address,
		.flags = vmf->flags,
	};

	return handle_userfault(&vmf_4k, VM_UFFD_MINOR);
}

/**
 * hugetlb_hgm_fault - fault on a VM_HUGETLB_HGM VMA whose hstate-level
 * entry is a table
 * @mapping: the file's mapping
 * @vmf: as set up by hugetlb_fault(), with vmf->pte the hstate-level entry
 *
 * Called with the fault mutex and the VMA lock (read) held; drops both.
 * A present 4 KiB leaf means another thread won (or the fault was
 * spurious). For a none one: a minor userfault at PAGE_SIZE if the VMA is
 * registered for minor faults, otherwise the 4 KiB piece of the page cache
 * folio is mapped. No folio in the page cache means tables left over a
 * hole: they are freed and the fault retried, which then allocates a
 * folio (or reports a missing userfault) as without HGM.
 */
vm_fault_t hugetlb_hgm_fault(struct address_space *mapping,
			     struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct hstate *h = hstate_vma(vma);
	unsigned long addr = vmf->real_address & PAGE_MASK;
	u32 hash = hugetlb_fault_mutex_hash(mapping, vmf->pgoff);
	struct folio *folio;
	vm_fault_t ret = 0;
	spinlock_t *ptl;	/* of the PTE table, or the hstate level */
	pte_t *pte;
	int err;

	pte = hgm_pte_lock(vma, vmf->pte, addr, &ptl, &err);
	if (pte) {
		bool none = pte_none(ptep_get(pte));

		pte_unmap_unlock(pte, ptl);
		if (!none)
			goto out;
	} else if (err != -ENOENT) {
		goto out;
	}

	folio = filemap_lock_hugetlb_folio(h, mapping, vmf->pgoff);
	if (IS_ERR(folio)) {
		/* Tables left over a hole: free them, then fault as usual. */
		hugetlb_vma_unlock_read(vma);
		hgm_free_hole_tables(vma, vmf->address);
		mutex_unlock(&hugetlb_fault_mutex_table[hash]);
		return 0;
	}
	if (unlikely(folio_test_hwpoison(folio))) {
		ret = VM_FAULT_HWPOISON_LARGE |
		      VM_FAULT_SET_HINDEX(hstate_index(h));
		goto out_folio;
	}
	if (userfaultfd_minor(vma)) {
		folio_unlock(folio);
		folio_put(folio);
		hugetlb_vma_unlock_read(vma);
		mutex_unlock(&hugetlb_fault_mutex_table[hash]);
		return hugetlb_hgm_handle_minor(vmf);
	}
	if (!pte) {
		/* A 1 GiB page without a PTE table here yet: make it, retry. */
		folio_unlock(folio);
		folio_put(folio);
		hugetlb_vma_unlock_read(vma);
		err = hgm_alloc_tables(vma, addr, true);
		mutex_unlock(&hugetlb_fault_mutex_table[hash]);
		return err == -ENOMEM ? VM_FAULT_OOM : 0;
	}
	err = hgm_map_pte(vma, vmf->pte, addr, folio);
	/* No headroom in the reference count: as for a failed allocation. */
	if (err == -ENOMEM)
		ret = VM_FAULT_SIGBUS;
out_folio:
	folio_unlock(folio);
	folio_put(folio);
out:
	hugetlb_vma_unlock_read(vma);
	mutex_unlock(&hugetlb_fault_mutex_table[hash]);
	return ret;
}

/*
 * Is the 4 KiB entry for @addr below the hstate-level table @hptep none
 * (or its table missing)? Lockless, for userfaultfd's must_wait, which
 * holds the VMA lock for reading: the tables cannot go away.
 */
bool hugetlb_hgm_pte_none(struct vm_area_struct *vma, pte_t *hptep,
			  unsigned long addr)
{
	pmd_t *pmd = hgm_pmd(hstate_vma(vma), hptep, addr);
	pmd_t pmdval = pmdp_get_lockless(pmd);
	bool none;
	pte_t *pte;

	if (pmd_none(pmdval))
		return true;
	if (!pmd_present(pmdval) || pmd_leaf(pmdval))
		return false;
	pte = pte_offset_map(pmd, addr);
	if (!pte)
		return true;
	none = pte_none(ptep_get(pte));
	pte_unmap(pte);
	return none;
}

#ifdef CONFIG_DEBUG_VM
/*
 * The reference invariant of a hugetlb folio that HGM maps: every
 * reference is one of the page cache's (folio_nr_pages() of them while the
 * folio is in it, as __filemap_add_folio() takes), one
 * per page table entry that maps it at any size (folio_mapcount()), one
 * per pin (a large folio's pin is one reference and one _pincount), or a
 * transient one (@transient known to the caller, more possible). Too few
 * references means a leaf or a pin lost its reference, and the folio
 * could be freed while still mapped or pinned.
 *
 * Other mappings and GUP-fast pins can change the counts meanwhile: they
 * take the reference before counting the mapping or pin, and uncount it
 * before dropping the reference. A reference count read twice, the same
 * before and after the other counts, is therefore too low only if a
 * reference is really missing, or if a pin came and another went in
 * between (the count is the same, the pin count was read in the middle:
 * one too many). A snapshot where the count changed says nothing; a short
 * one is only reported if three in a row, each stable, are short.
 */
static bool hgm_refs_cover(struct folio *folio, int transient)
{
	int refs = folio_ref_count(folio), want;

	/* Read the reference count before the counts it must cover... */
	smp_rmb();
	want = (READ_ONCE(folio->mapping) ? folio_nr_pages(folio) : 0) +
	       folio_mapcount(folio) + atomic_read(&folio->_pincount) +
	       transient;
	/* ... and again after them. */
	smp_rmb();
	return folio_ref_count(folio) != refs || refs >= want;
}

void hugetlb_hgm_check_refs(struct folio *folio, int transient)
{
	int i;

	for (i = 0; i < 3; i++) {
		if (hgm_refs_cover(folio, transient))
			return;
		cpu_relax();
	}
	VM_WARN_ON_ONCE_FOLIO(1, folio);
}

#ifdef CONFIG_PAGE_PIN_TRACKER
/* Does the tracker count no more pins of @folio than its _pincount? */
static bool hgm_pins_fit(struct folio *folio, bool *stable)
{
	long pages, full;
	int pins = atomic_read(&folio->_pincount);

	*stable = false;
	/* Read _pincount before the tracker's counts... */
	smp_rmb();
	if (!page_pin_tracker_folio_sum(folio, &pages, &full))
		return true;
	/* ... and again after them. */
	smp_rmb();
	if (atomic_read(&folio->_pincount) != pins)
		return true;
	*stable = true;
	/*
	 * A pin of some pages counts the same in both. A pin of the whole
	 * folio counts one in @full and one (memfd_pin_folios()) or
	 * folio_nr_pages() (GUP of every page) in _pincount.
	 */
	return pages + full <= pins;
}

/*
 * The pin half of the invariant, when the pin tracker is on: the tracker
 * never counts more pins of the folio than _pincount, its per-page counts
 * plus its pins of the whole folio. Only that direction is checked. A pin
 * adds to _pincount before the tracker, and an unpin subtracts from the
 * tracker first (unpin_user_pages() for the whole array, before any
 * folio's _pincount), so pins and unpins in flight only ever leave the
 * tracker short, and for as long as they like: an unpinner's vCPU may be
 * descheduled, and unpin_user_pages_dirty_lock() sleeps in folio_lock()
 * between the two, on the folio lock the collapse holds while it checks.
 * A tracker short of a pin is therefore not reported (the pin cases of the
 * hugetlb_hgm selftest read the tracker's records instead); a tracker
 * ahead of _pincount is a record without a pin. Racing pins and unpins of
 * other pages can still mislead one snapshot, so it is only reported if
 * three, each with _pincount stable around it, all show it. Sums every
 * page of the folio: the zap calls it only for folios of one PTE table or
 * less.
 */
void hugetlb_hgm_check_pins(struct folio *folio)
{
	bool stable;
	int i;

	if (!page_pin_tracker_enabled())
		return;
	for (i = 0; i < 3; i++) {
		if (hgm_pins_fit(folio, &stable) || !stable)
			return;
		cpu_relax();
	}
	VM_WARN_ON_ONCE_FOLIO(1, folio);
}
#endif /* CONFIG_PAGE_PIN_TRACKER */
#endif /* CONFIG_DEBUG_VM */

/*
 * Clear the 4 KiB leaves in the PTE table below @pmd. Their mapcounts go
 * now; their references go with the mmu_gather, batched per folio.
 */
static void hgm_zap_ptes(struct mmu_gather *tlb, struct vm_area_struct *vma,
			 pmd_t *pmd, unsigned long addr, unsigned long end)
{
	struct mm_struct *mm = vma->vm_mm;
	struct folio *batch_folio = NULL, *pins_checked = NULL;
	struct page *batch_page = NULL;
	pte_t *start_pte, *pte;
	unsigned int nr;
	spinlock_t *ptl;	/* of the PTE table, or the hstate level */
	bool full;

again:
	nr = 0;
	full = false;
	start_pte = pte_offset_map_lock(mm, pmd, addr, &ptl);
	if (!start_pte)
		return;
	for (pte = start_pte; addr < end; addr += PAGE_SIZE, pte++) {
		pte_t ptent = ptep_get(pte);
		struct folio *folio = NULL;
		struct page *page = NULL;

		if (pte_none(ptent))
			continue;
		if (pte_present(ptent)) {
			page = pte_page(ptent);
			folio = page_folio(page);
			if (nr && folio != batch_folio) {
				full = __tlb_remove_folio_pages(tlb, batch_page,
								nr, false);
				nr = 0;
				if (full)
					break;
			}
		}
		ptent = ptep_get_and_clear_full(mm, addr, pte, tlb->fullmm);
		tlb_remove_tlb_entry(tlb, pte, addr);
		/* HGM-lite makes no 4 KiB swap or marker entries. */
		if (!folio)
			continue;
		if (pte_dirty(ptent))
			folio_mark_dirty(folio);
		hugetlb_hgm_remove_rmap(folio, page);
		hugetlb_count_sub(1, mm);
		/* The leaf's reference goes with the mmu_gather, later. */
		hugetlb_hgm_check_refs(folio, 0);
		/* Once per PTE table: the sum reads every page's record. */
		if (folio != pins_checked &&
		    folio_nr_pages(folio) <= PTRS_PER_PTE) {
			hugetlb_hgm_check_pins(folio);
			pins_checked = folio;
		}
		if (!nr) {
			batch_folio = folio;
			batch_page = page;
		}
		nr++;
	}
	if (nr)
		full = __tlb_remove_folio_pages(tlb, batch_page, nr, false);
	pte_unmap_unlock(start_pte, ptl);
	if (full) {
		tlb_flush_mmu(tlb);
		if (addr < end)
			goto again;
	}
}

/*
 * Clear the 2 MiB leaf @pmd of a 1 GiB folio. Its mapcount goes now, its
 * reference with the mmu_gather.
 */
static void hgm_zap_pmd(struct mmu_gather *tlb, struct vm_area_struct *vma,
			pmd_t *pmd, unsigned long addr)
{
	struct mm_struct *mm = vma->vm_mm;
	spinlock_t *ptl = pmd_lock(mm, pmd);
	struct folio *folio;
	struct page *page;
	pmd_t pmdval;

	pmdval = pmdp_huge_get_and_clear(mm, addr, pmd);
	tlb_flush_pmd_range(tlb, addr, PMD_SIZE);
	page = pmd_page(pmdval);
	folio = page_folio(page);
	if (pmd_dirty(pmdval))
		folio_mark_dirty(folio);
	hugetlb_hgm_remove_rmap(folio, page);
	hugetlb_count_sub(PMD_SIZE >> PAGE_SHIFT, mm);
	hugetlb_hgm_check_refs(folio, 0);
	spin_unlock(ptl);
	if (__tlb_remove_folio_pages(tlb, page, 1, false))
		tlb_flush_mmu(tlb);
}

static void hgm_free_pte_table(struct mmu_gather *tlb, struct mm_struct *mm,
			       pmd_t *pmd, unsigned long addr)
{
	spinlock_t *ptl = pmd_lock(mm, pmd);
	pmd_t pmdval = pmdp_get(pmd);

	pmd_clear(pmd);
	spin_unlock(ptl);
	pte_free_tlb(tlb, pmd_pgtable(pmdval), addr);
	mm_dec_nr_ptes(mm);
}

/**
 * hugetlb_hgm_zap - unmap a huge page mapped at high granularity
 * @tlb: the mmu_gather of the zap
 * @vma: a VM_HUGETLB_HGM VMA
 * @hptep: its hstate-level entry for @haddr, a table
 * @haddr: huge page aligned address
 *
 * Clears every 4 KiB leaf below @hptep and frees the tables, leaving the
 * hstate-level entry none: zaps of hugetlb VMAs always cover whole huge
 * pages. Called with the VMA lock held for writing and i_mmap_rwsem.
 */
void hugetlb_hgm_zap(struct mmu_gather *tlb, struct vm_area_struct *vma,
		     pte_t *hptep, unsigned long haddr)
{
	struct hstate *h = hstate_vma(vma);
	struct mm_struct *mm = vma->vm_mm;
	unsigned long end = haddr + huge_page_size(h), addr;
	pmd_t *pmd, *pmd_table;
	spinlock_t *ptl;	/* of the PTE table, or the hstate level */
	pud_t pudval;

	if (huge_page_size(h) == PMD_SIZE) {
		pmd = (pmd_t *)hptep;
		hgm_zap_ptes(tlb, vma, pmd, haddr, end);
		hgm_free_pte_table(tlb, mm, pmd, haddr);
	} else {
		pmd_table = pmd_offset((pud_t *)hptep, haddr);
		for (addr = haddr, pmd = pmd_table; addr < end;
		     addr += PMD_SIZE, pmd++) {
			pmd_t pmdval = pmdp_get(pmd);

			/* HGM-lite makes no swap or marker entries. */
			if (!pmd_present(pmdval))
				continue;
			if (pmd_leaf(pmdval)) {
				hgm_zap_pmd(tlb, vma, pmd, addr);
				continue;
			}
			hgm_zap_ptes(tlb, vma, pmd, addr, addr + PMD_SIZE);
			hgm_free_pte_table(tlb, mm, pmd, addr);
		}
		ptl = huge_pte_lock(h, mm, hptep);
		pudval = pudp_get((pud_t *)hptep);
		pud_clear((pud_t *)hptep);
		spin_unlock(ptl);
		pmd_free_tlb(tlb, pud_pgtable(pudval), haddr);
		mm_dec_nr_pmds(mm);
	}
	tlb_remove_huge_tlb_entry(h, tlb, hptep, haddr);
}

