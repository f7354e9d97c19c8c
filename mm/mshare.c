// SPDX-License-Identifier: GPL-2.0
/*
 * msharefs: regions of address space whose page tables are meant to be
 * shared by every process that maps them (mshare).
 *
 * Each regular file on msharefs is a region. Its size is set once, with
 * ftruncate(), to a multiple of MSHARE_ALIGN. Setting the size allocates
 * the region's host mm: an mm_struct of no task that holds the VMAs and the
 * page tables of the region, at [MSHARE_BASE, MSHARE_BASE + size). The
 * MSHAREFS_CREATE_MAPPING and MSHAREFS_UNMAP ioctls map shared anonymous
 * memory into the host mm and unmap it again. The host mm lives as long as
 * the inode: it is released when the file is unlinked and its last open
 * file and mapping are gone, or when msharefs is unmounted.
 *
 * Processes share a region by mmap() of the whole file (MAP_SHARED, at a
 * MSHARE_ALIGN-aligned address): the resulting *sharer* VMA has no page
 * tables of its own. On the first fault in each MSHARE_ALIGN slot, the
 * sharer's P4D entry is pointed at the host's PUD table for that slot, and
 * every fault is handled on the host VMA, in the host mm, under the host's
 * mmap_lock. The host's PUD tables, and all page tables below them, are
 * never freed while the region lives, so that a sharer may walk them under
 * its own mmap_lock (GUP, /proc) without racing a host-side free. TLB
 * flushes of the host mm flush every CPU, through an mmu notifier.
 *
 * See Documentation/filesystems/msharefs.rst.
 */

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/falloc.h>
#include <linux/fs_context.h>
#include <linux/init.h>
#include <linux/kobject.h>
#include <linux/kthread.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/mmu_notifier.h>
#include <linux/mshare.h>
#include <linux/mutex.h>
#include <linux/pagemap.h>
#include <linux/sched/mm.h>
#include <linux/security.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/workqueue.h>
#include <asm/tlb.h>
#include <asm/tlbflush.h>
#include <uapi/linux/magic.h>
#include <uapi/linux/msharefs.h>

/*
 * Processes will share a region by pointing one of their P4D entries at
 * the host's PUD table (a PGD entry with 4-level paging), as mshare v3
 * does, so regions start and end on P4D_SIZE (512 GiB) boundaries.
 */
#define MSHARE_ALIGN	P4D_SIZE
/* Where regions sit in their host mm: above the NULL page, aligned. */
#define MSHARE_BASE	MSHARE_ALIGN
/* A region must fit below the 47-bit user address space of its sharers. */
#define MSHARE_MAX_SIZE	(ALIGN_DOWN(DEFAULT_MAP_WINDOW, MSHARE_ALIGN) - MSHARE_BASE)

#define MSHARE_CREATE_FLAGS	(MAP_SHARED | MAP_FIXED | MAP_FIXED_NOREPLACE | \
				 MAP_ANONYMOUS)
#define MSHARE_CREATE_PROT	(PROT_READ | PROT_WRITE)

struct mshare_region {
	struct mutex lock;	/* serialises size changes and ioctls */
	struct mm_struct *mm;	/* host mm; NULL until the size is set */
	unsigned long size;	/* 0 until set by ftruncate() */
	struct mmu_notifier mn;	/* flushes the sharers' TLBs */
};

static const struct inode_operations msharefs_dir_inode_ops;
static const struct inode_operations msharefs_region_inode_ops;
static const struct file_operations msharefs_region_fops;

static bool is_msharefs_region(struct inode *inode)
{
	return inode->i_fop == &msharefs_region_fops;
}

static struct inode *msharefs_get_inode(struct super_block *sb,
					const struct inode *dir, umode_t mode)
{
	struct inode *inode = new_inode(sb);
	struct mshare_region *r = NULL;

	if (!inode)
		return NULL;
	if (S_ISREG(mode)) {
		r = kzalloc(sizeof(*r), GFP_KERNEL);
		if (!r) {
			iput(inode);
			return NULL;
		}
		mutex_init(&r->lock);
	}
	inode->i_ino = get_next_ino();
	inode_init_owner(&nop_mnt_idmap, inode, dir, mode);
	simple_inode_init_ts(inode);
	if (S_ISDIR(mode)) {
		inode->i_op = &msharefs_dir_inode_ops;
		inode->i_fop = &simple_dir_operations;
		inc_nlink(inode);
	} else {
		inode->i_op = &msharefs_region_inode_ops;
		inode->i_fop = &msharefs_region_fops;
		inode->i_private = r;
	}
	return inode;
}

/*
 * The host mm belongs to no task. mm_alloc() makes the caller its memcg
 * owner; that task may exit long before the region goes away, so the owner
 * is cleared. Charges made through the host mm then go to the active memcg
 * (get_mem_cgroup_from_mm()), which every operation on the host sets: the
 * memcg of the sharer whose mapping faults (mshare_handle_fault()), or of
 * the caller of an ioctl (mshare_run_host_op()).
 */
static struct mm_struct *mshare_alloc_host_mm(unsigned long size)
{
	struct mm_struct *mm = mm_alloc();

