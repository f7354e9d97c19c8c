// SPDX-License-Identifier: GPL-2.0
/*
 * HugeTLB high-granularity mapping (CONFIG_HUGETLB_HGM): the MADV_SPLIT
 * opt-in.
 *
 * For the 2 MiB and the 1 GiB hstate (each when it has free pages):
 * MADV_SPLIT on shared hugetlbfs (memfd) and shared anonymous hugetlb
 * mappings sets the "hm" VmFlag on exactly the range asked for, keeps the
 * data, and is a no-op success the second time; unaligned, zero-length and
 * partly unmapped ranges, private hugetlb mappings and non-hugetlb memory
 * give the documented errors and change no VMA. mremap, fork and mprotect
 * of a split VMA keep the flag. On the 2 MiB hstate, two 1 GiB views of one
 * file share PMD page tables until one of them is split, and never again.
 *
 * Without CONFIG_HUGETLB_HGM, MADV_SPLIT is an unknown advice (EINVAL) and
 * every case is skipped with that reason.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/mman.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <linux/memfd.h>
#include "../kselftest.h"
#include "vm_util.h"

#define SZ_2M	(2UL * 1024 * 1024)
#define SZ_1G	(1024UL * 1024 * 1024)

static size_t pagesize;
static int pagemap_fd;
static const char *skip_all;	/* reason to skip everything, or NULL */

struct vma {
	unsigned long start, end;
	char flags[1024];
};

/* The VMA containing @addr, from /proc/self/smaps. */
static bool find_vma(const void *addr, struct vma *v)
{
	unsigned long a = (unsigned long)addr, s, e;
	bool in = false, found = false;
	char line[1024];
	FILE *f;

	f = fopen("/proc/self/smaps", "r");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &s, &e) == 2) {
			in = s <= a && a < e;
			if (in) {
				v->start = s;
				v->end = e;
			}
			continue;
		}
		if (in && !strncmp(line, "VmFlags:", 8)) {
			snprintf(v->flags, sizeof(v->flags), "%s", line + 8);
			found = true;
			break;
		}
	}
	fclose(f);
	return found;
}

static bool has_flag(const struct vma *v, const char *fl)
{
	char buf[sizeof(v->flags)], *tok, *save;

	snprintf(buf, sizeof(buf), "%s", v->flags);
	for (tok = strtok_r(buf, "\n ", &save); tok;
	     tok = strtok_r(NULL, "\n ", &save))
		if (!strcmp(tok, fl))
			return true;
	return false;
}

/* Is [start, end) exactly one VMA, with or without the "hm" flag? */
static bool expect_vma(const char *start, size_t len, bool hm)
{
	struct vma v;

	if (!find_vma(start, &v)) {
		ksft_print_msg("no VMA at %p in smaps\n", start);
		return false;
	}
	if (v.start != (unsigned long)start ||
	    v.end != (unsigned long)start + len || has_flag(&v, "hm") != hm) {
		ksft_print_msg("VMA %lx-%lx flags%s: want %p-%p %s \"hm\"\n",
			       v.start, v.end, strtok(v.flags, "\n"), start,
			       start + len, hm ? "with" : "without");
		return false;
	}
	return true;
}

/* Is the page at @addr mapped in this process's page tables? */
static bool present(const char *addr)
{
	return pagemap_get_entry(pagemap_fd, (char *)addr) & (1ULL << 63);
}

