// SPDX-License-Identifier: GPL-2.0-only
/* No release of the stored page in this file: refuse, report. */
static int foo_keep(struct foo *f, unsigned long uaddr)
{
	return get_user_pages_fast(uaddr, 1, FOLL_WRITE, &f->keep_page);
}
