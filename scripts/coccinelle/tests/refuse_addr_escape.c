// SPDX-License-Identifier: GPL-2.0-only
/*
 * The spapr tce shape: one page is taken and only its physical address
 * is handed back (*hpa), to be written into the device's table; the page
 * is released from an address read back from that table.  No release is
 * tied to the GUP call, and the refusal names where the address went.
 */
static void tce_unuse_page(unsigned long hpa)
{
	struct page *page;

	page = pfn_to_page(hpa >> PAGE_SHIFT);
	put_page(page);
}

static int tce_use_page(unsigned long tce, unsigned long *hpa)
{
	struct page *page = NULL;

	if (get_user_pages_fast(tce & PAGE_MASK, 1, FOLL_WRITE, &page) != 1)
		return -EFAULT;

	*hpa = __pa((unsigned long) page_address(page));

	return 0;
}