	if (!mm)
		return NULL;
#ifdef CONFIG_MEMCG
	RCU_INIT_POINTER(mm->owner, NULL);
#endif
	/*
	 * khugepaged would collapse the region's memory in its own context,
	 * with no memcg to charge the huge page to but the root's. Keep it
	 * from ever registering the host mm, as if it were registered
	 * already. Faults still allocate huge pages where shmem_enabled
	 * allows, charged to the faulting sharer.
	 */
	set_bit(MMF_VM_HUGEPAGE, &mm->flags);
	mm->mmap_base = MSHARE_BASE;
	mm->task_size = MSHARE_BASE + size;
	return mm;
}

/*
 * Every change to the host's page tables ends in a TLB flush of the host
 * mm (flush_tlb_mm_range() or a batched flush), which calls this. The host
 * mm runs on no CPU, but its entries are cached in the TLBs and
 * paging-structure caches of every CPU that ran a sharer, under the
 * sharers' PCIDs: flush them all. This is mshare v3's approach; tracking
 * the sharers' mm_cpumask is an optimisation for later.
 */
static void mshare_invalidate_tlbs(struct mmu_notifier *mn,
				   struct mm_struct *mm,
				   unsigned long start, unsigned long end)
{
	flush_tlb_all();
}

static const struct mmu_notifier_ops mshare_mmu_notifier_ops = {
	.arch_invalidate_secondary_tlbs = mshare_invalidate_tlbs,
};

static p4d_t *mshare_host_p4d(struct mm_struct *mm, unsigned long addr)
{
	return p4d_offset(pgd_offset(mm, addr), addr);
}

/*
 * Unmark the region's PUD tables (and, with 5-level paging, the P4D tables
 * above them), then, if @unmapped (the host mm maps nothing any more), free
 * all its page tables, as exit_mmap() would, had it VMAs to go by. If the
 * host still maps something, exit_mmap() frees the tables of its VMAs,
 * unmarked, and the other PUD tables leak.
 */
static void mshare_free_page_tables(struct mm_struct *mm, unsigned long size,
				    bool unmapped)
{
	unsigned long end = MSHARE_BASE + size, addr;
	struct mmu_gather tlb;

	mmap_write_lock(mm);
	for (addr = MSHARE_BASE; addr < end; addr += MSHARE_ALIGN) {
		pgd_t *pgd = pgd_offset(mm, addr);
		p4d_t *p4d;

		if (!pgd_present(*pgd))
			continue;
		if (pgtable_l5_enabled())
			ClearPagePrivate(pgd_page(*pgd));
		p4d = p4d_offset(pgd, addr);
		if (p4d_present(*p4d))
			ClearPagePrivate(p4d_page(*p4d));
	}
	if (unmapped) {
		tlb_gather_mmu(&tlb, mm);
		free_pgd_range(&tlb, MSHARE_BASE, end, FIRST_USER_ADDRESS,
			       USER_PGTABLES_CEILING);
		tlb_finish_mmu(&tlb);
	}
	mmap_write_unlock(mm);
}

/*
 * Allocate the host's PUD tables for the whole region, once, and mark them
 * (PG_private) so that free_pgtables() never frees them and GUP-fast never
 * walks them; with 5-level paging, also the P4D tables that hold them.
 * Sharers link the PUD tables; they go away with the region.
 */
static int mshare_alloc_pud_tables(struct mm_struct *mm, unsigned long size)
{
	unsigned long addr;
	int err = 0;

	mmap_write_lock(mm);
	for (addr = MSHARE_BASE; addr < MSHARE_BASE + size; addr += MSHARE_ALIGN) {
		pgd_t *pgd = pgd_offset(mm, addr);
		p4d_t *p4d = p4d_alloc(mm, pgd, addr);

		if (!p4d || !pud_alloc(mm, p4d, addr)) {
			err = -ENOMEM;
			break;
		}
		if (pgtable_l5_enabled())
			SetPagePrivate(pgd_page(*pgd));
		SetPagePrivate(p4d_page(*p4d));
	}
	mmap_write_unlock(mm);
	return err;
}

/*
 * The size is set once. Setting it again to the same value is a no-op (so
 * that O_TRUNC of a new file works); any other change fails with EPERM, as
 * for a memfd sealed against growing and shrinking.
 */
static int mshare_set_size(struct inode *inode, loff_t size)
{
	struct mshare_region *r = inode->i_private;
	struct mm_struct *mm;
	int err = 0;

	mutex_lock(&r->lock);
	if (size == r->size)
		goto out;
	err = -EPERM;
	if (r->size)
		goto out;
	err = -EINVAL;
	if (size <= 0 || !IS_ALIGNED(size, MSHARE_ALIGN))
		goto out;
	err = -EFBIG;
	if (size > MSHARE_MAX_SIZE)
		goto out;
	err = -ENOMEM;
	mm = mshare_alloc_host_mm(size);
	if (!mm)
		goto out;
	err = mshare_alloc_pud_tables(mm, size);
	if (!err) {
		r->mn.ops = &mshare_mmu_notifier_ops;
		err = mmu_notifier_register(&r->mn, mm);
	}
	if (err) {
		mshare_free_page_tables(mm, size, true);
		mmput(mm);
		goto out;
	}
	r->mm = mm;
	/* Pairs with mshare_mapping_size(): a size read means r->mm is set. */
	smp_store_release(&r->size, size);
	i_size_write(inode, size);
	err = 0;
out:
	mutex_unlock(&r->lock);
	return err;
}

