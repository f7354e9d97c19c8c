// SPDX-License-Identifier: GPL-2.0-only
/*
 * The iommufd pages.c shape: sink_fill() takes the pages into the array
 * its caller gives, through a field it assigns from the parameter
 * ("s->upages = out").  Its only caller is in xfile_assign_param.aux.c,
 * in the group: the assignment joins the parameter to the page storage,
 * so that file is joined too, every caller is seen, and the call
 * converts with the release.
 */
struct sink {
	struct page **upages;
	int n;
};

int sink_fill(struct sink *s, unsigned long uaddr, int n, struct page **out)
{
	int got;

	s->upages = out;
	got = get_user_pages_fast(uaddr, n, FOLL_WRITE, s->upages);
	if (got < 0)
		return got;
	s->n = got;
	return got;
}

void sink_drop(struct sink *s)
{
	release_pages(s->upages, s->n);
	s->n = 0;
}
