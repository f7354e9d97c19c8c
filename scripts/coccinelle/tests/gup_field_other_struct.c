// SPDX-License-Identifier: GPL-2.0-only
/*
 * The habanalabs memory.c shape: the pages are kept in userptr->pages of
 * struct hl_userptr; another file of the directory
 * (gup_field_other_struct.aux.c) uses a field of the same name, ->pages,
 * but of another struct (an array of u64 addresses).  That is not a use
 * of the pages.  Both structs are defined in a header of the directory
 * (gup_field_other_struct.aux.h).
 */
#include "gup_field_other_struct.aux.h"

static int pin_user_buf(struct hl_userptr *userptr, u64 start, u32 npages)
{
	int rc;

	userptr->pages = kvmalloc_array(npages, sizeof(struct page *),
					GFP_KERNEL);
	if (!userptr->pages)
		return -ENOMEM;

	rc = get_user_pages_fast(start, npages, FOLL_WRITE | FOLL_LONGTERM,
				 userptr->pages);
	if (rc != npages) {
		if (rc < 0)
			goto destroy_pages;
		npages = rc;
		rc = -EFAULT;
		goto put_pages;
	}
	userptr->npages = npages;
	return 0;

put_pages:
	release_pages(userptr->pages, npages);
destroy_pages:
	kvfree(userptr->pages);
	return rc;
}

static void unpin_user_buf(struct hl_userptr *userptr)
{
	put_user_pages_dirty_lock(userptr->pages, userptr->npages, true);
	kvfree(userptr->pages);
}