static int msharefs_region_setattr(struct mnt_idmap *idmap,
				   struct dentry *dentry, struct iattr *attr)
{
	struct inode *inode = d_inode(dentry);
	int err;

	err = setattr_prepare(idmap, dentry, attr);
	if (err)
		return err;
	if (attr->ia_valid & ATTR_SIZE) {
		err = mshare_set_size(inode, attr->ia_size);
		if (err)
			return err;
	}
	setattr_copy(idmap, inode, attr);
	return 0;
}

/*
 * 6.12's do_mmap() and the munmap path account to current->mm, whatever mm
 * they are given. So operations on a host mm run in a kernel worker that
 * adopts the host mm for the duration with kthread_use_mm().
 */
enum mshare_host_op_type {
	MSHARE_OP_MAP,
	MSHARE_OP_UNMAP,
	MSHARE_OP_DESTROY,	/* unmap everything, free the page tables */
};

struct mshare_host_op {
	struct work_struct work;
	struct mm_struct *mm;
	enum mshare_host_op_type type;
	unsigned long addr;
	unsigned long len;
	unsigned long prot;
	unsigned long flags;
	struct mem_cgroup *memcg;	/* charged for what the op allocates */
	long ret;
};

/* A range of a host mapping's shmem file that an UNMAP made unreachable. */
struct mshare_punch {
	struct file *file;
	loff_t offset;
	loff_t len;
};

/*
 * Each host mapping has a shmem file of its own (shmem_zero_setup()), or
 * a part of one after a split. munmap() of part of a shared mapping frees
 * nothing: the pages stay in the file until its last mapping goes. So
 * UNMAP collects, with the host's mmap_lock held for writing, the file
 * ranges that it makes unreachable (no other mapping maps them), and
 * punches them once the lock is dropped (fallocate() takes i_rwsem, which
 * nests outside mmap_lock), as MADV_REMOVE would. NULL if there is none.
 */
static struct mshare_punch *mshare_collect_punches(struct mm_struct *mm,
						   unsigned long start,
						   unsigned long end, int *nr)
{
	VMA_ITERATOR(vmi, mm, start);
	struct vm_area_struct *vma;
	struct mshare_punch *punch;
	int n = 0;

	*nr = 0;
	for_each_vma_range(vmi, vma, end)
		n++;
	if (!n)
		return NULL;
	punch = kmalloc_array(n, sizeof(*punch), GFP_KERNEL);
	if (!punch)
		return ERR_PTR(-ENOMEM);
	vma_iter_set(&vmi, start);
	for_each_vma_range(vmi, vma, end) {
		unsigned long s = max(start, vma->vm_start);
		unsigned long e = min(end, vma->vm_end);

		if (!vma->vm_file || *nr == n)
			continue;
		punch[*nr].file = get_file(vma->vm_file);
		punch[*nr].offset = ((loff_t)vma->vm_pgoff << PAGE_SHIFT) +
				    (s - vma->vm_start);
		punch[*nr].len = e - s;
		(*nr)++;
	}
	return punch;
}

/*
 * Punch the holes after a successful UNMAP. Pinned pages stay allocated
 * until they are unpinned, as after munmap(). A failure leaves the pages
 * in the file until it is released with the rest of the mapping.
 */
static void mshare_punch_holes(struct mshare_host_op *op,
			       struct mshare_punch *punch, int nr)
{
	int i;

	for (i = 0; i < nr; i++) {
		if (!op->ret)
			vfs_fallocate(punch[i].file,
				      FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				      punch[i].offset, punch[i].len);
		fput(punch[i].file);
	}
	kfree(punch);
}

static void mshare_host_op_fn(struct work_struct *work)
{
	struct mshare_host_op *op = container_of(work, struct mshare_host_op, work);
	struct mem_cgroup *old_memcg = set_active_memcg(op->memcg);
	struct mshare_punch *punch = NULL;
	unsigned long populate, addr;
	int nr_punch = 0;

	kthread_use_mm(op->mm);
	mmap_write_lock(op->mm);
	switch (op->type) {
	case MSHARE_OP_MAP:
		addr = do_mmap(NULL, op->addr, op->len, op->prot, op->flags,
			       0, 0, &populate, NULL);
		op->ret = IS_ERR_VALUE(addr) ? (long)addr : 0;
		break;
	case MSHARE_OP_UNMAP:
		punch = mshare_collect_punches(op->mm, op->addr,
					       op->addr + op->len, &nr_punch);
		if (IS_ERR(punch)) {
			op->ret = PTR_ERR(punch);
			punch = NULL;
			break;
		}
		op->ret = do_munmap(op->mm, op->addr, op->len, NULL);
		break;
	case MSHARE_OP_DESTROY:
		/*
		 * This may not fail: the page tables are freed next. Unmapping
		 * the whole region splits no VMA; it fails only when it cannot
		 * allocate maple tree nodes. Retry, as __GFP_NOFAIL would.
		 */
		while ((op->ret = do_munmap(op->mm, op->addr, op->len,
					    NULL)) == -ENOMEM) {
			mmap_write_unlock(op->mm);
			memalloc_retry_wait(GFP_KERNEL);
			mmap_write_lock(op->mm);
		}
		break;
	}
	mmap_write_unlock(op->mm);
	/* Never free tables that may still map pages (see above). */
	if (op->type == MSHARE_OP_DESTROY)
		mshare_free_page_tables(op->mm, op->len, !WARN_ON_ONCE(op->ret));
	kthread_unuse_mm(op->mm);
	mshare_punch_holes(op, punch, nr_punch);
	set_active_memcg(old_memcg);
}

