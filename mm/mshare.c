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
 * file is closed, or when msharefs is unmounted.
 *
 * Mapping a region into processes (mmap() of the file, with the host's PUD
 * tables linked into each process) is not implemented yet: mmap() fails
 * with ENODEV. See Documentation/filesystems/msharefs.rst.
 */

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/init.h>
#include <linux/kobject.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/mutex.h>
#include <linux/pagemap.h>
#include <linux/sched/mm.h>
#include <linux/security.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/workqueue.h>
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
#define MSHARE_CREATE_PROT	(PROT_READ | PROT_WRITE | PROT_EXEC)

struct mshare_region {
	struct mutex lock;	/* serialises size changes and ioctls */
	struct mm_struct *mm;	/* host mm; NULL until the size is set */
	unsigned long size;	/* 0 until set by ftruncate() */
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
 * is cleared and charges made through the host mm go to the root memcg
 * until ownership is implemented.
 */
static struct mm_struct *mshare_alloc_host_mm(unsigned long size)
{
	struct mm_struct *mm = mm_alloc();

	if (!mm)
		return NULL;
#ifdef CONFIG_MEMCG
	RCU_INIT_POINTER(mm->owner, NULL);
#endif
	mm->mmap_base = MSHARE_BASE;
	mm->task_size = MSHARE_BASE + size;
	return mm;
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
	r->mm = mm;
	r->size = size;
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
struct mshare_host_op {
	struct work_struct work;
	struct mm_struct *mm;
	unsigned long addr;
	unsigned long len;
	unsigned long prot;
	unsigned long flags;
	bool unmap;
	long ret;
};

static void mshare_host_op_fn(struct work_struct *work)
{
	struct mshare_host_op *op = container_of(work, struct mshare_host_op, work);
	unsigned long populate, addr;

	kthread_use_mm(op->mm);
	mmap_write_lock(op->mm);
	if (op->unmap) {
		op->ret = do_munmap(op->mm, op->addr, op->len, NULL);
	} else {
		addr = do_mmap(NULL, op->addr, op->len, op->prot, op->flags,
			       0, 0, &populate, NULL);
		op->ret = IS_ERR_VALUE(addr) ? (long)addr : 0;
	}
	mmap_write_unlock(op->mm);
	kthread_unuse_mm(op->mm);
}

static long mshare_run_host_op(struct mshare_host_op *op)
{
	INIT_WORK_ONSTACK(&op->work, mshare_host_op_fn);
	queue_work(system_unbound_wq, &op->work);
	flush_work(&op->work);
	destroy_work_on_stack(&op->work);
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
	struct mshare_host_op op = { .unmap = false };
	long err;

	if (mc->reserved)
		return -EINVAL;
	/*
	 * Execute-only memory would take an x86 protection key in the host
	 * mm, which the PKRU of the processes sharing it knows nothing about.
	 */
	if ((mc->prot & ~MSHARE_CREATE_PROT) || mc->prot == PROT_EXEC)
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
	struct mshare_host_op op = { .unmap = true };
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

/* No .mmap yet: mmap() of a region fails with ENODEV. */
static const struct file_operations msharefs_region_fops = {
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
			mmput(r->mm);
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
