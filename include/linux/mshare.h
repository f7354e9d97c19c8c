/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mshare: the hooks core mm calls for VMAs that map an msharefs region.
 * See Documentation/filesystems/msharefs.rst.
 */
#ifndef _LINUX_MSHARE_H
#define _LINUX_MSHARE_H

#include <linux/mm.h>
#include <linux/page-flags.h>

struct mmu_gather;

#ifdef CONFIG_MSHARE

extern const struct vm_operations_struct msharefs_vm_ops;

/* Is @vma a process's mapping of an msharefs region (a sharer VMA)? */
static inline bool vma_is_mshare(const struct vm_area_struct *vma)
{
	return vma->vm_ops == &msharefs_vm_ops;
}

/*
 * Does @p4d point at a PUD table of a region's host mm? Those tables are
 * linked into every sharer and live as long as the region: PG_private
 * marks them (page table pages never use it otherwise), so that
 * free_pgtables() keeps them and GUP-fast does not walk them.
 */
static inline bool mshare_pud_table(p4d_t p4d)
{
	return p4d_present(p4d) && PagePrivate(p4d_page(p4d));
}

/*
 * With 5-level paging, the host's P4D table that holds a region's PUD
 * tables is marked the same way, and kept the same way.
 */
static inline bool mshare_p4d_table(pgd_t pgd)
{
	return pgtable_l5_enabled() && pgd_present(pgd) &&
	       PagePrivate(pgd_page(pgd));
}

vm_fault_t mshare_handle_fault(struct vm_area_struct *vma,
			       unsigned long address, unsigned int flags,
			       struct pt_regs *regs);
void mshare_unlink_page_tables(struct mmu_gather *tlb,
			       struct vm_area_struct *vma,
			       unsigned long start, unsigned long end);
bool mshare_mm_maps_region(struct mm_struct *mm);
bool mshare_populate_range(struct vm_area_struct *vma, unsigned long *start,
			   unsigned long *end);

#else /* !CONFIG_MSHARE */

static inline bool vma_is_mshare(const struct vm_area_struct *vma)
{
	return false;
}

static inline bool mshare_pud_table(p4d_t p4d)
{
	return false;
}

static inline bool mshare_p4d_table(pgd_t pgd)
{
	return false;
}

static inline vm_fault_t mshare_handle_fault(struct vm_area_struct *vma,
					     unsigned long address,
					     unsigned int flags,
					     struct pt_regs *regs)
{
	return VM_FAULT_SIGBUS;
}

static inline void mshare_unlink_page_tables(struct mmu_gather *tlb,
					     struct vm_area_struct *vma,
					     unsigned long start,
					     unsigned long end)
{
}

static inline bool mshare_mm_maps_region(struct mm_struct *mm)
{
	return false;
}

static inline bool mshare_populate_range(struct vm_area_struct *vma,
					 unsigned long *start,
					 unsigned long *end)
{
	return false;
}

#endif /* CONFIG_MSHARE */
#endif /* _LINUX_MSHARE_H */