/*
 * Runs @op in a worker, charging what it allocates (VMAs, the shmem file
 * of a mapping) to the caller's memcg.
 */
static long mshare_run_host_op(struct mshare_host_op *op)
{
	op->memcg = get_mem_cgroup_from_current();
	INIT_WORK_ONSTACK(&op->work, mshare_host_op_fn);
	queue_work(system_unbound_wq, &op->work);
	flush_work(&op->work);
	destroy_work_on_stack(&op->work);
	mem_cgroup_put(op->memcg);
	return op->ret;
}

/* A page-aligned, non-empty range inside the region (EINVAL otherwise). */
static int mshare_check_range(struct mshare_region *r, u64 offset, u64 size)
{
	if (!size || !PAGE_ALIGNED(offset) || !PAGE_ALIGNED(size))
		return -EINVAL;
	if (offset >= r->size || size > r->size - offset)
		return -EINVAL;
	return 0;
}

/*
 * Memory other than anonymous shared memory (files, hugetlb) is refused
 * with EOPNOTSUPP for now, after the file descriptor has been checked.
 */
static int mshare_check_file(const struct mshare_create *mc)
{
	struct file *file;
	int err = -EOPNOTSUPP;

	file = fget(mc->fd);
	if (!file)
		return -EBADF;
	if (is_msharefs_region(file_inode(file)))
		err = -EINVAL;
	fput(file);
	return err;
}

static long mshare_create_mapping(struct mshare_region *r,
				  const struct mshare_create *mc)
{
	struct mshare_host_op op = { .type = MSHARE_OP_MAP };
	long err;

	if (mc->reserved)
		return -EINVAL;
	/*
	 * Regions are never executable: a sharer's own protection could not
	 * be enforced for execution, as its P4D entry cannot carry NX on
	 * every configuration (see mshare_link()), and execute-only memory
	 * would take an x86 protection key in the host mm.
	 */
	if (mc->prot & ~MSHARE_CREATE_PROT)
		return -EINVAL;
	if ((mc->flags & MAP_TYPE) != MAP_SHARED ||
	    !(mc->flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)))
		return -EINVAL;
	if (mc->flags & MAP_HUGETLB)
		return -EOPNOTSUPP;
	if (mc->flags & ~MSHARE_CREATE_FLAGS)
		return -EINVAL;
	if (!(mc->flags & MAP_ANONYMOUS))
		return mshare_check_file(mc);
	if (mc->fd != -1 || mc->offset)
		return -EINVAL;
	err = security_mmap_file(NULL, mc->prot, mc->flags);
	if (err)
		return err;

	mutex_lock(&r->lock);
	err = mshare_check_range(r, mc->region_offset, mc->size);
	if (!err) {
		op.mm = r->mm;
		op.addr = MSHARE_BASE + mc->region_offset;
		op.len = mc->size;
		op.prot = mc->prot;
		/* Never replace what is mapped: EEXIST on any overlap. */
		op.flags = MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE;
		err = mshare_run_host_op(&op);
	}
	mutex_unlock(&r->lock);
	return err;
}

static long mshare_unmap(struct mshare_region *r, const struct mshare_unmap *mu)
{
	struct mshare_host_op op = { .type = MSHARE_OP_UNMAP };
	long err;

	mutex_lock(&r->lock);
	err = mshare_check_range(r, mu->region_offset, mu->size);
	if (!err) {
		op.mm = r->mm;
		op.addr = MSHARE_BASE + mu->region_offset;
		op.len = mu->size;
		err = mshare_run_host_op(&op);
	}
	mutex_unlock(&r->lock);
	return err;
}

/*
 * The last sharer is gone (each sharer VMA holds a reference to the file),
 * so no process links the host's page tables any more: unmap everything
 * and free the tables that free_pgtables() kept, then the mm.
 */
static void mshare_destroy_host_mm(struct mshare_region *r)
{
	struct mshare_host_op op = {
		.type = MSHARE_OP_DESTROY,
		.mm = r->mm,
		.addr = MSHARE_BASE,
		.len = r->size,
	};

	mshare_run_host_op(&op);
	mmu_notifier_unregister(&r->mn, r->mm);
	mmput(r->mm);
	r->mm = NULL;
}

