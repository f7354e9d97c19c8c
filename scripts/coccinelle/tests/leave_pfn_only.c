// SPDX-License-Identifier: GPL-2.0-only
/*
 * pin_user_pages.rst cases 3/4: the reference only serves to look up the
 * pfn (sgi-gru) or to inspect the struct page (iommufd selftest); it is
 * dropped at once.  Left alone, reported.
 */
static int pte_lookup(unsigned long vaddr, int write, unsigned long *paddr)
{
	struct page *page;

	if (get_user_pages(vaddr, 1, write ? FOLL_WRITE : 0, &page) <= 0)
		return -EFAULT;
	*paddr = page_to_phys(page);
	put_page(page);
	return 0;
}

static int check_refs(void __user *uptr, unsigned int refs)
{
	struct page *pages[1];
	long npages;

	npages = get_user_pages_fast((uintptr_t)uptr, 1, 0, pages);
	if (npages < 0)
		return npages;
	if (WARN_ON(npages != 1))
		return -EFAULT;
	if (page_ref_count(pages[0]) / GUP_PIN_COUNTING_BIAS != refs) {
		put_page(pages[0]);
		return -EIO;
	}
	put_page(pages[0]);
	return 0;
}