/* @len bytes of address space aligned to @align, reserved PROT_NONE. */
static char *reserve(size_t len, size_t align)
{
	char *p, *a;

	p = mmap(NULL, len + align, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	a = (char *)(((unsigned long)p + align - 1) & ~(align - 1));
	if (a > p)
		munmap(p, a - p);
	munmap(a + len, p + align - a);
	return a;
}

static int log2ul(unsigned long x)
{
	return 63 - __builtin_clzl(x);
}

static int hugetlb_memfd(size_t hs, size_t len)
{
	int fd = memfd_create("hugetlb_hgm",
			      MFD_HUGETLB | (log2ul(hs) << MFD_HUGE_SHIFT));

	if (fd < 0) {
		ksft_print_msg("memfd_create(MFD_HUGETLB): %s\n", strerror(errno));
		return -1;
	}
	if (ftruncate(fd, len)) {
		ksft_print_msg("ftruncate: %s\n", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Map @len of @fd (or anonymous hugetlb memory when @fd is -1) at an
 * address aligned to @align. MAP_NORESERVE: the tests touch few pages,
 * and the 1 GiB pool has only two.
 */
static char *map_at(size_t len, size_t align, int flags, int fd, size_t hs)
{
	char *p = reserve(len, align), *q;

	if (!p)
		return NULL;
	if (fd < 0)
		flags |= MAP_ANONYMOUS | MAP_HUGETLB |
			 (log2ul(hs) << MAP_HUGE_SHIFT);
	q = mmap(p, len, PROT_READ | PROT_WRITE,
		 flags | MAP_FIXED | MAP_NORESERVE, fd, 0);
	if (q == MAP_FAILED) {
		ksft_print_msg("mmap of %zu bytes: %s\n", len, strerror(errno));
		munmap(p, len);
		return NULL;
	}
	return q;
}

/* A shared mapping of a fresh hugetlb memfd of @len bytes. */
static char *map_shared(size_t hs, size_t len, int *fdp)
{
	int fd = hugetlb_memfd(hs, len);
	char *p;

	if (fd < 0)
		return NULL;
	p = map_at(len, hs, MAP_SHARED, fd, hs);
	if (!p) {
		close(fd);
		return NULL;
	}
	*fdp = fd;
	return p;
}

static void unmap(char *p, size_t len, int fd)
{
	munmap(p, len);
	if (fd >= 0)
		close(fd);
}

static int split(void *p, size_t len)
{
	return madvise(p, len, MADV_SPLIT) ? errno : 0;
}

static bool expect_err(int err, int want, const char *what)
{
	if (err == want)
		return true;
	ksft_print_msg("%s: MADV_SPLIT returned %s, want %s\n", what,
		       err ? strerror(err) : "0", want ? strerror(want) : "0");
	return false;
}

static unsigned long free_pages(size_t hs)
{
	char path[128];
	unsigned long n = 0;
	FILE *f;

	snprintf(path, sizeof(path),
		 "/sys/kernel/mm/hugepages/hugepages-%zukB/free_hugepages",
		 hs >> 10);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%lu", &n) != 1)
		n = 0;
	fclose(f);
	return n;
}

/* ---- the cases ------------------------------------------------------ */

/* Split a whole 2-page mapping; the data written before survives. */
static bool t_whole(size_t hs)
{
	size_t len = 2 * hs;
	bool ok = true;
	int fd, err;
	char *p = map_shared(hs, len, &fd);

	if (!p)
		return false;
	memset(p, 0x5a, pagesize);
	memset(p + hs - pagesize, 0xa5, pagesize);
	err = split(p, len);
	ok &= expect_err(err, 0, "whole mapping");
	ok &= expect_vma(p, len, true);
	if (p[0] != 0x5a || p[pagesize - 1] != 0x5a ||
	    p[hs - pagesize] != (char)0xa5 || p[hs - 1] != (char)0xa5) {
		ksft_print_msg("data written before MADV_SPLIT changed\n");
		ok = false;
	}
	p[hs / 2] = 0x3c;
	if (p[hs / 2] != 0x3c) {
		ksft_print_msg("write after MADV_SPLIT not visible\n");
		ok = false;
	}
	unmap(p, len, fd);
	return ok;
}

/* A second MADV_SPLIT of a split range succeeds and changes nothing. */
static bool t_twice(size_t hs)
{
	size_t len = 2 * hs;
	bool ok = true;
	int fd;
	char *p = map_shared(hs, len, &fd);

	if (!p)
		return false;
	ok &= expect_err(split(p, len), 0, "first");
	ok &= expect_err(split(p, len), 0, "second");
	ok &= expect_err(split(p + hs, hs), 0, "second half again");
	ok &= expect_vma(p, len, true);
	unmap(p, len, fd);
	return ok;
}

/* Splitting the middle huge page splits the VMA in three. */
static bool t_middle(size_t hs)
{
	size_t len = 3 * hs;
	bool ok = true;
	int fd;
	char *p = map_shared(hs, len, &fd);

	if (!p)
		return false;
	ok &= expect_err(split(p + hs, hs), 0, "middle");
	ok &= expect_vma(p, hs, false);
	ok &= expect_vma(p + hs, hs, true);
	ok &= expect_vma(p + 2 * hs, hs, false);
	unmap(p, len, fd);
	return ok;
}

/* Ranges that do not start and end on huge page boundaries. */
static bool t_unaligned(size_t hs)
{
	size_t len = 3 * hs;
	bool ok = true;
	int fd;
	char *p = map_shared(hs, len, &fd);

	if (!p)
		return false;
	ok &= expect_err(split(p + pagesize, hs), EINVAL, "start + 4 KiB");
	ok &= expect_err(split(p + hs - pagesize, hs + pagesize), EINVAL,
			 "start - 4 KiB, aligned end");
	ok &= expect_err(split(p, hs + pagesize), EINVAL, "end + 4 KiB");
	ok &= expect_err(split(p, hs - pagesize), EINVAL, "end - 4 KiB");
	ok &= expect_err(split(p + hs, 1), EINVAL, "length 1");
	ok &= expect_err(split(p + 1, hs), EINVAL, "start not page-aligned");
	ok &= expect_err(split(p + hs, -pagesize), EINVAL, "length wraps");
	/* Nothing may have been split on the way to the error. */
	ok &= expect_vma(p, len, false);
	unmap(p, len, fd);
	return ok;
}

/* A zero length succeeds and does nothing, as for every madvise. */
static bool t_zero(size_t hs)
{
	bool ok = true;
	int fd;
	char *p = map_shared(hs, hs, &fd);

	if (!p)
		return false;
	ok &= expect_err(split(p, 0), 0, "zero length");
	ok &= expect_vma(p, hs, false);
	unmap(p, hs, fd);
	return ok;
}

/*
 * A range past the end of the VMA: ENOMEM, the mapped part is split. One
 * more huge page is reserved behind the mapping and unmapped again, so that
 * the range past the end is a hole and not some other mapping (which would
 * give EINVAL: not hugetlb).
 */
static bool t_past_end(size_t hs)
{
	size_t len = 2 * hs;
	bool ok = true;
	int fd = hugetlb_memfd(hs, len);
	char *p, *q;

	if (fd < 0)
		return false;
	p = reserve(len + hs, hs);
	if (!p) {
		close(fd);
		return false;
	}
	q = mmap(p, len, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED | MAP_NORESERVE, fd, 0);
	if (q == MAP_FAILED) {
		ksft_print_msg("mmap of %zu bytes: %s\n", len, strerror(errno));
		munmap(p, len + hs);
		close(fd);
		return false;
	}
	munmap(p + len, hs);
	ok &= expect_err(split(p, len + hs), ENOMEM, "past the end");
	ok &= expect_vma(p, len, true);
	unmap(p, len, fd);
	return ok;
}

/* Private mappings of a hugetlbfs file, and private anonymous hugetlb. */
static bool t_private(size_t hs)
{
	bool ok = true;
	int fd = hugetlb_memfd(hs, hs);
	char *p;

	if (fd < 0)
		return false;
	p = map_at(hs, hs, MAP_PRIVATE, fd, hs);
	if (!p) {
		close(fd);
		return false;
	}
	ok &= expect_err(split(p, hs), EINVAL, "private hugetlbfs");
	ok &= expect_vma(p, hs, false);
	unmap(p, hs, fd);

	p = map_at(hs, hs, MAP_PRIVATE, -1, hs);
	if (!p)
		return false;
	ok &= expect_err(split(p, hs), EINVAL, "private anonymous hugetlb");
	ok &= expect_vma(p, hs, false);
	unmap(p, hs, -1);
	return ok;
}

/* Shared anonymous hugetlb is a hidden hugetlbfs file: accepted. */
static bool t_shared_anon(size_t hs)
{
	bool ok = true;
	char *p = map_at(hs, hs, MAP_SHARED, -1, hs);

	if (!p)
		return false;
	ok &= expect_err(split(p, hs), 0, "shared anonymous hugetlb");
	ok &= expect_vma(p, hs, true);
	unmap(p, hs, -1);
	return ok;
}

/* mremap, fork and mprotect keep the flag (they are not refused yet). */
static bool t_copies(size_t hs)
{
	size_t len = 2 * hs;
	bool ok = true;
	int fd, status;
	char *p = map_shared(hs, len, &fd), *q;
	pid_t pid;

	if (!p)
		return false;
	ok &= expect_err(split(p, len), 0, "split");

	pid = fork();
	if (pid < 0)
		return false;
	if (!pid)
		_exit(expect_vma(p, len, true) ? 0 : 1);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		ksft_print_msg("fork: the child's VMA lost the flag\n");
		ok = false;
	}

	ok &= !mprotect(p, hs, PROT_READ);
	ok &= expect_vma(p, hs, true);
	ok &= expect_vma(p + hs, hs, true);

	/* mprotect split the VMA in two: move the second half. */
	q = reserve(hs, hs);
	if (!q)
		return false;
	if (mremap(p + hs, hs, hs, MREMAP_MAYMOVE | MREMAP_FIXED, q) != q) {
		ksft_print_msg("mremap: %s\n", strerror(errno));
		ok = false;
	} else {
		ok &= expect_vma(q, hs, true);
	}
	munmap(p, len);
	unmap(q, hs, fd);
	return ok;
}

/*
 * Two 1 GiB views of one file share PMD page tables (x86_64's
 * CONFIG_HUGETLB_PMD_PAGE_TABLE_SHARING): a page faulted in through one
 * is present in the other without a fault there. MADV_SPLIT on one view
 * must end that, for the pages mapped before and after it.
 */
static const char *t_pmd_share(size_t hs, bool *ok)
{
	size_t len = SZ_1G;
	char *a, *b;
	int fd;

	*ok = false;
	fd = hugetlb_memfd(hs, len);
	if (fd < 0)
		return NULL;
	a = map_at(len, len, MAP_SHARED, fd, hs);
	b = map_at(len, len, MAP_SHARED, fd, hs);
	if (!a || !b) {
		ksft_print_msg("cannot map two 1 GiB-aligned views\n");
		close(fd);
		return NULL;
	}
	a[0] = 1;
	if (b[0] != 1) {
		unmap(a, len, -1);
		unmap(b, len, fd);
		return NULL;
	}
	a[hs] = 2;
	if (!present(b + hs)) {
		unmap(a, len, -1);
		unmap(b, len, fd);
		return "no PMD sharing between two views of one file";
	}
	*ok = true;
	*ok &= expect_err(split(b, len), 0, "split one view");
	*ok &= expect_vma(b, len, true);
	if (present(b) || present(b + hs)) {
		ksft_print_msg("the split view still maps the shared table\n");
		*ok = false;
	}
	a[2 * hs] = 3;
	if (present(b + 2 * hs)) {
		ksft_print_msg("page faulted via the other view mapped in the split one\n");
		*ok = false;
	}
	b[3 * hs] = 4;
	if (present(a + 3 * hs)) {
		ksft_print_msg("page faulted via the split view mapped in the other\n");
		*ok = false;
	}
	if (b[0] != 1 || b[hs] != 2 || b[2 * hs] != 3 || a[3 * hs] != 4) {
		ksft_print_msg("data differs between the views\n");
		*ok = false;
	}
	unmap(a, len, -1);
	unmap(b, len, fd);
	return NULL;
}

/* Memory that is not hugetlb: anonymous, shmem, a regular file. */
static bool t_not_hugetlb(void)
{
	size_t len = 4 * pagesize;
	bool ok = true;
	char *p;
	int fd;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return false;
	ok &= expect_err(split(p, len), EINVAL, "private anonymous");
	munmap(p, len);

	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return false;
	ok &= expect_err(split(p, len), EINVAL, "shared anonymous (shmem)");
	munmap(p, len);

	fd = memfd_create("hugetlb_hgm_shmem", 0);
	if (fd < 0 || ftruncate(fd, len))
		return false;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return false;
	ok &= expect_err(split(p, len), EINVAL, "shmem memfd");
	ok &= expect_vma(p, len, false);
	unmap(p, len, fd);

	fd = open("/proc/self/exe", O_RDONLY);
	if (fd < 0)
		return false;
	p = mmap(NULL, pagesize, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		return false;
	ok &= expect_err(split(p, pagesize), EINVAL, "regular file");
	unmap(p, pagesize, fd);
	return ok;
}

struct hcase {
	const char *name;
	bool (*fn)(size_t hs);
};

static const struct hcase hcases[] = {
	{ "split a whole shared mapping, data kept", t_whole },
	{ "split twice: no-op success", t_twice },
	{ "split the middle huge page: three VMAs", t_middle },
	{ "unaligned and garbage ranges: EINVAL, no VMA change", t_unaligned },
	{ "zero length: success, no VMA change", t_zero },
	{ "range past the end of the VMA: ENOMEM", t_past_end },
	{ "private hugetlbfs and private anonymous hugetlb: EINVAL", t_private },
	{ "shared anonymous hugetlb: split", t_shared_anon },
	{ "fork, mprotect and mremap keep the flag", t_copies },
};

#define NR_HCASES	ARRAY_SIZE(hcases)

static void run_size(size_t hs)
{
	unsigned long nfree = free_pages(hs);
	const char *skip = skip_all;
	char reason[128];
	unsigned int i;
	bool ok;

	if (!skip && !nfree) {
		snprintf(reason, sizeof(reason),
			 "no free %zu kB huge pages", hs >> 10);
		skip = reason;
	}
	for (i = 0; i < NR_HCASES; i++) {
		if (skip) {
			ksft_test_result_skip("%s (%zu kB): %s\n",
					      hcases[i].name, hs >> 10, skip);
			continue;
		}
		ksft_test_result(hcases[i].fn(hs), "%s (%zu kB)\n",
				 hcases[i].name, hs >> 10);
	}
	if (hs != SZ_2M)
		return;
	if (!skip && nfree < 4) {
		snprintf(reason, sizeof(reason), "%lu free 2048 kB pages, need 4",
			 nfree);
		skip = reason;
	}
	if (!skip)
		skip = t_pmd_share(hs, &ok);
	if (skip)
		ksft_test_result_skip("split view stops sharing PMD tables (2048 kB): %s\n",
				      skip);
	else
		ksft_test_result(ok, "split view stops sharing PMD tables (2048 kB)\n");
}

/* Is MADV_SPLIT known at all? EINVAL on a valid range means no. */
static void probe(void)
{
	size_t sizes[] = { SZ_2M, SZ_1G };
	unsigned int i;
	int fd, err;
	char *p;

	for (i = 0; i < 2; i++) {
		p = map_shared(sizes[i], sizes[i], &fd);
		if (!p)
			continue;
		err = split(p, sizes[i]);
		unmap(p, sizes[i], fd);
		if (err == EINVAL)
			skip_all = "MADV_SPLIT: EINVAL (kernel without CONFIG_HUGETLB_HGM)";
		else if (err)
			ksft_exit_fail_msg("MADV_SPLIT of a new mapping: %s\n", strerror(err));
		return;
	}
	skip_all = "cannot map a shared hugetlb memfd of 2 MiB or 1 GiB pages";
}

int main(void)
{
	pagesize = getpagesize();
	ksft_print_header();
	ksft_set_plan(2 * NR_HCASES + 1 + 1);

	pagemap_fd = open("/proc/self/pagemap", O_RDONLY);
	if (pagemap_fd < 0)
		ksft_exit_fail_msg("/proc/self/pagemap: %s\n", strerror(errno));
	probe();
	if (skip_all)
		ksft_print_msg("%s\n", skip_all);

	if (skip_all)
		ksft_test_result_skip("non-hugetlb memory: EINVAL: %s\n", skip_all);
	else
		ksft_test_result(t_not_hugetlb(), "non-hugetlb memory: EINVAL\n");
	run_size(SZ_2M);
	run_size(SZ_1G);
	ksft_finished();
}