static long msharefs_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	struct mshare_region *r = file_inode(file)->i_private;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case MSHAREFS_CREATE_MAPPING: {
		struct mshare_create mc;

		if (!(file->f_mode & FMODE_WRITE))
			return -EBADF;
		if (copy_from_user(&mc, uarg, sizeof(mc)))
			return -EFAULT;
		return mshare_create_mapping(r, &mc);
	}
	case MSHAREFS_UNMAP: {
		struct mshare_unmap mu;

		if (!(file->f_mode & FMODE_WRITE))
			return -EBADF;
		if (copy_from_user(&mu, uarg, sizeof(mu)))
			return -EFAULT;
		return mshare_unmap(r, &mu);
	}
	default:
		return -ENOTTY;
	}
}

/*
 * Sharers.
 *
 * A sharer VMA maps a whole region, at a MSHARE_ALIGN-aligned address, so
 * that each of its MSHARE_ALIGN slots is one P4D entry of the sharer, which
 * points at the host's PUD table of the same slot once linked. Nothing else
 * of the sharer's page tables is used: faults, GUP's faults included, are
 * handled on the host VMA (mshare_handle_fault()), and zapping the sharer
 * VMA only unlinks (mshare_unlink_page_tables()).
 */

static struct mshare_region *mshare_vma_region(struct vm_area_struct *vma)
{
	return file_inode(vma->vm_file)->i_private;
}

/*
 * Point the sharer's P4D entry of @addr's slot at the host's PUD table. A
 * sharer mapping without PROT_WRITE gets the entry without _PAGE_RW, so
 * that the CPU refuses its writes whatever the host's PTEs allow (x86
 * ANDs the R/W bits of all levels). NX cannot be set the same way (p4d_bad()
 * refuses it without page table isolation), which is why regions are
 * never executable.
 */
static vm_fault_t mshare_link(struct vm_area_struct *vma, unsigned long addr,
			      struct mm_struct *host, unsigned long haddr)
{
	struct mm_struct *mm = vma->vm_mm;
	p4d_t hp4d = READ_ONCE(*mshare_host_p4d(host, haddr));
	vm_fault_t ret = 0;
	p4d_t *p4d, entry;

	/* The host's PUD tables exist, marked, as long as the region. */
	if (!mshare_pud_table(hp4d))
		return VM_FAULT_SIGBUS;
	entry = hp4d;
	if (!(vma->vm_flags & VM_WRITE))
		entry = __p4d(p4d_val(entry) & ~_PAGE_RW);

	p4d = p4d_alloc(mm, pgd_offset(mm, addr), addr);
	if (!p4d)
		return VM_FAULT_OOM;
	spin_lock(&mm->page_table_lock);
	if (p4d_none(*p4d))
		set_p4d(p4d, entry);
	else if (p4d_pfn(*p4d) != p4d_pfn(hp4d))
		ret = VM_FAULT_SIGBUS;	/* cannot happen: the VMA covers the slot */
	spin_unlock(&mm->page_table_lock);
	return ret;
}

static bool mshare_access_ok(struct vm_area_struct *hvma, unsigned int flags)
{
	if (flags & FAULT_FLAG_WRITE)
		return hvma->vm_flags & VM_WRITE;
	if (flags & FAULT_FLAG_INSTRUCTION)
		return hvma->vm_flags & VM_EXEC;
	return hvma->vm_flags & (VM_READ | VM_WRITE | VM_EXEC);
}

/* The host's mmap_lock nests inside the sharer's. */
static void mshare_host_read_lock(struct mm_struct *host)
{
	__mmap_lock_trace_start_locking(host, false);
	down_read_nested(&host->mmap_lock, SINGLE_DEPTH_NESTING);
	__mmap_lock_trace_acquire_returned(host, false, true);
}

/*
 * Called by handle_mm_fault() for a sharer VMA, with the sharer's mmap_lock
 * or VMA lock held (either keeps the VMA, and so the region, alive). Links
 * the slot's PUD table, then handles the fault on the host VMA under the
 * host's mmap_lock. The host fault may not retry: dropping the host's lock
 * would not drop the sharer's, which is what VM_FAULT_RETRY tells the
 * caller. Access to a part of the region where nothing is mapped, or with
 * an access the host mapping does not allow, is a SIGSEGV (GUP: EFAULT).
 */
vm_fault_t mshare_handle_fault(struct vm_area_struct *vma,
			       unsigned long address, unsigned int flags,
			       struct pt_regs *regs)
{
	struct mm_struct *host = mshare_vma_region(vma)->mm;
	unsigned long haddr = MSHARE_BASE + (address - vma->vm_start);
	struct mem_cgroup *memcg, *old_memcg;
	struct vm_area_struct *hvma;
	vm_fault_t ret;

	/*
	 * Not under the sharer's VMA lock: the host's mmap_lock nests in the
	 * sharer's mmap_lock only, in the order fork takes two mm's locks.
	 * Under a VMA lock, lockdep sees VMA lock -> mmap_lock/1 here and
	 * mmap_lock/1 -> VMA lock in dup_mmap(), a cycle of lock classes
	 * (found by make check-debug). Retry under the mmap_lock.
	 */
	if (flags & FAULT_FLAG_VMA_LOCK) {
		vma_end_read(vma);
		return VM_FAULT_RETRY;
	}

