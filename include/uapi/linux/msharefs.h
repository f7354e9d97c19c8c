/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * msharefs: regions of address space whose page tables are shared by the
 * processes that map them. See Documentation/filesystems/msharefs.rst.
 *
 * A region is a file on msharefs. Its size is set once with ftruncate() to
 * a multiple of the alignment read from the "mshare_info" file. These
 * ioctls, on a file descriptor of the region opened for writing, map and
 * unmap memory inside the region. Offsets and sizes are in bytes, relative
 * to the start of the region, and must be multiples of the page size.
 */
#ifndef _UAPI_LINUX_MSHAREFS_H
#define _UAPI_LINUX_MSHAREFS_H

#include <linux/ioctl.h>
#include <linux/types.h>

/**
 * struct mshare_create - map memory into a region
 * @region_offset: where the mapping starts, from the start of the region
 * @size: length of the mapping
 * @offset: offset into @fd's file; 0 for anonymous memory
 * @prot: PROT_READ, PROT_WRITE, PROT_EXEC (not PROT_EXEC alone)
 * @flags: MAP_SHARED | MAP_FIXED (or MAP_FIXED_NOREPLACE) | MAP_ANONYMOUS;
 *	an existing mapping is never replaced: an overlap fails with EEXIST
 * @fd: -1 for anonymous memory
 * @reserved: must be zero
 *
 * The layout and size (40 bytes) are those of mshare v3, whose structure
 * ends in 4 bytes of implicit padding; here they are named so that they
 * can be checked and so that the size is the same for 32-bit callers.
 */
struct mshare_create {
	__u64 region_offset;
	__u64 size;
	__u64 offset;
	__u32 prot;
	__u32 flags;
	__s32 fd;
	__u32 reserved;
};

/**
 * struct mshare_unmap - unmap memory from a region
 * @region_offset: where the range starts, from the start of the region
 * @size: length of the range
 */
struct mshare_unmap {
	__u64 region_offset;
	__u64 size;
};

#define MSHAREFS_CREATE_MAPPING	_IOW('x', 0, struct mshare_create)
#define MSHAREFS_UNMAP		_IOW('x', 1, struct mshare_unmap)

#endif /* _UAPI_LINUX_MSHAREFS_H */