	ret = mshare_link(vma, address, host, haddr);
	if (ret)
		return ret;

	flags &= ~(FAULT_FLAG_ALLOW_RETRY | FAULT_FLAG_RETRY_NOWAIT |
		   FAULT_FLAG_VMA_LOCK | FAULT_FLAG_UNSHARE);
	/*
	 * What the fault allocates (the page, the host's page tables) is
	 * charged to the memcg of the mm whose mapping faulted, as a tmpfs
	 * page is charged to the memcg of the mm that faults it in. For a
	 * remote GUP that is the sharer's, not the caller's.
	 */
	memcg = get_mem_cgroup_from_mm(vma->vm_mm);
	old_memcg = set_active_memcg(memcg);
	mshare_host_read_lock(host);
	hvma = vma_lookup(host, haddr);
	if (!hvma || !mshare_access_ok(hvma, flags))
		ret = VM_FAULT_SIGSEGV;
	else
		ret = handle_mm_fault(hvma, haddr, flags, regs);
	mmap_read_unlock(host);
	set_active_memcg(old_memcg);
	mem_cgroup_put(memcg);
	return ret;
}

/*
 * For __mm_populate() (MAP_POPULATE, mlockall(MCL_CURRENT)), with the
 * sharer's mmap_lock held: narrow [*start, *end) of sharer @vma to the
 * first part that the host maps, from *start on. False if the host maps
 * nothing there. Holes would otherwise stop the population at the first
 * one, as faults there fail.
 */
bool mshare_populate_range(struct vm_area_struct *vma, unsigned long *start,
			   unsigned long *end)
{
	struct mm_struct *host = mshare_vma_region(vma)->mm;
	unsigned long hstart = MSHARE_BASE + (*start - vma->vm_start);
	unsigned long hend = MSHARE_BASE + (*end - vma->vm_start);
	struct vm_area_struct *hvma;

	mshare_host_read_lock(host);
	hvma = find_vma_intersection(host, hstart, hend);
	if (hvma) {
		hstart = max(hstart, hvma->vm_start);
		hend = min(hend, hvma->vm_end);
	}
	mmap_read_unlock(host);
	if (!hvma)
		return false;
	*start = vma->vm_start + (hstart - MSHARE_BASE);
	*end = vma->vm_start + (hend - MSHARE_BASE);
	return true;
}

/*
 * Called by unmap_page_range() instead of zapping a sharer VMA (munmap,
 * exit, the OOM reaper): clear the sharer's P4D entries of the slots in
 * [start, end), without touching the host's tables or pages. The sharer's
 * TLB is flushed by the caller's mmu_gather, paging-structure caches
 * included (freed_tables), over the whole slots, as the entries cleared
 * map them whole. Unlinking a whole slot for a partial range is fine: the
 * next access links it again.
 */
void mshare_unlink_page_tables(struct mmu_gather *tlb,
			       struct vm_area_struct *vma,
			       unsigned long start, unsigned long end)
{
	struct mm_struct *mm = vma->vm_mm;
	unsigned long addr;
	bool cleared = false;

	for (addr = ALIGN_DOWN(start, MSHARE_ALIGN); addr < end;
	     addr += MSHARE_ALIGN) {
		pgd_t *pgd = pgd_offset(mm, addr);
		p4d_t *p4d;

		if (pgd_none(*pgd))
			continue;
		p4d = p4d_offset(pgd, addr);
		spin_lock(&mm->page_table_lock);
		if (!p4d_none(*p4d)) {
			p4d_clear(p4d);
			cleared = true;
		}
		spin_unlock(&mm->page_table_lock);
	}
	if (cleared) {
		start = ALIGN_DOWN(start, MSHARE_ALIGN);
		end = ALIGN(end, MSHARE_ALIGN);
		tlb_flush_p4d_range(tlb, start, end - start);
		tlb->freed_tables = 1;
	}
}

/*
 * Does @mm map an mshare region? For __mmu_notifier_register(), which
 * refuses such an mm (with its mmap_lock held for writing).
 */
bool mshare_mm_maps_region(struct mm_struct *mm)
{
	VMA_ITERATOR(vmi, mm, 0);
	struct vm_area_struct *vma;

	mmap_assert_locked(mm);
	for_each_vma(vmi, vma)
		if (vma_is_mshare(vma))
			return true;
	return false;
}

static int msharefs_vm_may_split(struct vm_area_struct *vma,
				 unsigned long addr)
{
	return -EINVAL;
}

static int msharefs_vm_mprotect(struct vm_area_struct *vma,
				unsigned long start, unsigned long end,
				unsigned long newflags)
{
	return -EINVAL;
}

#ifdef CONFIG_NUMA
/*
 * No policy, and in particular no MPOL_F_MOF: NUMA balancing then leaves
 * sharer VMAs alone, instead of changing the protection of the host's
 * PTEs from a sharer.
 */
static struct mempolicy *msharefs_vm_get_policy(struct vm_area_struct *vma,
						unsigned long addr,
						pgoff_t *ilx)
{
	return NULL;
}

/*
 * mbind() and set_mempolicy_home_node(): a policy on a sharer VMA would
 * never be used, as faults are handled on the host VMA. EINVAL, as for
 * anything that changes a sharer VMA.
 */
static int msharefs_vm_set_policy(struct vm_area_struct *vma,
				  struct mempolicy *new)
{
	return -EINVAL;
}
#endif

const struct vm_operations_struct msharefs_vm_ops = {
	.may_split	= msharefs_vm_may_split,
	.mprotect	= msharefs_vm_mprotect,
#ifdef CONFIG_NUMA
	.get_policy	= msharefs_vm_get_policy,
	.set_policy	= msharefs_vm_set_policy,
#endif
};

/*
 * mmap() of a region: MAP_SHARED, the whole region (offset 0, length =
 * size), at a MSHARE_ALIGN-aligned address. Anything else is EINVAL, as
 * is a region whose size is not set. mmu notifiers registered on the
 * mm (KVM, ODP, HMM, SVA) would not be told of changes to the region's
 * page tables, which are made in the host mm: EBUSY, here and in
 * mmu_notifier_register(). Once an mm has had a notifier, it keeps its
 * notifier_subscriptions.
 *
 * Checked in msharefs_get_unmapped_area(), which mmap() calls before it
 * unmaps what a MAP_FIXED mapping replaces (a bad request must leave the
 * caller's mappings alone), and again in msharefs_mmap(), under the
 * mmap_lock that both hold.
 */
static int mshare_check_mapping(struct file *file, struct mm_struct *mm,
				unsigned long addr, unsigned long len,
				unsigned long pgoff, bool shared)
{
	struct mshare_region *r = file_inode(file)->i_private;
	/* Pairs with the release in the size's setter: r->mm is set. */
	unsigned long size = smp_load_acquire(&r->size);

	if (!shared)
		return -EINVAL;
	if (!size || pgoff || len != size || !IS_ALIGNED(addr, MSHARE_ALIGN))
		return -EINVAL;
	if (mm_has_notifiers(mm))
		return -EBUSY;
	return 0;
}

static int msharefs_mmap(struct file *file, struct vm_area_struct *vma)
{
	int err = mshare_check_mapping(file, vma->vm_mm, vma->vm_start,
				       vma->vm_end - vma->vm_start,
				       vma->vm_pgoff,
				       vma->vm_flags & VM_MAYSHARE);

	if (err)
		return err;
	/*
	 * VM_DONTEXPAND: no mremap() growth, no merging, no mlock accounting.
	 * VM_NOHUGEPAGE: khugepaged works on the host VMAs, never here.
	 */
	vm_flags_set(vma, VM_DONTEXPAND | VM_NOHUGEPAGE);
	vma->vm_ops = &msharefs_vm_ops;
	return 0;
}

/*
 * A MAP_FIXED request is checked (mshare_check_mapping()) before mmap()
 * unmaps anything at its address. Without MAP_FIXED, find a
 * MSHARE_ALIGN-aligned hole: an aligned hint is used if it is free,
 * otherwise the hole is searched like any mmap() and aligned up within it.
 */
static unsigned long msharefs_get_unmapped_area(struct file *file,
						unsigned long addr,
						unsigned long len,
						unsigned long pgoff,
						unsigned long flags)
{
	struct mm_struct *mm = current->mm;
	unsigned long ret;

	if (flags & MAP_FIXED) {
		int err = mshare_check_mapping(file, mm, addr, len, pgoff,
					       (flags & MAP_TYPE) != MAP_PRIVATE);

		if (err)
			return err;
		return addr;
	}
	if (len > mm->task_size - MSHARE_ALIGN)
		return -ENOMEM;
	if (addr && IS_ALIGNED(addr, MSHARE_ALIGN) &&
	    addr <= mm->task_size - len &&
	    !find_vma_intersection(mm, addr, addr + len))
		return addr;
	ret = mm_get_unmapped_area(mm, NULL, 0, len + MSHARE_ALIGN, 0, flags);
	if (IS_ERR_VALUE(ret))
		return ret;
	return ALIGN(ret, MSHARE_ALIGN);
}

/*
 * A region's memory is shared anonymous memory: there is nothing to write
 * back, so fsync() and msync(MS_SYNC) succeed, as on tmpfs.
 */
static const struct file_operations msharefs_region_fops = {
	.mmap		= msharefs_mmap,
	.fsync		= noop_fsync,
	.get_unmapped_area = msharefs_get_unmapped_area,
	.unlocked_ioctl	= msharefs_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static const struct inode_operations msharefs_region_inode_ops = {
	.setattr	= msharefs_region_setattr,
	.getattr	= simple_getattr,
};

static ssize_t msharefs_info_read(struct file *file, char __user *buf,
				  size_t count, loff_t *ppos)
{
	char s[24];
	int len;

	len = scnprintf(s, sizeof(s), "%lu\n", (unsigned long)MSHARE_ALIGN);
	return simple_read_from_buffer(buf, count, ppos, s, len);
}

static const struct file_operations msharefs_info_fops = {
	.read	= msharefs_info_read,
	.llseek	= default_llseek,
};

static int msharefs_info_setattr(struct mnt_idmap *idmap,
				 struct dentry *dentry, struct iattr *attr)
{
	if (attr->ia_valid & ATTR_SIZE)
		return -EPERM;
	return simple_setattr(idmap, dentry, attr);
}

static const struct inode_operations msharefs_info_inode_ops = {
	.setattr	= msharefs_info_setattr,
	.getattr	= simple_getattr,
};

static int msharefs_new(struct inode *dir, struct dentry *dentry, umode_t mode)
{
	struct inode *inode = msharefs_get_inode(dir->i_sb, dir, mode);
	int err;

	if (!inode)
		return -ENOMEM;
	err = security_inode_init_security(inode, dir, &dentry->d_name,
					   NULL, NULL);
	if (err) {
		iput(inode);
		return err;
	}
	d_instantiate(dentry, inode);
	dget(dentry);	/* pinned until unlink, like ramfs */
	inode_set_mtime_to_ts(dir, inode_set_ctime_current(dir));
	return 0;
}

static int msharefs_create(struct mnt_idmap *idmap, struct inode *dir,
			   struct dentry *dentry, umode_t mode, bool excl)
{
	return msharefs_new(dir, dentry, (mode & ~S_IFMT) | S_IFREG);
}

static int msharefs_mkdir(struct mnt_idmap *idmap, struct inode *dir,
			  struct dentry *dentry, umode_t mode)
{
	int err = msharefs_new(dir, dentry, (mode & ~S_IFMT) | S_IFDIR);

	if (!err)
		inc_nlink(dir);
	return err;
}

static int msharefs_unlink(struct inode *dir, struct dentry *dentry)
{
	if (d_inode(dentry)->i_fop == &msharefs_info_fops)
		return -EPERM;
	return simple_unlink(dir, dentry);
}

static const struct inode_operations msharefs_dir_inode_ops = {
	.create		= msharefs_create,
	.lookup		= simple_lookup,
	.unlink		= msharefs_unlink,
	.mkdir		= msharefs_mkdir,
	.rmdir		= simple_rmdir,
};

static void msharefs_evict_inode(struct inode *inode)
{
	struct mshare_region *r = NULL;

	if (is_msharefs_region(inode))
		r = inode->i_private;
	truncate_inode_pages_final(&inode->i_data);
	clear_inode(inode);
	if (r) {
		if (r->mm)
			mshare_destroy_host_mm(r);
		kfree(r);
	}
}

static const struct super_operations msharefs_sops = {
	.statfs		= simple_statfs,
	.drop_inode	= generic_delete_inode,
	.evict_inode	= msharefs_evict_inode,
};

static int msharefs_fill_super(struct super_block *sb, struct fs_context *fc)
{
	struct inode *root, *info;
	struct dentry *dentry;

	sb->s_blocksize = PAGE_SIZE;
	sb->s_blocksize_bits = PAGE_SHIFT;
	sb->s_maxbytes = MSHARE_MAX_SIZE;
	sb->s_magic = MSHARE_MAGIC;
	sb->s_op = &msharefs_sops;
	sb->s_time_gran = 1;
	sb->s_iflags |= SB_I_NOEXEC;	/* regions are never executable */

	root = msharefs_get_inode(sb, NULL, S_IFDIR | 0755);
	sb->s_root = d_make_root(root);
	if (!sb->s_root)
		return -ENOMEM;

	dentry = d_alloc_name(sb->s_root, "mshare_info");
	if (!dentry)
		return -ENOMEM;
	info = new_inode(sb);
	if (!info) {
		dput(dentry);
		return -ENOMEM;
	}
	info->i_ino = get_next_ino();
	inode_init_owner(&nop_mnt_idmap, info, root, S_IFREG | 0444);
	simple_inode_init_ts(info);
	info->i_op = &msharefs_info_inode_ops;
	info->i_fop = &msharefs_info_fops;
	d_add(dentry, info);	/* the reference stays with the tree */
	return 0;
}

static int msharefs_get_tree(struct fs_context *fc)
{
	return get_tree_nodev(fc, msharefs_fill_super);
}

static const struct fs_context_operations msharefs_context_ops = {
	.get_tree	= msharefs_get_tree,
};

static int msharefs_init_fs_context(struct fs_context *fc)
{
	fc->ops = &msharefs_context_ops;
	return 0;
}

static struct file_system_type msharefs_type = {
	.owner			= THIS_MODULE,
	.name			= "msharefs",
	.init_fs_context	= msharefs_init_fs_context,
	.kill_sb		= kill_litter_super,
};

static int __init msharefs_init(void)
{
	int err;

	err = sysfs_create_mount_point(fs_kobj, "mshare");
	if (err)
		return err;
	err = register_filesystem(&msharefs_type);
	if (err)
		sysfs_remove_mount_point(fs_kobj, "mshare");
	return err;
}
fs_initcall(msharefs_init);
