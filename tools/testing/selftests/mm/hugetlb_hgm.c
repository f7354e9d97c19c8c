// SPDX-License-Identifier: GPL-2.0
/*
 * HugeTLB high-granularity mapping (CONFIG_HUGETLB_HGM): the MADV_SPLIT
 * opt-in, 4 KiB UFFDIO_CONTINUE and minor faults, and what is refused.
 *
 * For the 2 MiB and the 1 GiB hstate (each when it has free pages):
 * MADV_SPLIT on shared hugetlbfs (memfd) and shared anonymous hugetlb
 * mappings sets the "hm" VmFlag on exactly the range asked for, keeps the
 * data, and gives EEXIST (changing no VMA) over a range that has a split
 * VMA in it; unaligned, zero-length and
 * partly unmapped ranges, private hugetlb mappings and non-hugetlb memory
 * give the documented errors and change no VMA. fork keeps the flag;
 * mprotect, mremap and uffd-wp registration of a split VMA, and MADV_SPLIT
 * of a uffd-wp one, give EINVAL. On the 2 MiB hstate, two 1 GiB views of
 * one file share PMD page tables until one of them is split, and never
 * again.
 *
 * On a split VMA registered for minor faults: UFFDIO_CONTINUE of 4 KiB
 * pieces in random order maps exactly those pieces (pagemap: present, the
 * folio's pfn + index; neighbours absent) with the right contents; minor
 * faults are reported at PAGE_SIZE and resolved by 4 KiB CONTINUEs; in
 * SIGBUS mode only the unmapped pieces fault; bad CONTINUEs give EINVAL,
 * EEXIST or EFAULT; after UFFDIO_UNREGISTER a fault next to 4 KiB mappings
 * maps 4 KiB; /proc/kpagecount counts one per 4 KiB leaf and is 0 again
 * after munmap, MADV_DONTNEED and punch-hole; gup_test long-term
 * pins (GUP-slow and GUP-fast) of 4 KiB pieces are listed by the pin
 * tracker at exactly their pfns and balanced in /proc/vmstat.
 *
 * MADV_COLLAPSE maps huge pages with 4 KiB mappings whole again (kpagecount
 * 1, smaps the whole size, contents kept, punch-hole frees them), leaves
 * other huge pages alone and refuses unaligned ranges and unsplit VMAs.
 *
 * Pins (each case ends with foll_pin acquired == released): punch-hole and
 * truncation while a piece is pinned (GUP-slow and GUP-fast) leave an
 * unmapped orphan folio that takes device writes and returns to the pool
 * at unpin; MADV_COLLAPSE while pinned keeps the pins and the device and
 * CPU coherent; unmapping the split VMA of two on one file keeps the pin;
 * fork with a pinned piece: the child maps the huge page whole.
 *
 * A huge page with 4 KiB mappings is not migrated: MADV_SOFT_OFFLINE gives
 * EBUSY and changes nothing, move_pages does not move it (needs two NUMA
 * nodes), a long-term pin of one in ZONE_MOVABLE fails with ENOMEM with
 * nothing pinned (-m: only this case, for a movablecore= boot); memory
 * failure (MADV_HWPOISON, 2 MiB) unmaps every mapping of it, 4 KiB or
 * whole, and signals BUS_MCEERR_AR. The soft-offline and hwpoison cases
 * skip without CONFIG_MEMORY_FAILURE.
 *
 * Allocation failures (fail-nth, CONFIG_FAULT_INJECTION and CONFIG_FAILSLAB;
 * skipped without): munmap() of part of a split VMA and mmap() + MADV_SPLIT
 * with their 1st, 2nd, ... allocation failing in turn give ENOMEM or leave
 * VMAs where 4 KiB CONTINUE and MADV_COLLAPSE still work.
 *
 * -s [-t SECONDS] [-S SEED]: the stress instead (see run_stress()): long-term
 * pins of 4 KiB pieces (GUP-fast and -slow) with CPU and device writes
 * checked both ways, short GUP-fast/-slow pins, 4 KiB and whole
 * CONTINUEs, punch-hole + refill, MADV_COLLAPSE and MADV_DONTNEED, racing
 * for SECONDS (60) in all, split between the 2 MiB and 1 GiB hstates;
 * prints its seed. -b [-r ROUNDS]: the benchmarks of make bench-hgm.
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
#include <linux/fs.h>
#include <linux/mman.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <linux/memfd.h>
#include <linux/mempolicy.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include "../kselftest.h"
#include "vm_util.h"
#include "pin_util.h"
#include "../../../../mm/gup_test.h"

#define GUP_TEST_FILE	"/sys/kernel/debug/gup_test"

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
	ksft_print_msg("%s: got %s, want %s\n", what,
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

/*
 * MADV_SPLIT of a range that has a split VMA in it: EEXIST, and no VMA of
 * the range changes (the unsplit ones around stay unsplit).
 */
static bool t_twice(size_t hs)
{
	size_t len = 3 * hs;
	bool ok = true;
	int fd;
	char *p = map_shared(hs, len, &fd);

	if (!p)
		return false;
	ok &= expect_err(split(p + hs, hs), 0, "first");
	ok &= expect_err(split(p + hs, hs), EEXIST, "second");
	ok &= expect_err(split(p, len), EEXIST, "over split and unsplit VMAs");
	ok &= expect_err(split(p + 2 * hs, hs), 0, "the unsplit last page");
	ok &= expect_err(split(p + hs, 2 * hs), EEXIST, "both split ones");
	ok &= expect_vma(p, hs, false);
	/* hugetlb VMAs have a ->close(): they never merge. */
	ok &= expect_vma(p + hs, hs, true);
	ok &= expect_vma(p + 2 * hs, hs, true);
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

/*
 * fork keeps the flag; mprotect and mremap of a split VMA give EINVAL and
 * change nothing (an mprotect that changes nothing succeeds).
 */
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

	if (!mprotect(p, hs, PROT_READ) || errno != EINVAL) {
		ksft_print_msg("mprotect(PROT_READ) of a split VMA: %s, want EINVAL\n",
			       strerror(errno));
		ok = false;
	}
	if (mprotect(p, len, PROT_READ | PROT_WRITE)) {
		ksft_print_msg("mprotect to the same protection: %s\n",
			       strerror(errno));
		ok = false;
	}
	ok &= expect_vma(p, len, true);

	q = reserve(hs, hs);
	if (!q)
		return false;
	if (mremap(p + hs, hs, hs, MREMAP_MAYMOVE | MREMAP_FIXED, q) !=
	    MAP_FAILED || errno != EINVAL) {
		ksft_print_msg("mremap of a split VMA: %s, want EINVAL\n",
			       strerror(errno));
		ok = false;
	}
	if (mremap(p, len, hs, 0) != MAP_FAILED || errno != EINVAL) {
		ksft_print_msg("mremap shrinking a split VMA: %s, want EINVAL\n",
			       strerror(errno));
		ok = false;
	}
	ok &= expect_vma(p, len, true);
	munmap(q, hs);
	unmap(p, len, fd);
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
	{ "split an already split range: EEXIST, no VMA change", t_twice },
	{ "split the middle huge page: three VMAs", t_middle },
	{ "unaligned and garbage ranges: EINVAL, no VMA change", t_unaligned },
	{ "zero length: success, no VMA change", t_zero },
	{ "range past the end of the VMA: ENOMEM", t_past_end },
	{ "private hugetlbfs and private anonymous hugetlb: EINVAL", t_private },
	{ "shared anonymous hugetlb: split", t_shared_anon },
	{ "fork keeps the flag; mprotect and mremap: EINVAL", t_copies },
};

#define NR_HCASES	ARRAY_SIZE(hcases)

/* ---- 4 KiB UFFDIO_CONTINUE (CONFIG_HUGETLB_HGM step 2) -------------- */

static int kpagecount_fd = -1;

static int uffd_new(__u64 features)
{
	struct uffdio_api api = { .api = UFFD_API, .features = features };
	int fd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	if (fd < 0) {
		ksft_print_msg("userfaultfd: %s\n", strerror(errno));
		return -1;
	}
	if (ioctl(fd, UFFDIO_API, &api)) {
		ksft_print_msg("UFFDIO_API(%llx): %s\n",
			       (unsigned long long)features, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int hgm_uffd_register(int uffd, void *p, size_t len, __u64 mode)
{
	struct uffdio_register reg = {
		.range = { .start = (unsigned long)p, .len = len },
		.mode = mode,
	};

	return ioctl(uffd, UFFDIO_REGISTER, &reg) ? errno : 0;
}

static int uffd_continue(int uffd, const void *p, size_t len)
{
	struct uffdio_continue c = {
		.range = { .start = (unsigned long)p, .len = len },
	};

	return ioctl(uffd, UFFDIO_CONTINUE, &c) ? errno : 0;
}

/* What 4 KiB page @i of the file holds at its start (and, inverted, end). */
static uint64_t stamp(size_t i)
{
	return 0x48474d0000000000ULL ^ (i * 0x9e3779b97f4a7c15ULL);
}

static bool page_ok(const char *p, size_t i)
{
	const uint64_t *w = (const uint64_t *)(p + i * pagesize);

	return w[0] == stamp(i) &&
	       w[pagesize / sizeof(*w) - 1] == ~stamp(i);
}

/*
 * A hugetlb memfd of @npages huge pages, every 4 KiB page stamped through
 * a mapping that is gone again (so the pages are in the page cache and
 * mapped nowhere), and a split shared mapping of it registered for minor
 * faults on a new userfaultfd with @features.
 */
struct hgm {
	size_t hs, len;
	int fd, uffd;
	char *p;
	unsigned long pfn[2];	/* of the huge pages */
};

static bool hgm_setup(struct hgm *h, size_t hs, size_t npages,
		      __u64 features)
{
	size_t i;
	char *q;
	int err;

	memset(h, 0, sizeof(*h));
	h->hs = hs;
	h->len = npages * hs;
	h->uffd = -1;
	h->fd = hugetlb_memfd(hs, h->len);
	if (h->fd < 0)
		return false;
	q = map_at(h->len, hs, MAP_SHARED, h->fd, hs);
	if (!q)
		goto err_fd;
	for (i = 0; i < h->len / pagesize; i++) {
		uint64_t *w = (uint64_t *)(q + i * pagesize);

		w[0] = stamp(i);
		w[pagesize / sizeof(*w) - 1] = ~stamp(i);
	}
	for (i = 0; i < npages; i++)
		h->pfn[i] = pagemap_get_pfn(pagemap_fd, q + i * hs);
	munmap(q, h->len);
	if (!h->pfn[0]) {
		ksft_print_msg("no pfn in pagemap (not root?)\n");
		goto err_fd;
	}
	h->p = map_at(h->len, hs, MAP_SHARED, h->fd, hs);
	if (!h->p)
		goto err_fd;
	err = split(h->p, h->len);
	if (err) {
		ksft_print_msg("MADV_SPLIT: %s\n", strerror(err));
		goto err_map;
	}
	h->uffd = uffd_new(UFFD_FEATURE_MINOR_HUGETLBFS | features);
	if (h->uffd < 0)
		goto err_map;
	err = hgm_uffd_register(h->uffd, h->p, h->len, UFFDIO_REGISTER_MODE_MINOR);
	if (err) {
		ksft_print_msg("UFFDIO_REGISTER minor: %s\n", strerror(err));
		goto err_uffd;
	}
	return true;
err_uffd:
	close(h->uffd);
err_map:
	munmap(h->p, h->len);
err_fd:
	close(h->fd);
	return false;
}

static void hgm_teardown(struct hgm *h)
{
	if (h->p)
		munmap(h->p, h->len);
	if (h->uffd >= 0)
		close(h->uffd);
	close(h->fd);
}

static uint64_t kpagecount(unsigned long pfn)
{
	uint64_t c = ~0ULL;

	if (pread(kpagecount_fd, &c, sizeof(c), pfn * sizeof(c)) != sizeof(c))
		return ~0ULL;
	return c;
}

static bool expect_mapcount(unsigned long pfn, uint64_t want, const char *what)
{
	uint64_t c = kpagecount(pfn);

	if (c == want)
		return true;
	ksft_print_msg("%s: kpagecount of pfn %#lx is %lld, want %llu\n", what,
		       pfn, (long long)c, (unsigned long long)want);
	return false;
}

/* Is 4 KiB page @i of @h mapped, at the folio's pfn + its index? */
static bool mapped_at(struct hgm *h, size_t i)
{
	uint64_t e = pagemap_get_entry(pagemap_fd, h->p + i * pagesize);
	size_t per = h->hs / pagesize;

	if (!(e & PM_PRESENT))
		return false;
	if (PAGEMAP_PFN(e) != h->pfn[i / per] + i % per) {
		ksft_print_msg("page %zu mapped at pfn %#llx, want %#lx\n", i,
			       (unsigned long long)PAGEMAP_PFN(e),
			       h->pfn[i / per] + i % per);
		return false;
	}
	return true;
}

static void shuffle(size_t *v, size_t n)
{
	size_t i, j, t;

	for (i = n - 1; i > 0; i--) {
		j = random() % (i + 1);
		t = v[i];
		v[i] = v[j];
		v[j] = t;
	}
}

/*
 * 4 KiB CONTINUEs in random order: each maps exactly its page (present
 * at the right pfn, the next page still absent until its turn), contents
 * right, one mapcount per page; then EEXIST for a mapped page and for the
 * whole huge page. For 1 GiB, 1024 random pages of the 262144.
 */
static bool t_continue_random(size_t hs)
{
	size_t per = hs / pagesize, n = per > 1024 ? 1024 : per, i, k;
	bool ok = true, *done;
	struct hgm h;
	size_t *idx;
	int err;

	if (!hgm_setup(&h, hs, 1, 0))
		return false;
	idx = calloc(per, sizeof(*idx));
	done = calloc(per, sizeof(*done));
	for (i = 0; i < per; i++)
		idx[i] = i;
	shuffle(idx, per);
	for (k = 0; k < n && ok; k++) {
		i = idx[k];
		if (mapped_at(&h, i)) {
			ksft_print_msg("page %zu mapped before its CONTINUE\n", i);
			ok = false;
		}
		err = uffd_continue(h.uffd, h.p + i * pagesize, pagesize);
		if (err) {
			ksft_print_msg("CONTINUE of page %zu: %s\n", i, strerror(err));
			ok = false;
			break;
		}
		done[i] = true;
		if (!mapped_at(&h, i)) {
			ksft_print_msg("page %zu not mapped after its CONTINUE\n", i);
			ok = false;
		}
		if (i + 1 < per && !done[i + 1] && mapped_at(&h, i + 1)) {
			ksft_print_msg("CONTINUE of page %zu mapped page %zu too\n",
				       i, i + 1);
			ok = false;
		}
	}
	ok &= expect_mapcount(h.pfn[0], n, "after the CONTINUEs");
	for (k = 0; k < n && ok; k++) {
		if (!page_ok(h.p, idx[k])) {
			ksft_print_msg("page %zu: wrong contents\n", idx[k]);
			ok = false;
		}
	}
	ok &= expect_err(uffd_continue(h.uffd, h.p + idx[0] * pagesize,
				       pagesize), EEXIST, "CONTINUE of a mapped page");
	ok &= expect_err(uffd_continue(h.uffd, h.p, hs), EEXIST,
			 "CONTINUE of the whole, partly mapped, huge page");
	ok &= expect_mapcount(h.pfn[0], n, "after the refused CONTINUEs");
	hgm_teardown(&h);
	ok &= expect_mapcount(h.pfn[0], 0, "after munmap");
	free(idx);
	free(done);
	return ok;
}

/*
 * A CONTINUE of several pages in one call, across the boundary of two huge
 * pages: 4 KiB pages on both sides, then the rest of the second huge page
 * as one aligned whole-page CONTINUE (mapped at the hstate level).
 */
static bool t_continue_ranges(size_t hs)
{
	size_t per = hs / pagesize;
	bool ok = true;
	struct hgm h;
	size_t i;

	if (!hgm_setup(&h, hs, 2, 0))
		return false;
	ok &= expect_err(uffd_continue(h.uffd, h.p + hs - 3 * pagesize,
				       6 * pagesize), 0, "6 pages across the boundary");
	for (i = per - 4; i < per + 4; i++) {
		bool want = i >= per - 3 && i < per + 3;

		if (mapped_at(&h, i) != want) {
			ksft_print_msg("page %zu %smapped\n", i, want ? "not " : "");
			ok = false;
		}
		if (want && !page_ok(h.p, i)) {
			ksft_print_msg("page %zu: wrong contents\n", i);
			ok = false;
		}
	}
	ok &= expect_mapcount(h.pfn[0], 3, "first huge page");
	ok &= expect_mapcount(h.pfn[1], 3, "second huge page");
	/* The first huge page is untouched past its last 3 pages: whole. */
	ok &= expect_err(uffd_continue(h.uffd, h.p, hs), EEXIST,
			 "whole first huge page, partly mapped");
	hgm_teardown(&h);
	ok &= expect_mapcount(h.pfn[0], 0, "first, after munmap");
	ok &= expect_mapcount(h.pfn[1], 0, "second, after munmap");

	/* An aligned whole huge page is still mapped at the hstate level. */
	if (!hgm_setup(&h, hs, 1, 0))
		return false;
	ok &= expect_err(uffd_continue(h.uffd, h.p, hs), 0, "whole huge page");
	ok &= mapped_at(&h, 0) && mapped_at(&h, per - 1);
	ok &= expect_mapcount(h.pfn[0], 1, "whole huge page mapped once");
	ok &= expect_err(uffd_continue(h.uffd, h.p + pagesize, pagesize), EEXIST,
			 "4 KiB of a wholly mapped huge page");
	hgm_teardown(&h);
	return ok;
}

struct fault_handler {
	struct hgm *h;
	bool stop;		/* __atomic */
	unsigned long expect;	/* __atomic: the page being touched */
	unsigned long faults, bad;
};

/*
 * Resolve minor faults with a 4 KiB CONTINUE at the reported address, which
 * must be the page being touched. Otherwise count it as bad, CONTINUE the
 * page being touched and wake the reported address, so that a wrong address
 * fails the case instead of hanging it.
 */
static void *fault_thread(void *arg)
{
	struct fault_handler *fh = arg;
	struct pollfd pfd = { .fd = fh->h->uffd, .events = POLLIN };
	unsigned long addr, expect;
	struct uffd_msg msg;

	while (!__atomic_load_n(&fh->stop, __ATOMIC_ACQUIRE)) {
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		if (read(fh->h->uffd, &msg, sizeof(msg)) != sizeof(msg))
			continue;
		addr = msg.arg.pagefault.address;
		expect = __atomic_load_n(&fh->expect, __ATOMIC_ACQUIRE);
		if (msg.event != UFFD_EVENT_PAGEFAULT ||
		    !(msg.arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_MINOR) ||
		    addr != expect) {
			fh->bad++;
			ksft_print_msg("fault message: event %d flags %llx address %lx, want %lx\n",
				       msg.event,
				       (unsigned long long)msg.arg.pagefault.flags,
				       addr, expect);
		}
		fh->faults++;
		if (uffd_continue(fh->h->uffd, (void *)expect, pagesize))
			fh->bad++;
		/* CONTINUE woke [expect, +4 KiB); wake a fault reported elsewhere. */
		if (addr != expect) {
			struct uffdio_range r = { .start = addr & ~(pagesize - 1),
						  .len = pagesize };

			ioctl(fh->h->uffd, UFFDIO_WAKE, &r);
		}
	}
	return NULL;
}

/*
 * Touch 64 random pages (reads, and writes through a second mapping are not
 * needed: the data is in the page cache): one minor fault each, reported at
 * PAGE_SIZE; afterwards exactly the touched pages are mapped.
 */
static bool t_minor_faults(size_t hs)
{
	size_t per = hs / pagesize, n = 64, i, k, mapped = 0;
	struct fault_handler fh = { 0 };
	bool ok = true, *touched;
	uint64_t *pm;
	pthread_t th;
	struct hgm h;

	if (!hgm_setup(&h, hs, 1, 0))
		return false;
	touched = calloc(per, sizeof(*touched));
	fh.h = &h;
	if (pthread_create(&th, NULL, fault_thread, &fh)) {
		hgm_teardown(&h);
		return false;
	}
	for (k = 0; k < n; k++) {
		i = random() % per;
		__atomic_store_n(&fh.expect, (unsigned long)(h.p + i * pagesize),
				 __ATOMIC_RELEASE);
		if (!page_ok(h.p, i)) {
			ksft_print_msg("page %zu: wrong contents after the fault\n", i);
			ok = false;
		}
		touched[i] = true;
	}
	__atomic_store_n(&fh.stop, true, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	pm = calloc(per, sizeof(*pm));
	if (pread(pagemap_fd, pm, per * sizeof(*pm),
		  (unsigned long)h.p / pagesize * sizeof(*pm)) !=
	    (ssize_t)(per * sizeof(*pm)))
		ok = false;
	for (i = 0; i < per && ok; i++) {
		if (!!(pm[i] & PM_PRESENT) != touched[i] ||
		    (touched[i] && PAGEMAP_PFN(pm[i]) != h.pfn[0] + i)) {
			ksft_print_msg("page %zu: %s\n", i, touched[i] ?
				       "touched but not mapped there" :
				       "mapped, never touched");
			ok = false;
		}
		mapped += touched[i];
	}
	free(pm);
	if (fh.bad || fh.faults != mapped) {
		ksft_print_msg("%lu faults (%lu bad) for %zu touched pages\n",
			       fh.faults, fh.bad, mapped);
		ok = false;
	}
	ok &= expect_mapcount(h.pfn[0], mapped, "after the faults");
	hgm_teardown(&h);
	free(touched);
	return ok;
}

static sigjmp_buf sigbus_jmp;

static void on_sigbus(int sig)
{
	siglongjmp(sigbus_jmp, 1);
}

/* Does reading @p raise SIGBUS? */
static bool sigbus_on_read(const char *p)
{
	struct sigaction sa = { .sa_handler = on_sigbus }, old;
	bool bus;

	sigaction(SIGBUS, &sa, &old);
	if (sigsetjmp(sigbus_jmp, 1)) {
		bus = true;
	} else {
		(void)__atomic_load_n(p, __ATOMIC_RELAXED);
		bus = false;
	}
	sigaction(SIGBUS, &old, NULL);
	return bus;
}

/*
 * UFFD_FEATURE_SIGBUS: the pages not CONTINUEd raise SIGBUS (before any
 * CONTINUE, and next to a mapped 4 KiB page), the CONTINUEd one reads.
 */
static bool t_sigbus(size_t hs)
{
	size_t per = hs / pagesize;
	bool ok = true;
	struct hgm h;

	if (!hgm_setup(&h, hs, 1, UFFD_FEATURE_SIGBUS))
		return false;
	if (!sigbus_on_read(h.p + 5 * pagesize)) {
		ksft_print_msg("no SIGBUS before any CONTINUE\n");
		ok = false;
	}
	ok &= expect_err(uffd_continue(h.uffd, h.p + 5 * pagesize, pagesize), 0,
			 "CONTINUE page 5");
	if (sigbus_on_read(h.p + 5 * pagesize) || !page_ok(h.p, 5)) {
		ksft_print_msg("page 5 not readable after its CONTINUE\n");
		ok = false;
	}
	if (!sigbus_on_read(h.p + 4 * pagesize) ||
	    !sigbus_on_read(h.p + 6 * pagesize) ||
	    !sigbus_on_read(h.p + (per - 1) * pagesize)) {
		ksft_print_msg("no SIGBUS next to a mapped 4 KiB page\n");
		ok = false;
	}
	ok &= expect_mapcount(h.pfn[0], 1, "one page mapped");
	hgm_teardown(&h);
	return ok;
}

/*
 * Bad CONTINUEs: not page-aligned start or length (EINVAL), zero length
 * (EINVAL), past the end of the file and in a hole (EFAULT), 4 KiB on a
 * VMA that is not split (EINVAL); UFFDIO_COPY of 4 KiB stays EINVAL. None
 * maps anything.
 */
static bool t_continue_bad(size_t hs)
{
	struct uffdio_copy copy = { 0 };
	bool ok = true;
	struct hgm h;
	char *q;
	int fd, uffd;

	if (!hgm_setup(&h, hs, 2, 0))
		return false;
	ok &= expect_err(uffd_continue(h.uffd, h.p + 1, pagesize), EINVAL,
			 "CONTINUE at a start that is not page-aligned");
	ok &= expect_err(uffd_continue(h.uffd, h.p, pagesize + 1), EINVAL,
			 "CONTINUE of a length that is not page-aligned");
	ok &= expect_err(uffd_continue(h.uffd, h.p, 0), EINVAL,
			 "CONTINUE of length 0");
	/* The second huge page is cut off the file: past the end. */
	if (ftruncate(h.fd, hs)) {
		ksft_print_msg("ftruncate: %s\n", strerror(errno));
		ok = false;
	}
	ok &= expect_err(uffd_continue(h.uffd, h.p + hs + pagesize, pagesize),
			 EFAULT, "CONTINUE past the end of the file");
	/* A hole in the file: punched. */
	if (fallocate(h.fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, hs)) {
		ksft_print_msg("punch hole: %s\n", strerror(errno));
		ok = false;
	}
	ok &= expect_err(uffd_continue(h.uffd, h.p + pagesize, pagesize),
			 EFAULT, "CONTINUE in a hole");
	copy.dst = (unsigned long)h.p;
	copy.src = (unsigned long)h.p;
	copy.len = pagesize;
	if (!ioctl(h.uffd, UFFDIO_COPY, &copy) || errno != EINVAL) {
		ksft_print_msg("UFFDIO_COPY of 4 KiB: %s, want EINVAL\n",
			       strerror(errno));
		ok = false;
	}
	if (present(h.p + pagesize) || present(h.p + hs + pagesize)) {
		ksft_print_msg("a refused CONTINUE mapped a page\n");
		ok = false;
	}
	hgm_teardown(&h);

	/* Not split: the huge page size still rules. */
	fd = hugetlb_memfd(hs, hs);
	if (fd < 0)
		return false;
	q = map_at(hs, hs, MAP_SHARED, fd, hs);
	uffd = uffd_new(UFFD_FEATURE_MINOR_HUGETLBFS);
	if (!q || uffd < 0)
		return false;
	q[0] = 1;
	madvise(q, hs, MADV_DONTNEED);
	ok &= expect_err(hgm_uffd_register(uffd, q, hs, UFFDIO_REGISTER_MODE_MINOR),
			 0, "register a VMA that is not split");
	ok &= expect_err(uffd_continue(uffd, q, pagesize), EINVAL,
			 "4 KiB CONTINUE on a VMA that is not split");
	close(uffd);
	unmap(q, hs, fd);
	return ok;
}

/*
 * uffd-wp: registering a split VMA in write-protect mode gives EINVAL, and
 * so does MADV_SPLIT of a VMA registered in that mode.
 */
static bool t_uffd_wp(size_t hs)
{
	bool ok = true;
	int fd, uffd;
	char *p;

	p = map_shared(hs, hs, &fd);
	if (!p)
		return false;
	uffd = uffd_new(0);
	if (uffd < 0)
		return false;
	ok &= expect_err(hgm_uffd_register(uffd, p, hs, UFFDIO_REGISTER_MODE_WP), 0,
			 "register wp before MADV_SPLIT");
	ok &= expect_err(split(p, hs), EINVAL, "MADV_SPLIT of a uffd-wp VMA");
	ok &= expect_vma(p, hs, false);
	close(uffd);
	unmap(p, hs, fd);

	p = map_shared(hs, hs, &fd);
	if (!p)
		return false;
	uffd = uffd_new(0);
	if (uffd < 0)
		return false;
	ok &= expect_err(split(p, hs), 0, "MADV_SPLIT");
	ok &= expect_err(hgm_uffd_register(uffd, p, hs, UFFDIO_REGISTER_MODE_WP),
			 EINVAL, "register a split VMA for wp");
	ok &= expect_err(hgm_uffd_register(uffd, p, hs, UFFDIO_REGISTER_MODE_MISSING),
			 0, "register a split VMA for missing faults");
	close(uffd);
	unmap(p, hs, fd);
	return ok;
}

/*
 * The mapcount goes back to 0 whatever removes the 4 KiB leaves:
 * MADV_DONTNEED, punch-hole (the huge page returns to the pool) and
 * munmap (t_continue_random). After MADV_DONTNEED the pieces fault again.
 */
static bool t_unmap_paths(size_t hs)
{
	unsigned long nfree;
	bool ok = true;
	struct hgm h;

	if (!hgm_setup(&h, hs, 1, 0))
		return false;
	ok &= expect_err(uffd_continue(h.uffd, h.p + 7 * pagesize, 3 * pagesize),
			 0, "CONTINUE 3 pages");
	ok &= expect_mapcount(h.pfn[0], 3, "3 pages mapped");
	if (madvise(h.p, hs, MADV_DONTNEED)) {
		ksft_print_msg("MADV_DONTNEED: %s\n", strerror(errno));
		ok = false;
	}
	ok &= expect_mapcount(h.pfn[0], 0, "after MADV_DONTNEED");
	if (mapped_at(&h, 7) || mapped_at(&h, 8)) {
		ksft_print_msg("mapped after MADV_DONTNEED\n");
		ok = false;
	}
	ok &= expect_err(uffd_continue(h.uffd, h.p + 8 * pagesize, pagesize), 0,
			 "CONTINUE again after MADV_DONTNEED");
	ok &= mapped_at(&h, 8) && page_ok(h.p, 8);
	ok &= expect_mapcount(h.pfn[0], 1, "1 page mapped again");

	nfree = free_pages(hs);
	if (fallocate(h.fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, hs)) {
		ksft_print_msg("punch hole: %s\n", strerror(errno));
		ok = false;
	}
	if (free_pages(hs) != nfree + 1) {
		ksft_print_msg("punch hole: %lu free huge pages, want %lu\n",
			       free_pages(hs), nfree + 1);
		ok = false;
	}
	ok &= expect_mapcount(h.pfn[0], 0, "after punch-hole");
	if (present(h.p + 8 * pagesize)) {
		ksft_print_msg("mapped after punch-hole\n");
		ok = false;
	}
	hgm_teardown(&h);
	return ok;
}

/*
 * After UFFDIO_UNREGISTER, a fault next to 4 KiB mappings maps that 4 KiB
 * page from the page cache (and, for 1 GiB, also in a 2 MiB range that has
 * no PTE table yet), while a huge page with no mapping at all is mapped
 * whole by a fault, as before.
 */
static bool t_after_unregister(size_t hs)
{
	struct uffdio_range r;
	size_t per = hs / pagesize, far = per / 2 + 5;
	bool ok = true;
	struct hgm h;

	if (!hgm_setup(&h, hs, 2, 0))
		return false;
	ok &= expect_err(uffd_continue(h.uffd, h.p + 3 * pagesize, pagesize), 0,
			 "CONTINUE page 3");
	r.start = (unsigned long)h.p;
	r.len = h.len;
	if (ioctl(h.uffd, UFFDIO_UNREGISTER, &r)) {
		ksft_print_msg("UFFDIO_UNREGISTER: %s\n", strerror(errno));
		ok = false;
	}
	if (!page_ok(h.p, 4) || !page_ok(h.p, far)) {
		ksft_print_msg("wrong contents after the faults\n");
		ok = false;
	}
	if (!mapped_at(&h, 4) || !mapped_at(&h, far) || mapped_at(&h, 5) ||
	    mapped_at(&h, far + 1)) {
		ksft_print_msg("the faults did not map exactly their 4 KiB pages\n");
		ok = false;
	}
	ok &= expect_mapcount(h.pfn[0], 3, "3 pieces mapped");
	/* The second huge page has no mapping: a fault maps it whole. */
	if (!page_ok(h.p, per + 7) || !mapped_at(&h, per) ||
	    !mapped_at(&h, 2 * per - 1)) {
		ksft_print_msg("a fault on an unmapped huge page did not map it whole\n");
		ok = false;
	}
	ok &= expect_mapcount(h.pfn[1], 1, "second huge page mapped whole");
	hgm_teardown(&h);
	ok &= expect_mapcount(h.pfn[0], 0, "after munmap");
	return ok;
}

static int gup_fd = -1;

static uint64_t foll_pin_count(const char *key)
{
	long v = pin_vmstat(key);

	return v < 0 ? 0 : v;
}

/*
 * The pin tracker's records of our pins: -1 when the tracker is off. Each
 * record's pfn must be in @pfns (and is counted there), count 1.
 */
static int tracker_records(const unsigned long *pfns, int n, int *seen)
{
	char buf[32], line[512];
	int recs = 0, fd, i;
	unsigned long pfn;
	int count;
	FILE *f;

	fd = open(PPT_DIR "/filter_pid", O_WRONLY);
	if (fd < 0)
		return -1;
	snprintf(buf, sizeof(buf), "%d", getpid());
	if (write(fd, buf, strlen(buf)) < 0) {
		close(fd);
		return -1;
	}
	f = fopen(PPT_DIR "/pinned", "r");
	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "pfn=%lx count=%d", &pfn, &count) != 2)
			continue;
		recs++;
		for (i = 0; i < n; i++)
			if (pfns[i] == pfn && count == 1)
				seen[i]++;
	}
	if (f)
		fclose(f);
	if (write(fd, "0", 1) < 0)
		recs = -1;
	close(fd);
	return recs;
}

/*
 * Long-term pins of three 4 KiB pieces through gup_test, GUP-slow then
 * GUP-fast: the tracker lists exactly their pfns (folio pfn + index, count
 * 1 each), foll_pin acquired/released balance after unpin, the mapcount is
 * unchanged. In SIGBUS mode a pin over an unmapped piece fails (EFAULT).
 */
static const char *t_pins(size_t hs, bool *ok)
{
	struct pin_longterm_test args = { .flags = PIN_LONGTERM_TEST_FLAG_USE_WRITE };
	uint64_t acq, rel;
	unsigned long pfns[3];
	int seen[3], recs, fast, i;
	struct hgm h;

	*ok = false;
	if (gup_fd < 0)
		return "no " GUP_TEST_FILE " (CONFIG_GUP_TEST)";
	if (!hgm_setup(&h, hs, 1, UFFD_FEATURE_SIGBUS))
		return NULL;
	*ok = true;
	*ok &= expect_err(uffd_continue(h.uffd, h.p + 20 * pagesize,
					3 * pagesize), 0, "CONTINUE 3 pages");
	for (i = 0; i < 3; i++)
		pfns[i] = h.pfn[0] + 20 + i;
	for (fast = 0; fast < 2; fast++) {
		args.addr = (unsigned long)(h.p + 20 * pagesize);
		args.size = 3 * pagesize;
		args.flags = PIN_LONGTERM_TEST_FLAG_USE_WRITE |
			     (fast ? PIN_LONGTERM_TEST_FLAG_USE_FAST : 0);
		acq = foll_pin_count("nr_foll_pin_acquired");
		rel = foll_pin_count("nr_foll_pin_released");
		if (ioctl(gup_fd, PIN_LONGTERM_TEST_START, &args)) {
			ksft_print_msg("pin 3 pieces%s: %s\n", fast ? " (fast)" : "",
				       strerror(errno));
			*ok = false;
			continue;
		}
		memset(seen, 0, sizeof(seen));
		recs = tracker_records(pfns, 3, seen);
		if (recs >= 0 && (recs != 3 || !seen[0] || !seen[1] || !seen[2])) {
			ksft_print_msg("tracker: %d records, pfns %#lx..%#lx seen %d %d %d\n",
				       recs, pfns[0], pfns[2], seen[0], seen[1],
				       seen[2]);
			*ok = false;
		}
		*ok &= expect_mapcount(h.pfn[0], 3, "pinned");
		if (ioctl(gup_fd, PIN_LONGTERM_TEST_STOP)) {
			ksft_print_msg("unpin: %s\n", strerror(errno));
			*ok = false;
		}
		acq = foll_pin_count("nr_foll_pin_acquired") - acq;
		rel = foll_pin_count("nr_foll_pin_released") - rel;
		if (acq != 3 || rel != 3) {
			ksft_print_msg("foll_pin: %llu acquired, %llu released, want 3\n",
				       (unsigned long long)acq,
				       (unsigned long long)rel);
			*ok = false;
		}
		recs = tracker_records(pfns, 3, seen);
		if (recs > 0) {
			ksft_print_msg("tracker: %d records after unpin\n", recs);
			*ok = false;
		}
	}
	/* Over an unmapped piece: the fault is a SIGBUS, the pin EFAULT. */
	args.addr = (unsigned long)(h.p + 22 * pagesize);
	args.size = 2 * pagesize;
	args.flags = PIN_LONGTERM_TEST_FLAG_USE_WRITE;
	if (!ioctl(gup_fd, PIN_LONGTERM_TEST_START, &args)) {
		ksft_print_msg("pin over an unmapped piece succeeded\n");
		ioctl(gup_fd, PIN_LONGTERM_TEST_STOP);
		*ok = false;
	} else if (errno != EFAULT) {
		ksft_print_msg("pin over an unmapped piece: %s, want EFAULT\n",
			       strerror(errno));
		*ok = false;
	}
	*ok &= expect_mapcount(h.pfn[0], 3, "after the pins");
	hgm_teardown(&h);
	return NULL;
}

/* Shared_Hugetlb + Private_Hugetlb of the VMA at @addr, in bytes; -1 if none. */
static long smaps_hugetlb(const void *addr)
{
	unsigned long a = (unsigned long)addr, s, e;
	long kb, total = -1;
	bool in = false;
	char line[1024];
	FILE *f;

	f = fopen("/proc/self/smaps", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &s, &e) == 2) {
			if (in)
				break;
			in = s <= a && a < e;
			if (in)
				total = 0;
			continue;
		}
		if (in && (sscanf(line, "Shared_Hugetlb: %ld kB", &kb) == 1 ||
			   sscanf(line, "Private_Hugetlb: %ld kB", &kb) == 1))
			total += kb << 10;
	}
	fclose(f);
	return total;
}

static bool expect_smaps(const void *addr, long want, const char *what)
{
	long got = smaps_hugetlb(addr);

	if (got == want)
		return true;
	ksft_print_msg("%s: smaps Shared+Private_Hugetlb %ld kB, want %ld kB\n",
		       what, got >> 10, want >> 10);
	return false;
}

static int collapse(void *p, size_t len)
{
	return madvise(p, len, MADV_COLLAPSE) ? errno : 0;
}

/* Every 4 KiB page of huge page @k of @h mapped at its pfn, contents right. */
static bool whole_ok(struct hgm *h, size_t k)
{
	size_t per = h->hs / pagesize, i;

	for (i = k * per; i < (k + 1) * per; i++) {
		if (!page_ok(h->p, i)) {
			ksft_print_msg("page %zu: wrong contents\n", i);
			return false;
		}
	}
	/* Sampled: pagemap reads of all 262144 pages take long under TCG. */
	for (i = k * per; i < (k + 1) * per; i += per > 512 ? 4099 : 1)
		if (!mapped_at(h, i))
			return false;
	return mapped_at(h, (k + 1) * per - 1);
}

/*
 * MADV_COLLAPSE of two huge pages with 4 KiB mappings: the first with all
 * its pieces (2 MiB) or 512 random ones (1 GiB), the second with one. Both
 * are mapped whole again (one hstate-level mapping each: kpagecount 1,
 * smaps counts the whole size), with every page present at its pfn and its
 * contents intact; the VMA stays split. Again: no-op success. Unaligned:
 * EINVAL. A punch-hole afterwards returns both huge pages to the pool.
 */
static bool t_collapse(size_t hs)
{
	size_t per = hs / pagesize, n = per > 512 ? 512 : per, i, k;
	unsigned long nfree;
	bool ok = true;
	struct hgm h;
	size_t *idx;

	if (!hgm_setup(&h, hs, 2, 0))
		return false;
	idx = calloc(per, sizeof(*idx));
	for (i = 0; i < per; i++)
		idx[i] = i;
	if (n < per)
		shuffle(idx, per);
	for (k = 0; k < n && ok; k++)
		ok &= expect_err(uffd_continue(h.uffd, h.p + idx[k] * pagesize,
					       pagesize), 0, "CONTINUE 4 KiB");
	free(idx);
	ok &= expect_err(uffd_continue(h.uffd, h.p + hs + 5 * pagesize,
				       pagesize), 0, "CONTINUE 4 KiB of the second");
	ok &= expect_mapcount(h.pfn[0], n, "first, 4 KiB pieces");
	ok &= expect_mapcount(h.pfn[1], 1, "second, one piece");
	ok &= expect_smaps(h.p, (n + 1) * pagesize, "before MADV_COLLAPSE");

	ok &= expect_err(collapse(h.p + pagesize, hs), EINVAL, "unaligned start");
	ok &= expect_err(collapse(h.p, hs + pagesize), EINVAL, "unaligned end");
	ok &= expect_mapcount(h.pfn[0], n, "after unaligned MADV_COLLAPSE");

	ok &= expect_err(collapse(h.p, h.len), 0, "MADV_COLLAPSE");
	ok &= expect_mapcount(h.pfn[0], 1, "first, collapsed");
	ok &= expect_mapcount(h.pfn[1], 1, "second, collapsed");
	ok &= expect_smaps(h.p, h.len, "after MADV_COLLAPSE");
	ok &= expect_vma(h.p, h.len, true);
	ok &= whole_ok(&h, 0) && whole_ok(&h, 1);

	ok &= expect_err(collapse(h.p, h.len), 0, "MADV_COLLAPSE again");
	ok &= expect_mapcount(h.pfn[0], 1, "after the second MADV_COLLAPSE");
	ok &= expect_err(uffd_continue(h.uffd, h.p + 7 * pagesize, pagesize),
			 EEXIST, "CONTINUE 4 KiB of a collapsed page");

	nfree = free_pages(hs);
	if (fallocate(h.fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0,
		      h.len)) {
		ksft_print_msg("punch hole: %s\n", strerror(errno));
		ok = false;
	}
	if (free_pages(hs) != nfree + 2) {
		ksft_print_msg("punch hole: %lu free huge pages, want %lu\n",
			       free_pages(hs), nfree + 2);
		ok = false;
	}
	ok &= expect_mapcount(h.pfn[0], 0, "first, after punch-hole");
	ok &= expect_mapcount(h.pfn[1], 0, "second, after punch-hole");
	hgm_teardown(&h);
	return ok;
}

/*
 * MADV_COLLAPSE leaves huge pages with no 4 KiB mapping as they are (not
 * mapped, or mapped whole), and refuses a VMA that is not split (EINVAL,
 * as on every hugetlb VMA without HGM).
 */
static bool t_collapse_other(size_t hs)
{
	size_t per = hs / pagesize;
	bool ok = true;
	struct hgm h;
	int fd;
	char *p;

	if (!hgm_setup(&h, hs, 2, 0))
		return false;
	ok &= expect_err(uffd_continue(h.uffd, h.p + hs, hs), 0,
			 "CONTINUE the second huge page whole");
	ok &= expect_err(collapse(h.p, h.len), 0, "MADV_COLLAPSE");
	if (present(h.p) || present(h.p + hs - pagesize)) {
		ksft_print_msg("an unmapped huge page got mapped\n");
		ok = false;
	}
	ok &= expect_mapcount(h.pfn[0], 0, "unmapped huge page");
	ok &= expect_mapcount(h.pfn[1], 1, "whole huge page");
	ok &= mapped_at(&h, per) && mapped_at(&h, 2 * per - 1);
	hgm_teardown(&h);

	p = map_shared(hs, hs, &fd);
	if (!p)
		return false;
	ok &= expect_err(collapse(p, hs), EINVAL, "VMA not split");
	unmap(p, hs, fd);
	return ok;
}

/* nr_foll_pin_acquired and _released at the start of a case. */
struct pin_balance {
	uint64_t acq, rel;
};

static void balance_start(struct pin_balance *b)
{
	b->acq = foll_pin_count("nr_foll_pin_acquired");
	b->rel = foll_pin_count("nr_foll_pin_released");
}

/* Were as many pins released as acquired since balance_start()? */
static bool balance_ok(const struct pin_balance *b)
{
	uint64_t acq = foll_pin_count("nr_foll_pin_acquired") - b->acq;
	uint64_t rel = foll_pin_count("nr_foll_pin_released") - b->rel;

	if (acq == rel && acq)
		return true;
	ksft_print_msg("foll_pin: %llu acquired, %llu released\n",
		       (unsigned long long)acq, (unsigned long long)rel);
	return false;
}

/* Long-term pin of @npages at @p through gup_test, GUP-fast or -slow. */
static bool pin(const char *p, size_t npages, bool fast)
{
	struct pin_longterm_test args = {
		.addr = (unsigned long)p,
		.size = npages * pagesize,
		.flags = PIN_LONGTERM_TEST_FLAG_USE_WRITE |
			 (fast ? PIN_LONGTERM_TEST_FLAG_USE_FAST : 0),
	};

	if (!ioctl(gup_fd, PIN_LONGTERM_TEST_START, &args))
		return true;
	ksft_print_msg("PIN_LONGTERM_TEST_START of %zu pages%s: %s\n", npages,
		       fast ? " (fast)" : "", strerror(errno));
	return false;
}

static bool unpin(void)
{
	if (!ioctl(gup_fd, PIN_LONGTERM_TEST_STOP))
		return true;
	ksft_print_msg("PIN_LONGTERM_TEST_STOP: %s\n", strerror(errno));
	return false;
}

/* Write @npages of @c through the pin, as a device would (DMA). */
static bool dma_write(size_t npages, char c)
{
	char *buf = malloc(npages * pagesize);
	__u64 addr = (unsigned long)buf;
	bool ok;

	memset(buf, c, npages * pagesize);
	ok = !ioctl(gup_fd, PIN_LONGTERM_TEST_WRITE, &addr);
	if (!ok)
		ksft_print_msg("PIN_LONGTERM_TEST_WRITE: %s\n", strerror(errno));
	free(buf);
	return ok;
}

/* Do the pinned pages read back (PIN_LONGTERM_TEST_READ) as @npages of @c? */
static bool dma_read_is(size_t npages, char c)
{
	char *buf = malloc(npages * pagesize);
	__u64 addr = (unsigned long)buf;
	bool ok = !ioctl(gup_fd, PIN_LONGTERM_TEST_READ, &addr);
	size_t i;

	if (!ok)
		ksft_print_msg("PIN_LONGTERM_TEST_READ: %s\n", strerror(errno));
	for (i = 0; ok && i < npages * pagesize; i++)
		ok = buf[i] == c;
	if (i && !ok)
		ksft_print_msg("pinned pages: byte %zu is %#x, want %#x\n", i - 1,
			       buf[i - 1] & 0xff, c & 0xff);
	free(buf);
	return ok;
}

static bool bytes_are(const char *p, size_t len, char c, const char *what)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (p[i] != c) {
			ksft_print_msg("%s: byte %zu is %#x, want %#x\n", what, i,
				       p[i] & 0xff, c & 0xff);
			return false;
		}
	}
	return true;
}

/* Does the tracker (when on) list exactly @n pins, at pfns @pfn.. @pfn+n-1? */
static bool tracker_is(unsigned long pfn, int n, const char *what)
{
	unsigned long pfns[8] = { 0 };
	int seen[8] = { 0 }, recs, i;

	for (i = 0; i < n; i++)
		pfns[i] = pfn + i;
	recs = tracker_records(pfns, n, seen);
	if (recs < 0)
		return true;
	for (i = 0; i < n; i++)
		if (seen[i] != 1)
			recs = -1;
	if (recs == n)
		return true;
	ksft_print_msg("%s: tracker has %d records, want %d at %#lx\n", what,
		       recs, n, pfn);
	return false;
}

/*
 * Punch-hole or truncate while a 4 KiB piece is pinned (GUP-slow or
 * GUP-fast): the mapping goes (mapcount 0), the pin keeps the orphan folio
 * out of the pool and still reaches it (a device write reads back), and
 * the unpin returns it (free_hugepages); the tracker's check at free stays
 * quiet (any "Bad page" splat fails the run); foll_pin balanced.
 */
static const char *remove_pinned(size_t hs, bool *ok, bool truncate,
				 bool fast)
{
	struct pin_balance b;
	unsigned long nfree;
	struct hgm h;
	int err;

	*ok = false;
	if (gup_fd < 0)
		return "no " GUP_TEST_FILE " (CONFIG_GUP_TEST)";
	if (!hgm_setup(&h, hs, 1, 0))
		return NULL;
	balance_start(&b);
	*ok = expect_err(uffd_continue(h.uffd, h.p + 9 * pagesize, pagesize), 0,
			 "CONTINUE 1 page");
	if (!*ok || !pin(h.p + 9 * pagesize, 1, fast)) {
		*ok = false;
		hgm_teardown(&h);
		return NULL;
	}
	nfree = free_pages(hs);
	if (truncate)
		err = ftruncate(h.fd, 0);
	else
		err = fallocate(h.fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				0, hs);
	if (err) {
		ksft_print_msg("%s: %s\n", truncate ? "truncate" : "punch hole",
			       strerror(errno));
		*ok = false;
	}
	*ok &= expect_mapcount(h.pfn[0], 0, "pinned, after removal");
	if (present(h.p + 9 * pagesize)) {
		ksft_print_msg("still mapped after removal\n");
		*ok = false;
	}
	if (free_pages(hs) != nfree) {
		ksft_print_msg("the pinned folio went back to the pool at removal\n");
		*ok = false;
	}
	*ok &= tracker_is(h.pfn[0] + 9, 1, "pinned orphan");
	*ok &= dma_write(1, 0x6d) && dma_read_is(1, 0x6d);
	*ok &= unpin();
	if (free_pages(hs) != nfree + 1) {
		ksft_print_msg("unpin: %lu free huge pages, want %lu\n",
			       free_pages(hs), nfree + 1);
		*ok = false;
	}
	*ok &= balance_ok(&b);
	hgm_teardown(&h);
	return NULL;
}

static const char *t_punch_pinned(size_t hs, bool *ok)
{
	return remove_pinned(hs, ok, false, false);
}

static const char *t_punch_pinned_fast(size_t hs, bool *ok)
{
	return remove_pinned(hs, ok, false, true);
}

static const char *t_truncate_pinned(size_t hs, bool *ok)
{
	return remove_pinned(hs, ok, true, false);
}

static const char *t_truncate_pinned_fast(size_t hs, bool *ok)
{
	return remove_pinned(hs, ok, true, true);
}

/*
 * MADV_COLLAPSE while 4 KiB pieces are pinned (P2): the pins stay (tracker,
 * foll_pin), and the device and the CPU see each other's writes through
 * the collapsed mapping, both ways.
 */
static const char *t_collapse_pinned(size_t hs, bool *ok)
{
	struct pin_balance b;
	char *q;
	struct hgm h;

	*ok = false;
	if (gup_fd < 0)
		return "no " GUP_TEST_FILE " (CONFIG_GUP_TEST)";
	if (!hgm_setup(&h, hs, 1, 0))
		return NULL;
	balance_start(&b);
	q = h.p + 20 * pagesize;
	*ok = expect_err(uffd_continue(h.uffd, q, 3 * pagesize), 0,
			 "CONTINUE 3 pages");
	if (!*ok || !pin(q, 3, true)) {
		*ok = false;
		hgm_teardown(&h);
		return NULL;
	}
	*ok &= dma_write(3, 0x11);
	*ok &= bytes_are(q, 3 * pagesize, 0x11, "device write, 4 KiB mapped");
	*ok &= expect_err(collapse(h.p, hs), 0, "MADV_COLLAPSE while pinned");
	*ok &= expect_mapcount(h.pfn[0], 1, "collapsed while pinned");
	*ok &= tracker_is(h.pfn[0] + 20, 3, "after MADV_COLLAPSE");
	*ok &= bytes_are(q, 3 * pagesize, 0x11, "device write, collapsed");
	*ok &= page_ok(h.p, 19) && page_ok(h.p, 23);
	*ok &= dma_write(3, 0x22);
	*ok &= bytes_are(q, 3 * pagesize, 0x22, "device write after MADV_COLLAPSE");
	memset(q, 0x33, 3 * pagesize);
	*ok &= dma_read_is(3, 0x33);
	*ok &= unpin();
	*ok &= balance_ok(&b);
	*ok &= expect_mapcount(h.pfn[0], 1, "collapsed, unpinned");
	hgm_teardown(&h);
	*ok &= expect_mapcount(h.pfn[0], 0, "after munmap");
	return NULL;
}

/*
 * Two VMAs on one file (P4): a 4 KiB piece pinned through the split one,
 * which is then unmapped; the other maps the page whole. The pin stays,
 * the device's writes show through the other VMA; foll_pin balanced.
 */
static const char *t_two_vmas_pinned(size_t hs, bool *ok)
{
	struct pin_balance b;
	struct hgm h;
	char *q;

	*ok = false;
	if (gup_fd < 0)
		return "no " GUP_TEST_FILE " (CONFIG_GUP_TEST)";
	if (!hgm_setup(&h, hs, 1, 0))
		return NULL;
	q = map_at(hs, hs, MAP_SHARED, h.fd, hs);
	if (!q) {
		hgm_teardown(&h);
		return NULL;
	}
	balance_start(&b);
	*ok = expect_err(split(q, hs), 0, "MADV_SPLIT of the second VMA");
	*ok &= expect_err(uffd_continue(h.uffd, h.p + 9 * pagesize, pagesize), 0,
			  "CONTINUE 1 page");
	*ok &= page_ok(q, 30);	/* faults the second VMA in whole */
	*ok &= expect_mapcount(h.pfn[0], 2, "4 KiB + whole");
	if (!*ok || !pin(h.p + 9 * pagesize, 1, false)) {
		*ok = false;
		goto out;
	}
	*ok &= dma_write(1, 0x44);
	*ok &= bytes_are(q + 9 * pagesize, pagesize, 0x44, "second VMA");
	munmap(h.p, h.len);
	h.p = NULL;
	*ok &= expect_mapcount(h.pfn[0], 1, "first VMA unmapped");
	*ok &= tracker_is(h.pfn[0] + 9, 1, "first VMA unmapped");
	*ok &= dma_write(1, 0x55);
	*ok &= bytes_are(q + 9 * pagesize, pagesize, 0x55,
			 "second VMA, first unmapped");
	*ok &= unpin();
	*ok &= balance_ok(&b);
out:
	munmap(q, hs);
	*ok &= expect_mapcount(h.pfn[0], 0, "both unmapped");
	hgm_teardown(&h);
	return NULL;
}

/*
 * fork with a pinned 4 KiB piece (P5): the child's shared VMA has no page
 * tables copied (no uffd-wp) and faults the huge page in whole; the
 * parent's 4 KiB mappings and pin are unchanged, and the child's mapping
 * goes at its exit; foll_pin balanced.
 */
static const char *t_fork_pinned(size_t hs, bool *ok)
{
	struct pin_balance b;
	struct hgm h;
	int status;
	pid_t pid;

	*ok = false;
	if (gup_fd < 0)
		return "no " GUP_TEST_FILE " (CONFIG_GUP_TEST)";
	if (!hgm_setup(&h, hs, 1, 0))
		return NULL;
	balance_start(&b);
	*ok = expect_err(uffd_continue(h.uffd, h.p + 9 * pagesize, 2 * pagesize),
			 0, "CONTINUE 2 pages");
	if (!*ok || !pin(h.p + 9 * pagesize, 1, true)) {
		*ok = false;
		hgm_teardown(&h);
		return NULL;
	}
	pid = fork();
	if (pid < 0) {
		ksft_print_msg("fork: %s\n", strerror(errno));
		*ok = false;
	} else if (!pid) {
		bool cok;

		/* The parent's pagemap is not ours. */
		pagemap_fd = open("/proc/self/pagemap", O_RDONLY);
		cok = pagemap_fd >= 0 && !present(h.p + 9 * pagesize);

		if (!cok)
			ksft_print_msg("child: page tables were copied\n");
		cok &= page_ok(h.p, 9) && page_ok(h.p, 100);
		cok &= mapped_at(&h, 0) && mapped_at(&h, 9);
		cok &= expect_mapcount(h.pfn[0], 3, "child mapped whole");
		_exit(cok ? 0 : 1);
	} else {
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status)) {
			ksft_print_msg("child failed (status %#x)\n", status);
			*ok = false;
		}
	}
	*ok &= expect_mapcount(h.pfn[0], 2, "child gone");
	*ok &= mapped_at(&h, 9) && mapped_at(&h, 10) && !mapped_at(&h, 11);
	*ok &= tracker_is(h.pfn[0] + 9, 1, "after fork");
	*ok &= dma_write(1, 0x66);
	*ok &= bytes_are(h.p + 9 * pagesize, pagesize, 0x66, "after fork");
	*ok &= unpin();
	*ok &= balance_ok(&b);
	hgm_teardown(&h);
	return NULL;
}

static const struct hcase hgm_cases[] = {
	{ "CONTINUE 4 KiB pieces in random order", t_continue_random },
	{ "CONTINUE ranges across huge pages; whole pages stay huge", t_continue_ranges },
	{ "minor faults at PAGE_SIZE resolved by 4 KiB CONTINUEs", t_minor_faults },
	{ "SIGBUS mode: only the pieces not CONTINUEd fault", t_sigbus },
	{ "bad CONTINUEs: EINVAL, EFAULT; nothing mapped", t_continue_bad },
	{ "uffd-wp and MADV_SPLIT: EINVAL both ways", t_uffd_wp },
	{ "mapcount 0 after MADV_DONTNEED and punch-hole", t_unmap_paths },
	{ "after UFFDIO_UNREGISTER: faults map 4 KiB next to 4 KiB", t_after_unregister },
	{ "MADV_COLLAPSE: whole again, data kept, punch-hole frees", t_collapse },
	{ "MADV_COLLAPSE: unsplit pages and VMAs left alone", t_collapse_other },
};

#define NR_HGM_CASES	ARRAY_SIZE(hgm_cases)

struct pcase {
	const char *name;
	const char *(*fn)(size_t hs, bool *ok);
};

/* Order of a HMM_TEST_SNAPSHOT entry, or -1 if the page is not valid. */
static int snap_order(uint64_t e)
{
	if (!(e & HMM_TEST_SNAP_VALID))
		return -1;
	return (e >> HMM_TEST_SNAP_ORDER_SHIFT) & HMM_TEST_SNAP_ORDER_MASK;
}

/* HMM_TEST_SNAPSHOT of the first 8 pages of @p: 0 or an errno. */
static int hmm_snapshot(int fd, char *p, uint64_t *snap)
{
	struct hmm_test_snapshot s = {
		.addr = (unsigned long)p,
		.npages = 8,
		.out = (unsigned long)snap,
	};

	return ioctl(fd, HMM_TEST_SNAPSHOT, &s) ? errno : 0;
}

/*
 * What a device mirroring a split huge page with HMM sees (gup_test
 * HMM_TEST_SNAPSHOT: hmm_range_fault() without faulting, through an MMU
 * notifier of MMU_NOTIFIER_TEST_START): a 4 KiB piece that CONTINUE mapped
 * is valid at its pfn with order 0, the pieces next to it are not valid;
 * after MADV_COLLAPSE every page is valid with the huge page's order. At
 * the huge page's order, a device would map the whole huge page through
 * one 4 KiB piece, pieces that post-copy has not provided included.
 */
static const char *t_hmm_order(size_t hs, bool *ok)
{
	struct pin_longterm_test args = { .size = hs };
	int order = log2ul(hs / pagesize), fd, i, err;
	const char *why = NULL;
	uint64_t snap[8];
	struct hgm h;

	*ok = false;
	fd = open(GUP_TEST_FILE, O_RDWR);
	if (fd < 0)
		return "no " GUP_TEST_FILE;
	if (!hgm_setup(&h, hs, 1, 0)) {
		close(fd);
		return NULL;
	}
	*ok = expect_err(uffd_continue(h.uffd, h.p + 3 * pagesize, pagesize),
			 0, "CONTINUE of piece 3");
	args.addr = (unsigned long)h.p;
	if (ioctl(fd, MMU_NOTIFIER_TEST_START, &args)) {
		why = "MMU_NOTIFIER_TEST_START failed (no CONFIG_MMU_NOTIFIER?)";
		goto out;
	}
	err = hmm_snapshot(fd, h.p, snap);
	if (err == EOPNOTSUPP || err == EINVAL) {
		why = "no HMM_TEST_SNAPSHOT (CONFIG_HMM_MIRROR) in gup_test";
		goto out;
	}
	*ok &= expect_err(err, 0, "HMM_TEST_SNAPSHOT");
	for (i = 0; !err && i < 8; i++) {
		int want = i == 3 ? 0 : -1;

		if (snap_order(snap[i]) != want ||
		    (want == 0 && (snap[i] & HMM_TEST_SNAP_PFN_MASK) != h.pfn[0] + i)) {
			ksft_print_msg("split: page %d: order %d pfn %#llx, want %d, %#lx\n",
				       i, snap_order(snap[i]),
				       (unsigned long long)(snap[i] & HMM_TEST_SNAP_PFN_MASK),
				       want, h.pfn[0] + i);
			*ok = false;
		}
	}
	*ok &= expect_err(collapse(h.p, hs), 0, "MADV_COLLAPSE");
	err = hmm_snapshot(fd, h.p, snap);
	*ok &= expect_err(err, 0, "HMM_TEST_SNAPSHOT after MADV_COLLAPSE");
	for (i = 0; !err && i < 8; i++) {
		if (snap_order(snap[i]) != order ||
		    (snap[i] & HMM_TEST_SNAP_PFN_MASK) != h.pfn[0] + i) {
			ksft_print_msg("whole: page %d: order %d pfn %#llx, want %d, %#lx\n",
				       i, snap_order(snap[i]),
				       (unsigned long long)(snap[i] & HMM_TEST_SNAP_PFN_MASK),
				       order, h.pfn[0] + i);
			*ok = false;
		}
	}
out:
	close(fd);
	hgm_teardown(&h);
	return why;
}

/* VmPTE of /proc/self/status: this process's page tables, in kB. */
static long vm_pte_kb(void)
{
	char line[128];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmPTE: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* Pin @len bytes at @p through gup_test (GUP-fast if @fast): 0 or an errno. */
static int pin_range(char *p, size_t len, bool fast)
{
	struct pin_longterm_test args = {
		.addr = (unsigned long)p, .size = len,
		.flags = PIN_LONGTERM_TEST_FLAG_USE_WRITE |
			 (fast ? PIN_LONGTERM_TEST_FLAG_USE_FAST : 0),
	};

	return ioctl(gup_fd, PIN_LONGTERM_TEST_START, &args) ? errno : 0;
}

/*
 * 2 MiB pieces of a 1 GiB page (run only for 1 GiB pages): a CONTINUE of
 * an aligned 2 MiB piece maps it with one PMD entry and no PTE table. Page
 * 5 is mapped 4 KiB first, then pieces 1, 3 and 4 (2 MiB each):
 *   - VmPTE does not grow (no PTE table), the folio's mapcount is 1 per
 *     entry (1 + 3), pagemap gives every page its pfn, smaps counts
 *     4 KiB + 3 x 2 MiB, HMM sees order 9;
 *   - CONTINUE of 4 KiB or 2 MiB in a mapped piece: EEXIST; of piece 0,
 *     which has a PTE table, 4 KiB at a time up to page 5: EAGAIN with
 *     mapped = 5 pages (partial progress, as for every CONTINUE);
 *   - long-term pins of piece 1, GUP-slow and GUP-fast: the tracker lists
 *     its 512 pfns, foll_pin balances; a pin running into unmapped piece
 *     2: EFAULT;
 *   - MADV_COLLAPSE maps the page whole again (mapcount 1, data kept),
 *     MADV_DONTNEED leaves mapcount 0, and a punch-hole of the page with
 *     a 2 MiB piece mapped leaves mapcount 0 and frees the page.
 */
static const char *t_pmd_pieces(size_t hs, bool *ok)
{
	size_t per = SZ_2M / pagesize, i;
	unsigned long nfree = free_pages(hs);
	int *seen = NULL, recs, fast, fd, err;
	unsigned long *pfns = NULL;
	struct uffdio_continue cont = { 0 };
	uint64_t acq, rel, snap[8];
	long pte_kb, sm;
	struct hgm h;

	*ok = false;
	if (gup_fd < 0)
		return "no " GUP_TEST_FILE " (CONFIG_GUP_TEST)";
	pfns = calloc(per, sizeof(*pfns));
	seen = calloc(per, sizeof(*seen));
	if (!pfns || !seen || !hgm_setup(&h, hs, 1, UFFD_FEATURE_SIGBUS)) {
		free(pfns);
		free(seen);
		return NULL;
	}
	*ok = expect_err(uffd_continue(h.uffd, h.p + 5 * pagesize, pagesize),
			 0, "CONTINUE of page 5");
	pte_kb = vm_pte_kb();
	*ok &= expect_err(uffd_continue(h.uffd, h.p + SZ_2M, SZ_2M), 0,
			  "CONTINUE of 2 MiB piece 1");
	*ok &= expect_err(uffd_continue(h.uffd, h.p + 3 * SZ_2M, 2 * SZ_2M), 0,
			  "CONTINUE of 2 MiB pieces 3 and 4");
	if (vm_pte_kb() != pte_kb) {
		ksft_print_msg("VmPTE %ld -> %ld kB: PTE tables for 2 MiB pieces\n",
			       pte_kb, vm_pte_kb());
		*ok = false;
	}
	*ok &= expect_mapcount(h.pfn[0], 4, "page 5 and three 2 MiB pieces");
	for (i = per; i < 5 * per; i++) {
		bool want = i < 2 * per || i >= 3 * per;

		if (want ? !mapped_at(&h, i) || !page_ok(h.p, i) :
			   present(h.p + i * pagesize)) {
			ksft_print_msg("page %zu: %s\n", i, want ?
				       "not mapped with its contents" : "mapped");
			*ok = false;
			break;
		}
	}
	sm = smaps_hugetlb(h.p);
	if (sm != (long)(pagesize + 3 * SZ_2M)) {
		ksft_print_msg("smaps: %ld bytes of hugetlb, want %zu\n", sm,
			       pagesize + 3 * SZ_2M);
		*ok = false;
	}
	fd = open(GUP_TEST_FILE, O_RDWR);
	if (fd >= 0) {
		struct pin_longterm_test args = { .addr = (unsigned long)h.p,
						  .size = hs };

		if (!ioctl(fd, MMU_NOTIFIER_TEST_START, &args) &&
		    !hmm_snapshot(fd, h.p + SZ_2M, snap)) {
			for (i = 0; i < 8; i++) {
				if (snap_order(snap[i]) == 9 &&
				    (snap[i] & HMM_TEST_SNAP_PFN_MASK) ==
				    h.pfn[0] + per + i)
					continue;
				ksft_print_msg("HMM: page %zu of piece 1: order %d, want 9\n",
					       i, snap_order(snap[i]));
				*ok = false;
			}
		}
		close(fd);
	}

	*ok &= expect_err(uffd_continue(h.uffd, h.p + SZ_2M + pagesize,
					pagesize), EEXIST, "4 KiB in piece 1");
	*ok &= expect_err(uffd_continue(h.uffd, h.p + 3 * SZ_2M, SZ_2M), EEXIST,
			  "piece 3 again");
	/* Pages 0-4 mapped, then page 5 stops it: partial, EAGAIN. */
	cont.range.start = (unsigned long)h.p;
	cont.range.len = SZ_2M;
	err = ioctl(h.uffd, UFFDIO_CONTINUE, &cont) ? errno : 0;
	*ok &= expect_err(err, EAGAIN, "piece 0, page 5 mapped");
	if (cont.mapped != (__s64)(5 * pagesize)) {
		ksft_print_msg("piece 0: mapped %lld, want %zu\n",
			       (long long)cont.mapped, 5 * pagesize);
		*ok = false;
	}
	*ok &= expect_mapcount(h.pfn[0], 4 + 5, "pages 0-4 of piece 0 added");
	if (!mapped_at(&h, 0) || !mapped_at(&h, 4) || present(h.p + 6 * pagesize)) {
		ksft_print_msg("piece 0: pages 0-5 should be mapped, 6 not\n");
		*ok = false;
	}

	for (i = 0; i < per; i++)
		pfns[i] = h.pfn[0] + per + i;
	for (fast = 0; fast < 2; fast++) {
		acq = foll_pin_count("nr_foll_pin_acquired");
		rel = foll_pin_count("nr_foll_pin_released");
		err = pin_range(h.p + SZ_2M, SZ_2M, fast);
		*ok &= expect_err(err, 0, fast ? "pin piece 1 (GUP-fast)" :
						 "pin piece 1");
		if (err)
			continue;
		memset(seen, 0, per * sizeof(*seen));
		recs = tracker_records(pfns, per, seen);
		for (i = 0; recs >= 0 && i < per; i++) {
			if (recs == (int)per && seen[i] == 1)
				continue;
			ksft_print_msg("tracker: %d records, pfn %#lx seen %d times\n",
				       recs, pfns[i], seen[i]);
			*ok = false;
			break;
		}
		*ok &= expect_mapcount(h.pfn[0], 9, "piece 1 pinned");
		if (ioctl(gup_fd, PIN_LONGTERM_TEST_STOP)) {
			ksft_print_msg("unpin: %s\n", strerror(errno));
			*ok = false;
		}
		acq = foll_pin_count("nr_foll_pin_acquired") - acq;
		rel = foll_pin_count("nr_foll_pin_released") - rel;
		if (acq != per || rel != per) {
			ksft_print_msg("foll_pin: %llu acquired, %llu released, want %zu\n",
				       (unsigned long long)acq,
				       (unsigned long long)rel, per);
			*ok = false;
		}
	}
	acq = foll_pin_count("nr_foll_pin_acquired");
	rel = foll_pin_count("nr_foll_pin_released");
	err = pin_range(h.p + 2 * SZ_2M - 2 * pagesize, 4 * pagesize, false);
	if (!err)
		ioctl(gup_fd, PIN_LONGTERM_TEST_STOP);
	*ok &= expect_err(err, EFAULT, "pin from piece 1 into unmapped piece 2");
	acq = foll_pin_count("nr_foll_pin_acquired") - acq;
	rel = foll_pin_count("nr_foll_pin_released") - rel;
	if (acq != rel) {
		ksft_print_msg("failed pin: foll_pin %llu acquired, %llu released\n",
			       (unsigned long long)acq, (unsigned long long)rel);
		*ok = false;
	}

	*ok &= expect_err(collapse(h.p, hs), 0, "MADV_COLLAPSE");
	*ok &= expect_mapcount(h.pfn[0], 1, "collapsed");
	for (i = 0; i < hs / pagesize; i += per / 2 + 1) {
		if (!mapped_at(&h, i) || !page_ok(h.p, i)) {
			ksft_print_msg("after collapse: page %zu wrong\n", i);
			*ok = false;
			break;
		}
	}
	if (madvise(h.p, hs, MADV_DONTNEED)) {
		ksft_print_msg("MADV_DONTNEED: %s\n", strerror(errno));
		*ok = false;
	}
	*ok &= expect_mapcount(h.pfn[0], 0, "after MADV_DONTNEED");
	*ok &= expect_err(uffd_continue(h.uffd, h.p + 7 * SZ_2M, SZ_2M), 0,
			  "CONTINUE of 2 MiB piece 7");
	*ok &= expect_mapcount(h.pfn[0], 1, "piece 7");
	if (fallocate(h.fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, hs)) {
		ksft_print_msg("punch hole: %s\n", strerror(errno));
		*ok = false;
	}
	*ok &= expect_mapcount(h.pfn[0], 0, "after punch-hole");
	if (present(h.p + 7 * SZ_2M)) {
		ksft_print_msg("piece 7 still mapped after punch-hole\n");
		*ok = false;
	}
	if (free_pages(hs) != nfree) {
		ksft_print_msg("free huge pages %lu, want %lu\n", free_pages(hs),
			       nfree);
		*ok = false;
	}
	hgm_teardown(&h);
	free(pfns);
	free(seen);
	return NULL;
}

/* PAGEMAP_SCAN of [@p, @p + @len) for the pages with @mask: regions or -1. */
static long scan_regions(char *p, size_t len, uint64_t mask,
			 struct page_region *vec, size_t n)
{
	struct pm_scan_arg arg = {
		.size = sizeof(arg),
		.start = (uintptr_t)p, .end = (uintptr_t)p + len,
		.vec = (uintptr_t)vec, .vec_len = n,
		.category_mask = mask, .return_mask = mask,
	};

	return ioctl(pagemap_fd, PAGEMAP_SCAN, &arg);
}

/* Are @vec[0..@n) exactly the page index ranges @want[0..@nwant) of @p? */
static bool regions_are(const char *what, char *p, const struct page_region *vec,
			long n, const size_t (*want)[2], long nwant)
{
	bool ok = n == nwant;
	long i;

	for (i = 0; ok && i < n; i++)
		ok = vec[i].start == (uintptr_t)(p + want[i][0] * pagesize) &&
		     vec[i].end == (uintptr_t)(p + want[i][1] * pagesize);
	if (ok)
		return true;
	ksft_print_msg("%s: %ld regions, want %ld\n", what, n, nwant);
	for (i = 0; i < n && i < 8; i++)
		ksft_print_msg("  pages [%#lx, %#lx)\n",
			       (unsigned long)(vec[i].start - (uintptr_t)p) / pagesize,
			       (unsigned long)(vec[i].end - (uintptr_t)p) / pagesize);
	return false;
}

/*
 * mincore() and PAGEMAP_SCAN see exactly the leaves: 4 KiB pages 3-5, and
 * on a 1 GiB page also the 2 MiB pieces 1 and 3 (PMD entries), are present,
 * nothing else. PAGE_IS_PINNED is per folio for hugetlb (as for every
 * large folio): a pin of page 4 makes every present leaf of the huge page
 * report it, and none once unpinned; unmapped pieces are never reported.
 */
static const char *t_walkers(size_t hs, bool *ok)
{
	size_t per = SZ_2M / pagesize, npages = hs / pagesize, want[3][2], i;
	struct page_region vec[8];
	unsigned char *mc;
	long nwant = 1, n, k;
	struct hgm h;
	int err;

	*ok = false;
	if (gup_fd < 0)
		return "no " GUP_TEST_FILE " (CONFIG_GUP_TEST)";
	mc = malloc(npages);
	if (!mc || !hgm_setup(&h, hs, 1, UFFD_FEATURE_SIGBUS)) {
		free(mc);
		return NULL;
	}
	*ok = expect_err(uffd_continue(h.uffd, h.p + 3 * pagesize, 3 * pagesize),
			 0, "CONTINUE of pages 3-5");
	want[0][0] = 3;
	want[0][1] = 6;
	if (hs > SZ_2M) {
		*ok &= expect_err(uffd_continue(h.uffd, h.p + SZ_2M, SZ_2M), 0,
				  "CONTINUE of 2 MiB piece 1");
		*ok &= expect_err(uffd_continue(h.uffd, h.p + 3 * SZ_2M, SZ_2M), 0,
				  "CONTINUE of 2 MiB piece 3");
		want[1][0] = per;
		want[1][1] = 2 * per;
		want[2][0] = 3 * per;
		want[2][1] = 4 * per;
		nwant = 3;
	}

	if (mincore(h.p, hs, mc)) {
		ksft_print_msg("mincore: %s\n", strerror(errno));
		*ok = false;
	} else {
		for (i = 0; i < npages; i++) {
			bool in = false;

			for (k = 0; k < nwant; k++)
				in |= i >= want[k][0] && i < want[k][1];
			if ((mc[i] & 1) != in) {
				ksft_print_msg("mincore: page %zu is %d, want %d\n",
					       i, mc[i] & 1, in);
				*ok = false;
				break;
			}
		}
	}
	n = scan_regions(h.p, hs, PAGE_IS_PRESENT, vec, 8);
	*ok &= regions_are("PAGEMAP_SCAN PAGE_IS_PRESENT", h.p, vec, n, want, nwant);
	n = scan_regions(h.p, hs, PAGE_IS_PINNED, vec, 8);
	*ok &= regions_are("PAGE_IS_PINNED before the pin", h.p, vec, n, want, 0);
	err = pin_range(h.p + 4 * pagesize, pagesize, false);
	*ok &= expect_err(err, 0, "pin of page 4");
	if (!err) {
		n = scan_regions(h.p, hs, PAGE_IS_PINNED, vec, 8);
		*ok &= regions_are("PAGE_IS_PINNED, page 4 pinned", h.p, vec, n,
				   want, nwant);
		if (ioctl(gup_fd, PIN_LONGTERM_TEST_STOP)) {
			ksft_print_msg("unpin: %s\n", strerror(errno));
			*ok = false;
		}
	}
	n = scan_regions(h.p, hs, PAGE_IS_PINNED, vec, 8);
	*ok &= regions_are("PAGE_IS_PINNED after unpin", h.p, vec, n, want, 0);
	hgm_teardown(&h);
	free(mc);
	return NULL;
}

static const struct pcase pin_cases[] = {
	{ "pins of 4 KiB pieces: tracker pfns exact, foll_pin balanced", t_pins },
	{ "punch-hole while pinned: orphan freed at unpin", t_punch_pinned },
	{ "punch-hole while pinned (GUP-fast): orphan freed at unpin", t_punch_pinned_fast },
	{ "truncate while pinned: orphan freed at unpin", t_truncate_pinned },
	{ "truncate while pinned (GUP-fast): orphan freed at unpin", t_truncate_pinned_fast },
	{ "MADV_COLLAPSE while pinned: pins kept, device and CPU coherent", t_collapse_pinned },
	{ "two VMAs on one file: pin kept when the split one goes", t_two_vmas_pinned },
	{ "fork with a pinned piece: child maps whole, pin kept", t_fork_pinned },
	{ "HMM snapshot: a 4 KiB piece has order 0, whole after collapse", t_hmm_order },
	{ "walkers: mincore and PAGEMAP_SCAN see exactly the leaves", t_walkers },
};

#define NR_PIN_CASES	ARRAY_SIZE(pin_cases)

/* ---- migration, memory-failure, long-term pins (HGM step 4) --------- */

#ifndef MADV_SOFT_OFFLINE
#define MADV_SOFT_OFFLINE	101
#endif
#ifndef MADV_HWPOISON
#define MADV_HWPOISON		100
#endif

/* HugePages_Total of the @hs pool. */
static unsigned long total_pages(size_t hs)
{
	char path[128];
	unsigned long n = 0;
	FILE *f;

	snprintf(path, sizeof(path),
		 "/sys/kernel/mm/hugepages/hugepages-%zukB/nr_hugepages",
		 hs >> 10);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%lu", &n) != 1)
		n = 0;
	fclose(f);
	return n;
}

/* Are the pool counts of @hs what they were (@total, @nfree)? */
static bool pool_is(size_t hs, unsigned long total, unsigned long nfree,
		    const char *what)
{
	if (total_pages(hs) == total && free_pages(hs) == nfree)
		return true;
	ksft_print_msg("%s: pool %lu total, %lu free; want %lu, %lu\n", what,
		       total_pages(hs), free_pages(hs), total, nfree);
	return false;
}

/* 4 KiB pieces 3 and 7 of @h, CONTINUEd; mapcount 2. */
static bool two_pieces(struct hgm *h)
{
	bool ok;

	ok = expect_err(uffd_continue(h->uffd, h->p + 3 * pagesize, pagesize),
			0, "CONTINUE page 3");
	ok &= expect_err(uffd_continue(h->uffd, h->p + 7 * pagesize, pagesize),
			 0, "CONTINUE page 7");
	ok &= expect_mapcount(h->pfn[0], 2, "two 4 KiB pieces");
	return ok;
}

/* Pieces 3 and 7 still mapped at their pfns, with their contents. */
static bool pieces_intact(struct hgm *h, const char *what)
{
	if (mapped_at(h, 3) && mapped_at(h, 7) && page_ok(h->p, 3) &&
	    page_ok(h->p, 7))
		return true;
	ksft_print_msg("%s: pieces 3 and 7 not mapped as before\n", what);
	return false;
}

/*
 * MADV_SOFT_OFFLINE of a huge page with 4 KiB mappings: migration refuses
 * it (EBUSY); nothing moves or is poisoned: the pieces are mapped at the
 * same pfns with their contents, mapcount 2, the pool as it was, and the
 * huge page is freed to the pool at the end. Also with a second mapping
 * of the same file at the huge page size (which migration would have
 * replaced with migration entries and restored).
 */
static const char *t_soft_offline(size_t hs, bool *ok)
{
	unsigned long total = total_pages(hs), nfree = free_pages(hs);
	struct hgm h;
	char *q;
	int err;

	*ok = false;
	if (!hgm_setup(&h, hs, 1, UFFD_FEATURE_SIGBUS))
		return NULL;
	*ok = two_pieces(&h);
	q = map_at(hs, hs, MAP_SHARED, h.fd, hs);
	if (!q) {
		*ok = false;
		goto out;
	}
	*ok &= page_ok(q, 0);
	*ok &= expect_mapcount(h.pfn[0], 3, "two pieces and a whole mapping");
	err = madvise(h.p + 3 * pagesize, pagesize, MADV_SOFT_OFFLINE) ? errno : 0;
	if (err == EINVAL || err == EPERM) {
		munmap(q, hs);
		hgm_teardown(&h);
		*ok = true;
		return err == EINVAL ? "MADV_SOFT_OFFLINE: EINVAL (no CONFIG_MEMORY_FAILURE)" :
				       "MADV_SOFT_OFFLINE: EPERM (not CAP_SYS_ADMIN)";
	}
	*ok &= expect_err(err, EBUSY, "MADV_SOFT_OFFLINE of a piece");
	*ok &= pieces_intact(&h, "after MADV_SOFT_OFFLINE");
	if (pagemap_get_pfn(pagemap_fd, q) != h.pfn[0] || !page_ok(q, 0)) {
		ksft_print_msg("whole mapping moved or lost its contents\n");
		*ok = false;
	}
	*ok &= expect_mapcount(h.pfn[0], 3, "after MADV_SOFT_OFFLINE");
	*ok &= pool_is(hs, total, nfree - 1, "after MADV_SOFT_OFFLINE");
	munmap(q, hs);
out:
	hgm_teardown(&h);
	*ok &= pool_is(hs, total, nfree, "at the end");
	return NULL;
}

/* Set by on_mce() during madvise(), read after it returns. */
static sig_atomic_t mce_signals, mce_code, mce_lsb;
static void *mce_addr;

static void on_mce(int sig, siginfo_t *si, void *uc)
{
	mce_signals++;
	mce_code = si->si_code;
	mce_lsb = si->si_addr_lsb;
	mce_addr = si->si_addr;
}

/* The child of t_hwpoison(): 0 if everything was as expected. */
static int hwpoison_child(size_t hs)
{
	struct sigaction sa = { .sa_sigaction = on_mce, .sa_flags = SA_SIGINFO };
	long pte_kb;
	bool ok;
	struct hgm h;
	char *q;
	int err;

	/* The parent's pagemap file shows the parent's mappings. */
	close(pagemap_fd);
	pagemap_fd = open("/proc/self/pagemap", O_RDONLY);
	if (pagemap_fd < 0 || !hgm_setup(&h, hs, 1, UFFD_FEATURE_SIGBUS))
		return 1;
	ok = two_pieces(&h);
	q = map_at(hs, hs, MAP_SHARED, h.fd, hs);
	if (!q)
		return 1;
	ok &= page_ok(q, 0);
	ok &= expect_mapcount(h.pfn[0], 3, "two pieces and a whole mapping");
	sigaction(SIGBUS, &sa, NULL);
	err = madvise(h.p + 3 * pagesize, pagesize, MADV_HWPOISON) ? errno : 0;
	sa.sa_handler = SIG_DFL;
	sa.sa_flags = 0;
	sigaction(SIGBUS, &sa, NULL);
	if (err == EINVAL || err == EPERM)
		return err == EINVAL ? 2 : 3;
	ok &= expect_err(err, 0, "MADV_HWPOISON of a piece");
	if (mce_signals != 1 || mce_code != BUS_MCEERR_AR ||
	    mce_lsb != log2ul(hs) ||
	    (mce_addr != h.p + 3 * pagesize && mce_addr != q + 3 * pagesize)) {
		ksft_print_msg("SIGBUS: %d, code %d lsb %d at %p; want 1, %d, %d, %p or %p\n",
			       (int)mce_signals, (int)mce_code, (int)mce_lsb,
			       mce_addr, BUS_MCEERR_AR, log2ul(hs),
			       h.p + 3 * pagesize, q + 3 * pagesize);
		ok = false;
	}
	ok &= expect_mapcount(h.pfn[0], 0, "after MADV_HWPOISON");
	if (pagemap_get_entry(pagemap_fd, h.p + 3 * pagesize) & PM_PRESENT ||
	    pagemap_get_entry(pagemap_fd, h.p + 7 * pagesize) & PM_PRESENT ||
	    pagemap_get_entry(pagemap_fd, q) & PM_PRESENT) {
		ksft_print_msg("still mapped after MADV_HWPOISON\n");
		ok = false;
	}
	if (!sigbus_on_read(h.p + 3 * pagesize) ||
	    !sigbus_on_read(h.p + 7 * pagesize) || !sigbus_on_read(q)) {
		ksft_print_msg("no SIGBUS reading the poisoned huge page\n");
		ok = false;
	}
	pte_kb = vm_pte_kb();
	ok &= expect_err(uffd_continue(h.uffd, h.p + 3 * pagesize, pagesize),
			 EIO, "CONTINUE of the poisoned huge page");
	if (vm_pte_kb() != pte_kb) {
		ksft_print_msg("the failed CONTINUE left page tables: VmPTE %ld -> %ld kB\n",
			       pte_kb, vm_pte_kb());
		ok = false;
	}
	ok &= expect_mapcount(h.pfn[0], 0, "at the end");
	munmap(q, hs);
	hgm_teardown(&h);
	return ok ? 0 : 1;
}

/*
 * MADV_HWPOISON of a 4 KiB piece of a huge page that also has a whole
 * mapping: memory-failure unmaps both (mapcount 0, nothing present), the
 * caller gets one SIGBUS (BUS_MCEERR_AR, lsb of the huge page size, the
 * address of the piece in either mapping), later reads get SIGBUS and
 * CONTINUE EIO, leaving no page table behind. In a child, so that a kill
 * (the old "failed to unmap" path) fails the case rather than the run. A
 * poisoned huge page is never handed out again: one fewer usable page for
 * the rest of the boot, so only on the 2 MiB hstate.
 */
/*
 * Run @child (a case that poisons a huge page) in a process of its own,
 * so that its memfd, and the poisoned page with it, go when it exits. Its
 * exit status: 0 passed, 2 no CONFIG_MEMORY_FAILURE (EINVAL), 3 not
 * CAP_SYS_ADMIN (EPERM), anything else failed. Only on 2 MiB pages: a
 * poisoned page is never reused, and there are two 1 GiB pages.
 */
static const char *run_poisoner(int (*child)(size_t), size_t hs, bool *ok)
{
	int status;
	pid_t pid;

	*ok = false;
	if (hs != SZ_2M)
		return "poisoning one of the few 1 GiB pages would leave later tests without it";
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return NULL;
	if (!pid) {
		status = child(hs);
		fflush(stdout);
		_exit(status);
	}
	if (waitpid(pid, &status, 0) != pid)
		return NULL;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 2) {
		*ok = true;
		return "MADV_HWPOISON: EINVAL (no CONFIG_MEMORY_FAILURE)";
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 3) {
		*ok = true;
		return "MADV_HWPOISON: EPERM (not CAP_SYS_ADMIN)";
	}
	*ok = WIFEXITED(status) && !WEXITSTATUS(status);
	if (!*ok)
		ksft_print_msg("child: status %#x\n", status);
	return NULL;
}

static const char *t_hwpoison(size_t hs, bool *ok)
{
	unsigned long total = total_pages(hs), nfree = free_pages(hs);
	const char *why = run_poisoner(hwpoison_child, hs, ok);

	if (why || !*ok)
		return why;
	/*
	 * The memfd is gone with the child: the poisoned folio left the
	 * page cache. memory-failure keeps a reference on it, so it is not
	 * freed to the pool; every other page is.
	 */
	if (total_pages(hs) != total || free_pages(hs) + 1 < nfree) {
		ksft_print_msg("pool: %lu total, %lu free; want %lu, at least %lu\n",
			       total_pages(hs), free_pages(hs), total, nfree - 1);
		*ok = false;
	} else {
		ksft_print_msg("pool after the poisoning: %lu total, %lu free (%lu before)\n",
			       total_pages(hs), free_pages(hs), nfree);
	}
	return NULL;
}

/*
 * A process that asked for early kill (PR_MCE_KILL_EARLY): maps the huge
 * page of @h's file only by its 4 KiB piece 3 (@piece) or whole, tells
 * the poisoner on @wfd, and waits up to 20 s for SIGBUS. 0 if it came as
 * BUS_MCEERR_AO at its own address of piece 3, with the lsb of the huge
 * page size (what memory-failure reports for a hugetlb page).
 */
static int early_kill_child(struct hgm *h, bool piece, int wfd)
{
	struct timespec ts = { .tv_sec = 20 };
	siginfo_t si;
	sigset_t set;
	char *p;
	int uffd;

	sigemptyset(&set);
	sigaddset(&set, SIGBUS);
	if (sigprocmask(SIG_BLOCK, &set, NULL) ||
	    prctl(PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_EARLY, 0, 0))
		return 10;
	/* Only the mapping made here: memory-failure signals one per VMA. */
	munmap(h->p, h->len);
	close(h->uffd);
	p = map_at(h->hs, h->hs, MAP_SHARED, h->fd, h->hs);
	if (!p)
		return 11;
	if (piece) {
		uffd = uffd_new(UFFD_FEATURE_MINOR_HUGETLBFS);
		if (split(p, h->hs) || uffd < 0 ||
		    hgm_uffd_register(uffd, p, h->hs, UFFDIO_REGISTER_MODE_MINOR) ||
		    uffd_continue(uffd, p + 3 * pagesize, pagesize))
			return 12;
	}
	if (!page_ok(p, 3) || write(wfd, "r", 1) != 1)
		return 13;
	if (sigtimedwait(&set, &si, &ts) != SIGBUS) {
		ksft_print_msg("early kill, %s mapping: no SIGBUS in 20 s\n",
			       piece ? "4 KiB" : "whole");
		return 14;
	}
	if (si.si_code != BUS_MCEERR_AO || si.si_addr != p + 3 * pagesize ||
	    si.si_addr_lsb != log2ul(h->hs)) {
		ksft_print_msg("early kill, %s mapping: code %d lsb %d at %p; want %d, %d, %p\n",
			       piece ? "4 KiB" : "whole", si.si_code, si.si_addr_lsb,
			       si.si_addr, BUS_MCEERR_AO, log2ul(h->hs), p + 3 * pagesize);
		return 15;
	}
	return 0;
}

/* The poisoner of t_hwpoison_early(), in a process of its own. */
static int hwpoison_early_child(size_t hs)
{
	struct sigaction sa = { .sa_sigaction = on_mce, .sa_flags = SA_SIGINFO };
	int pipefd[2], i, status, ret = 0;
	pid_t pid[2] = { -1, -1 };
	struct hgm h;
	char c, *q;

	close(pagemap_fd);
	pagemap_fd = open("/proc/self/pagemap", O_RDONLY);
	if (pagemap_fd < 0 || !hgm_setup(&h, hs, 1, UFFD_FEATURE_SIGBUS) || pipe(pipefd))
		return 1;
	for (i = 0; i < 2; i++) {
		fflush(stdout);
		pid[i] = fork();
		if (!pid[i]) {
			close(pipefd[0]);
			status = early_kill_child(&h, !i, pipefd[1]);
			fflush(stdout);
			_exit(status);
		}
	}
	close(pipefd[1]);
	for (i = 0; i < 2; i++)
		if (read(pipefd[0], &c, 1) != 1) {
			ksft_print_msg("an early-kill process did not get ready\n");
			ret = 1;
		}
	q = map_at(hs, hs, MAP_SHARED, h.fd, hs);
	if (!ret && q && page_ok(q, 3)) {
		sigaction(SIGBUS, &sa, NULL);
		if (madvise(q + 3 * pagesize, pagesize, MADV_HWPOISON)) {
			ret = errno == EINVAL ? 2 : errno == EPERM ? 3 : 1;
			ksft_print_msg("MADV_HWPOISON: %s\n", strerror(errno));
		}
		sa.sa_handler = SIG_DFL;
		sa.sa_flags = 0;
		sigaction(SIGBUS, &sa, NULL);
	}
	for (i = 0; i < 2; i++) {
		if (pid[i] < 0 || waitpid(pid[i], &status, 0) != pid[i]) {
			ret = ret ?: 1;
			continue;
		}
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			ksft_print_msg("early-kill process (%s mapping): status %#x\n",
				       i ? "whole" : "4 KiB", status);
			ret = ret ?: 1;
		}
	}
	if (q)
		munmap(q, hs);
	hgm_teardown(&h);
	return ret;
}

/*
 * Early kill reaches a process that maps a poisoned huge page only by a
 * 4 KiB piece, as it reaches one that maps it whole: both asked for it
 * (PR_MCE_KILL_EARLY) and get SIGBUS BUS_MCEERR_AO, at their address of
 * the poisoned page, when a third process poisons it (MADV_HWPOISON
 * through a whole mapping). memory-failure finds them through the file's
 * VMAs, whatever maps the page in them.
 */
static const char *t_hwpoison_early(size_t hs, bool *ok)
{
	return run_poisoner(hwpoison_early_child, hs, ok);
}

/* How many NUMA nodes are online? */
static int nr_nodes(void)
{
	char path[64];
	int n;

	for (n = 0; n < 64; n++) {
		snprintf(path, sizeof(path), "/sys/devices/system/node/node%d", n);
		if (access(path, F_OK))
			break;
	}
	return n;
}

/*
 * move_pages() of a piece of a huge page with 4 KiB mappings to another
 * node: not migrated (status negative, or a positive return), the pieces
 * stay where they were. Needs two NUMA nodes.
 */
static const char *t_move_pages(size_t hs, bool *ok)
{
	void *addr;
	int node = 1, status = 0;
	struct hgm h;
	long ret;

	*ok = false;
	if (nr_nodes() < 2)
		return "one NUMA node (the test VM has one)";
	if (!hgm_setup(&h, hs, 1, UFFD_FEATURE_SIGBUS))
		return NULL;
	*ok = two_pieces(&h);
	addr = h.p + 3 * pagesize;
	ret = syscall(__NR_move_pages, 0, 1UL, &addr, &node, &status,
		      MPOL_MF_MOVE);
	if (!ret && status == node) {
		ksft_print_msg("move_pages moved a huge page with 4 KiB mappings\n");
		*ok = false;
	}
	*ok &= pieces_intact(&h, "after move_pages");
	*ok &= expect_mapcount(h.pfn[0], 2, "after move_pages");
	hgm_teardown(&h);
	return NULL;
}

/* Is @pfn in a ZONE_MOVABLE of /proc/zoneinfo? */
static bool pfn_movable(unsigned long pfn)
{
	unsigned long start = 0, spanned = 0;
	bool movable = false, in = false;
	char line[256];
	FILE *f = fopen("/proc/zoneinfo", "r");

	while (f && fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "Node ", 5)) {
			movable = strstr(line, "zone  Movable") ||
				  strstr(line, "zone Movable");
			continue;
		}
		if (!movable)
			continue;
		if (sscanf(line, " spanned %lu", &spanned) == 1)
			continue;
		if (sscanf(line, " start_pfn: %lu", &start) == 1 &&
		    pfn >= start && pfn < start + spanned)
			in = true;
	}
	if (f)
		fclose(f);
	return in;
}

/*
 * FOLL_LONGTERM pin of a piece of a ZONE_MOVABLE huge page with 4 KiB
 * mappings (GUP-slow and -fast): the pin has to migrate the folio out of
 * ZONE_MOVABLE first, migration refuses, so the pin fails (ENOMEM, as for
 * any folio long-term pinning cannot migrate) with nothing pinned
 * (foll_pin balanced, no tracker record) or moved. After MADV_COLLAPSE
 * the same pin migrates the folio and succeeds (for 1 GiB only if a free
 * 1 GiB page outside ZONE_MOVABLE exists; else it says so).
 */
static const char *t_longterm_movable(size_t hs, bool *ok)
{
	struct pin_longterm_test args;
	struct pin_balance b;
	struct hgm h;
	int fast;

	*ok = false;
	if (gup_fd < 0)
		return "no " GUP_TEST_FILE " (CONFIG_GUP_TEST)";
	if (!hgm_setup(&h, hs, 1, UFFD_FEATURE_SIGBUS))
		return NULL;
	if (!pfn_movable(h.pfn[0])) {
		hgm_teardown(&h);
		*ok = true;
		return "huge page not in ZONE_MOVABLE (boot with movablecore=)";
	}
	*ok = two_pieces(&h);
	balance_start(&b);
	for (fast = 0; fast < 2; fast++) {
		args.addr = (unsigned long)(h.p + 3 * pagesize);
		args.size = pagesize;
		args.flags = PIN_LONGTERM_TEST_FLAG_USE_WRITE |
			     (fast ? PIN_LONGTERM_TEST_FLAG_USE_FAST : 0);
		if (!ioctl(gup_fd, PIN_LONGTERM_TEST_START, &args)) {
			ksft_print_msg("long-term pin%s of a split movable huge page succeeded\n",
				       fast ? " (fast)" : "");
			unpin();
			*ok = false;
		} else {
			*ok &= expect_err(errno, ENOMEM, "long-term pin");
		}
	}
	*ok &= balance_ok(&b);
	*ok &= tracker_is(h.pfn[0], 0, "after the refused pins");
	*ok &= pieces_intact(&h, "after the refused pins");
	*ok &= expect_mapcount(h.pfn[0], 2, "after the refused pins");

	*ok &= expect_err(collapse(h.p, hs), 0, "MADV_COLLAPSE");
	args.addr = (unsigned long)(h.p + 3 * pagesize);
	args.size = pagesize;
	args.flags = PIN_LONGTERM_TEST_FLAG_USE_WRITE;
	if (!ioctl(gup_fd, PIN_LONGTERM_TEST_START, &args)) {
		if (pagemap_get_pfn(pagemap_fd, h.p) == h.pfn[0]) {
			ksft_print_msg("pinned after collapse, but not migrated\n");
			*ok = false;
		}
		*ok &= page_ok(h.p, 3) && page_ok(h.p, 7);
		*ok &= unpin();
	} else if (errno == ENOMEM && hs != SZ_2M) {
		/* Gigantic pages are not allocated at run time. */
		ksft_print_msg("collapsed: ENOMEM, no free %zu kB page outside ZONE_MOVABLE\n",
			       hs >> 10);
	} else {
		ksft_print_msg("pin after MADV_COLLAPSE: %s\n", strerror(errno));
		*ok = false;
	}
	hgm_teardown(&h);
	return NULL;
}

static const struct pcase mf_cases[] = {
	{ "MADV_SOFT_OFFLINE of a split huge page: EBUSY, nothing moved", t_soft_offline },
	{ "MADV_HWPOISON of a split huge page: all unmapped, SIGBUS", t_hwpoison },
	{ "MADV_HWPOISON: early kill reaches 4 KiB and whole mappers", t_hwpoison_early },
	{ "move_pages of a split huge page: not moved", t_move_pages },
	{ "long-term pin of a split ZONE_MOVABLE huge page: ENOMEM", t_longterm_movable },
};

#define NR_MF_CASES	ARRAY_SIZE(mf_cases)

/* ---- allocation failures (fault injection) --------------------------- */

/*
 * Fault injection through pin_util.h's pin_fi_*(): each case makes the
 * 1st, 2nd, ... allocation of one call fail in turn, from the slab or
 * the page allocator (HGM page tables come from the latter).
 */
static const char *fi_setup(void)
{
	return pin_fi_setup(1);
}

static void fail_nth_set(unsigned int n)
{
	if (pin_fi_set(n))
		ksft_exit_fail_msg("fail-nth: %s\n", strerror(errno));
}

static bool fail_nth_fired(void)
{
	return pin_fi_fired();
}

/* Give up on a call that still succeeds after this many failures. */
#define FI_MAX_NTH	200

/*
 * munmap() of the second of two huge pages of a split VMA that has 4 KiB
 * mappings in the first, with its 1st, 2nd, ... allocation failing in
 * turn until one call sees no failure: each fails with ENOMEM or
 * succeeds, and either way the huge page that stays keeps working as a
 * split one: a 4 KiB CONTINUE maps, and MADV_COLLAPSE maps it whole (the
 * part a split leaves needs a VMA lock of its own: without one,
 * MADV_COLLAPSE did nothing and no HGM table could be made in it). One
 * memfd, so each round only maps it again.
 */
static const char *t_fi_munmap(size_t hs, bool *ok)
{
	unsigned int n, failed = 0, enomem = 0;
	const char *why = fi_setup();
	bool fired = true, unmapped;
	struct hgm h;
	char *p;
	int err;

	*ok = false;
	if (why)
		return why;
	if (!hgm_setup(&h, hs, 2, 0))
		return NULL;
	munmap(h.p, h.len);
	h.p = NULL;
	*ok = true;
	for (n = 1; n <= FI_MAX_NTH && fired && *ok; n++) {
		p = map_at(h.len, hs, MAP_SHARED, h.fd, hs);
		if (!p || split(p, h.len) ||
		    hgm_uffd_register(h.uffd, p, h.len, UFFDIO_REGISTER_MODE_MINOR) ||
		    uffd_continue(h.uffd, p + pagesize, pagesize)) {
			ksft_print_msg("round %u: setting up failed\n", n);
			*ok = false;
			break;
		}
		fail_nth_set(n);
		unmapped = !munmap(p + hs, hs);
		err = unmapped ? 0 : errno;
		fired = fail_nth_fired();
		failed += fired;
		if (err) {
			enomem++;
			*ok &= expect_err(err, ENOMEM, "munmap, an allocation failing");
		}
		err = uffd_continue(h.uffd, p + 2 * pagesize, pagesize);
		*ok &= expect_err(err, 0, "CONTINUE after the munmap");
		err = collapse(p, hs);
		*ok &= expect_err(err, 0, "MADV_COLLAPSE after the munmap");
		if (!present(p + 100 * pagesize) || !page_ok(p, 100)) {
			ksft_print_msg("round %u (munmap %s): MADV_COLLAPSE did not map page 100\n",
				       n, unmapped ? "done" : "failed");
			*ok = false;
		}
		munmap(p, h.len);
	}
	if (*ok && fired) {
		ksft_print_msg("munmap: an allocation still failed at the %dth\n", FI_MAX_NTH);
		*ok = false;
	}
	ksft_print_msg("%u allocations failed in turn: munmap ENOMEM %u times\n",
		       failed, enomem);
	hgm_teardown(&h);
	return NULL;
}

/*
 * mmap() of a huge page of a hugetlb memfd with its 1st, 2nd, ...
 * allocation failing in turn: ENOMEM, or a mapping that MADV_SPLIT
 * either splits so that a 4 KiB CONTINUE maps, or refuses with ENOMEM
 * (its VMA lock could not be allocated: no HGM table could ever be made).
 */
static const char *t_fi_mmap(size_t hs, bool *ok)
{
	unsigned int n, failed = 0, mmap_enomem = 0, split_enomem = 0;
	const char *why = fi_setup();
	bool fired = true;
	struct hgm h;
	char *q, *p;
	int err;

	*ok = false;
	if (why)
		return why;
	if (!hgm_setup(&h, hs, 1, 0))
		return NULL;
	munmap(h.p, h.len);
	h.p = NULL;
	*ok = true;
	for (n = 1; n <= FI_MAX_NTH && fired && *ok; n++) {
		q = reserve(hs, hs);
		if (!q) {
			*ok = false;
			break;
		}
		fail_nth_set(n);
		p = mmap(q, hs, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_FIXED | MAP_NORESERVE, h.fd, 0);
		err = p == MAP_FAILED ? errno : 0;
		fired = fail_nth_fired();
		failed += fired;
		if (err) {
			mmap_enomem++;
			*ok &= expect_err(err, ENOMEM, "mmap, an allocation failing");
			munmap(q, hs);
			continue;
		}
		err = split(p, hs);
		if (err == ENOMEM) {
			split_enomem++;
		} else if (!expect_err(err, 0, "MADV_SPLIT")) {
			*ok = false;
		} else {
			err = hgm_uffd_register(h.uffd, p, hs, UFFDIO_REGISTER_MODE_MINOR);
			*ok &= expect_err(err, 0, "UFFDIO_REGISTER");
			err = uffd_continue(h.uffd, p + 5 * pagesize, pagesize);
			*ok &= expect_err(err, 0, "CONTINUE in the split mapping");
			*ok &= present(p + 5 * pagesize) && page_ok(p, 5);
		}
		munmap(p, hs);
	}
	if (*ok && fired) {
		ksft_print_msg("mmap: an allocation still failed at the %dth\n", FI_MAX_NTH);
		*ok = false;
	}
	ksft_print_msg("%u allocations failed in turn: ENOMEM from mmap %u, from MADV_SPLIT %u\n",
		       failed, mmap_enomem, split_enomem);
	hgm_teardown(&h);
	return NULL;
}

/* A fresh split, MINOR-registered mapping of the first huge page of @h. */
static char *fi_map_split(struct hgm *h, unsigned int n)
{
	char *p = map_at(h->hs, h->hs, MAP_SHARED, h->fd, h->hs);

	if (!p || split(p, h->hs) ||
	    hgm_uffd_register(h->uffd, p, h->hs, UFFDIO_REGISTER_MODE_MINOR)) {
		ksft_print_msg("round %u: setting up failed\n", n);
		if (p)
			munmap(p, h->hs);
		return NULL;
	}
	return p;
}

/*
 * A 4 KiB UFFDIO_CONTINUE into a fresh split mapping (it allocates the
 * HGM page tables) with its 1st, 2nd, ... allocation failing in turn:
 * ENOMEM with nothing mapped and no page table left (VmPTE as before the
 * mapping), and then a CONTINUE that maps the piece; or the piece mapped.
 */
static const char *t_fi_continue(size_t hs, bool *ok)
{
	unsigned int n, failed = 0, enomem = 0;
	const char *why = fi_setup();
	bool fired = true;
	long pte_kb;
	struct hgm h;
	char *p;
	int err;

	*ok = false;
	if (why)
		return why;
	if (!hgm_setup(&h, hs, 1, UFFD_FEATURE_SIGBUS))
		return NULL;
	*ok = true;
	for (n = 1; n <= FI_MAX_NTH && fired && *ok; n++) {
		pte_kb = vm_pte_kb();
		p = fi_map_split(&h, n);
		if (!p) {
			*ok = false;
			break;
		}
		fail_nth_set(n);
		err = uffd_continue(h.uffd, p + 5 * pagesize, pagesize);
		fired = fail_nth_fired();
		failed += fired;
		if (err) {
			enomem++;
			*ok &= expect_err(err, ENOMEM, "CONTINUE, an allocation failing");
			if (present(p + 5 * pagesize)) {
				ksft_print_msg("round %u: a failed CONTINUE mapped\n", n);
				*ok = false;
			}
			*ok &= expect_mapcount(h.pfn[0], 0, "after the failed CONTINUE");
			err = uffd_continue(h.uffd, p + 5 * pagesize, pagesize);
			*ok &= expect_err(err, 0, "CONTINUE again");
		}
		if (!present(p + 5 * pagesize) || !page_ok(p, 5)) {
			ksft_print_msg("round %u: piece 5 not mapped with its content\n", n);
			*ok = false;
		}
		*ok &= expect_mapcount(h.pfn[0], 1, "one piece");
		munmap(p, hs);
		if (vm_pte_kb() != pte_kb) {
			ksft_print_msg("round %u: VmPTE %ld -> %ld kB after munmap\n",
				       n, pte_kb, vm_pte_kb());
			*ok = false;
		}
	}
	if (*ok && fired) {
		ksft_print_msg("CONTINUE: an allocation still failed at the %dth\n", FI_MAX_NTH);
		*ok = false;
	}
	if (*ok && !failed) {
		ksft_print_msg("CONTINUE allocated nothing: no page table made?\n");
		*ok = false;
	}
	ksft_print_msg("%u allocations failed in turn: CONTINUE ENOMEM %u times\n",
		       failed, enomem);
	hgm_teardown(&h);
	return NULL;
}

static const struct pcase fi_cases[] = {
	{ "munmap of part of a split VMA with each allocation failing", t_fi_munmap },
	{ "mmap then MADV_SPLIT with each allocation failing", t_fi_mmap },
	{ "4 KiB CONTINUE with each allocation failing", t_fi_continue },
};

#define NR_FI_CASES	ARRAY_SIZE(fi_cases)

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
	if (!skip && nfree < 2) {
		snprintf(reason, sizeof(reason), "%lu free %zu kB pages, need 2",
			 nfree, hs >> 10);
		skip = reason;
	}
	for (i = 0; i < NR_HGM_CASES; i++) {
		if (skip) {
			ksft_test_result_skip("%s (%zu kB): %s\n",
					      hgm_cases[i].name, hs >> 10, skip);
			continue;
		}
		ksft_test_result(hgm_cases[i].fn(hs), "%s (%zu kB)\n",
				 hgm_cases[i].name, hs >> 10);
	}
	for (i = 0; i < NR_PIN_CASES; i++) {
		const char *why = skip;

		if (!why)
			why = pin_cases[i].fn(hs, &ok);
		if (why)
			ksft_test_result_skip("%s (%zu kB): %s\n",
					      pin_cases[i].name, hs >> 10, why);
		else
			ksft_test_result(ok, "%s (%zu kB)\n",
					 pin_cases[i].name, hs >> 10);
	}
	for (i = 0; i < NR_FI_CASES; i++) {
		const char *why = skip;

		if (!why)
			why = fi_cases[i].fn(hs, &ok);
		if (why)
			ksft_test_result_skip("%s (%zu kB): %s\n",
					      fi_cases[i].name, hs >> 10, why);
		else
			ksft_test_result(ok, "%s (%zu kB)\n",
					 fi_cases[i].name, hs >> 10);
	}
	pin_fi_restore();
	for (i = 0; i < NR_MF_CASES; i++) {
		const char *why = skip;

		if (!why)
			why = mf_cases[i].fn(hs, &ok);
		if (why)
			ksft_test_result_skip("%s (%zu kB): %s\n",
					      mf_cases[i].name, hs >> 10, why);
		else
			ksft_test_result(ok, "%s (%zu kB)\n",
					 mf_cases[i].name, hs >> 10);
	}
	if (hs != SZ_2M) {
		const char *why = skip ? skip : t_pmd_pieces(hs, &ok);

		if (why)
			ksft_test_result_skip("2 MiB pieces: one PMD entry each (%zu kB): %s\n",
					      hs >> 10, why);
		else
			ksft_test_result(ok, "2 MiB pieces: one PMD entry each (%zu kB)\n",
					 hs >> 10);
		return;
	}
	skip = skip_all;
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

/* ---- the 60 s stress (-s): pins, punch-hole + re-CONTINUE, collapse -- */

/*
 * One file of st_npages huge pages: a split mapping registered for minor
 * faults in SIGBUS mode (so no thread ever blocks in a fault) and a second,
 * ordinary mapping of the same file. Threads, for st_secs seconds:
 *
 *   two pinners      each owns every other group of 8 pieces (the even
 *                    groups, alternately); a round CONTINUEs a run of 1-8
 *                    pieces, pins it long-term (GUP-fast or GUP-slow,
 *                    random), then under the read side of st_lock: the CPU
 *                    writes a pattern through the split mapping and the
 *                    device must read it (PIN_LONGTERM_TEST_READ), the device
 *                    writes one (PIN_LONGTERM_TEST_WRITE) and the CPU must
 *                    read it through the split mapping; then, outside the
 *                    lock, holds the pin for up to 1 ms (punch-holes and
 *                    collapses race with it), checks that the pinned pages
 *                    still hold the device's pattern (an orphan keeps it) and
 *                    unpins;
 *   a CONTINUE thread random 4 KiB, 2 MiB (of a 1 GiB page) and whole
 *                    CONTINUEs anywhere, racing with everything; now and
 *                    then it checks that a piece of an odd group reads the
 *                    stamp of its huge page's generation;
 *   a GUP-fast thread short pins (gup_test PIN_FAST_BENCHMARK, with and
 *                    without FOLL_LONGTERM and FOLL_NOFAULT) and GUP-slow
 *                    ones (PIN_BASIC_TEST) of random ranges of both
 *                    mappings, never under st_lock;
 *   a collapse thread MADV_COLLAPSE of the split range, and now and then
 *                    MADV_DONTNEED of one huge page of it;
 *   a punch thread   under the write side of st_lock: FALLOC_FL_PUNCH_HOLE
 *                    of one huge page (pinned pieces become orphans), then
 *                    fallocate() it again (retrying while orphans hold the
 *                    pool) and stamp it with a new generation through the
 *                    second mapping.
 *
 * Reads through the split mapping run under a per-thread SIGBUS handler: a
 * piece unmapped by a racing MADV_DONTNEED is read through the second
 * mapping instead (counted, not an error). Checks: no write lost either
 * way and no stamp wrong; no unexpected errno; while running, the tracker's
 * bad_unpins and freed_pinned do not move; at the end foll_pin acquired ==
 * released, the tracker lists nothing for this process, and free_hugepages
 * is back to what it was (no huge page leaked). Splats are the harness's.
 */
#define ST_PINNERS	2
#define ST_GROUP	8
#define FOLL_WRITE_FLAG		0x01	/* the kernel's FOLL_* values */
#define FOLL_NOFAULT_FLAG	0x20
#define FOLL_LONGTERM_FLAG	0x100

static size_t st_hs, st_npages, st_pieces;
static unsigned long st_secs, st_seed;
static char *st_split, *st_plain;
static int st_fd, st_uffd;
static unsigned long st_gen[2];
static pthread_rwlock_t st_lock;
static bool st_stop;
static unsigned long st_rounds[5], st_fallbacks, st_pin_fail, st_gup_calls;
static unsigned long st_lost, st_errors;
static pthread_mutex_t st_msg = PTHREAD_MUTEX_INITIALIZER;
static __thread sigjmp_buf st_jmp;
static __thread bool st_armed;	/* __atomic: read by the handler */

#define st_report(counter, ...)						\
	do {								\
		pthread_mutex_lock(&st_msg);				\
		if ((counter)++ < 5)					\
			ksft_print_msg(__VA_ARGS__);			\
		pthread_mutex_unlock(&st_msg);				\
	} while (0)

static bool st_stopping(void)
{
	return __atomic_load_n(&st_stop, __ATOMIC_RELAXED);
}

static uint64_t st_rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void st_on_sigbus(int sig)
{
	if (__atomic_load_n(&st_armed, __ATOMIC_RELAXED))
		siglongjmp(st_jmp, 1);
	signal(sig, SIG_DFL);
	raise(sig);
}

static uint64_t st_stamp(size_t i, unsigned long gen)
{
	return stamp(i) ^ ((uint64_t)gen << 40);
}

/* Stamp huge page @k through the plain mapping with its generation. */
static void st_fill(size_t k)
{
	size_t per = st_hs / pagesize, i;

	for (i = k * per; i < (k + 1) * per; i++) {
		uint64_t *w = (uint64_t *)(st_plain + i * pagesize);

		w[0] = st_stamp(i, st_gen[k]);
		w[pagesize / sizeof(*w) - 1] = ~st_stamp(i, st_gen[k]);
	}
}

/*
 * Copy @len bytes between @buf and piece @i onwards of the split mapping
 * (@to_map: buf -> mapping); a SIGBUS (a piece not mapped) redoes it
 * through the plain mapping. Returns whether it fell back.
 */
static bool st_copy(size_t i, void *buf, size_t len, bool to_map)
{
	char *m = st_split + i * pagesize;
	bool fell = false;

	if (sigsetjmp(st_jmp, 1)) {
		__atomic_store_n(&st_armed, false, __ATOMIC_RELAXED);
		m = st_plain + i * pagesize;
		fell = true;
		__atomic_add_fetch(&st_fallbacks, 1, __ATOMIC_RELAXED);
	} else {
		__atomic_store_n(&st_armed, true, __ATOMIC_RELAXED);
	}
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	if (to_map)
		memcpy(m, buf, len);
	else
		memcpy(buf, m, len);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(&st_armed, false, __ATOMIC_RELAXED);
	return fell;
}

static void fill_buf(uint64_t *b, size_t len, uint64_t v)
{
	size_t i;

	for (i = 0; i < len / sizeof(*b); i++)
		b[i] = v ^ i;
}

static size_t bad_word(const uint64_t *b, size_t len, uint64_t v)
{
	size_t i;

	for (i = 0; i < len / sizeof(*b); i++)
		if (b[i] != (v ^ i))
			return i;
	return (size_t)-1;
}

/* Do the pinned pages (PIN_LONGTERM_TEST_READ) hold pattern @v? */
static void st_dev_check(int fd, uint64_t *buf, size_t len, uint64_t v,
			 long me, size_t first, const char *what)
{
	__u64 ubuf = (unsigned long)buf;
	size_t bad;

	memset(buf, 0, len);
	if (ioctl(fd, PIN_LONGTERM_TEST_READ, &ubuf)) {
		st_report(st_errors, "pinner %ld: PIN_LONGTERM_TEST_READ: %s\n",
			  me, strerror(errno));
		return;
	}
	bad = bad_word(buf, len, v);
	if (bad != (size_t)-1)
		st_report(st_lost, "pinner %ld: %s: piece %zu word %zu\n", me, what,
			  first, bad);
}

static void *st_pinner(void *arg)
{
	long me = (long)arg;
	uint64_t seed = st_seed + me, v;
	size_t groups = st_pieces / ST_GROUP, g, first, n, len, j, bad;
	int fd = open(GUP_TEST_FILE, O_RDWR), err;
	uint64_t *buf = malloc(ST_GROUP * pagesize);
	__u64 ubuf = (unsigned long)buf;
	bool fast;

	if (fd < 0 || !buf) {
		st_report(st_errors, "pinner %ld: setup: %s\n", me, strerror(errno));
		return NULL;
	}
	while (!st_stopping()) {
		struct pin_longterm_test args = { 0 };

		/* An even group of ours. */
		g = (st_rnd(&seed) % (groups / (2 * ST_PINNERS)) * ST_PINNERS + me) * 2;
		first = g * ST_GROUP + st_rnd(&seed) % ST_GROUP;
		n = 1 + st_rnd(&seed) % (ST_GROUP - first % ST_GROUP);
		len = n * pagesize;
		for (j = 0; j < n; j++) {
			err = uffd_continue(st_uffd, st_split + (first + j) * pagesize,
					    pagesize);
			if (err && err != EEXIST && err != EFAULT && err != EAGAIN)
				st_report(st_errors, "pinner %ld: CONTINUE: %s\n", me,
					  strerror(err));
		}
		fast = st_rnd(&seed) & 1;
		args.addr = (unsigned long)(st_split + first * pagesize);
		args.size = len;
		args.flags = PIN_LONGTERM_TEST_FLAG_USE_WRITE |
			     (fast ? PIN_LONGTERM_TEST_FLAG_USE_FAST : 0);
		pthread_rwlock_rdlock(&st_lock);
		if (ioctl(fd, PIN_LONGTERM_TEST_START, &args)) {
			/* A piece unmapped again (EFAULT in SIGBUS mode). */
			if (errno != EFAULT)
				st_report(st_errors, "pinner %ld: pin: %s\n", me,
					  strerror(errno));
			__atomic_add_fetch(&st_pin_fail, 1, __ATOMIC_RELAXED);
			pthread_rwlock_unlock(&st_lock);
			continue;
		}
		/* CPU -> device. */
		v = st_rnd(&seed);
		fill_buf(buf, len, v);
		st_copy(first, buf, len, true);
		st_dev_check(fd, buf, len, v, me, first, "device misses a CPU write");
		/* Device -> CPU, through the split mapping. */
		v = st_rnd(&seed);
		fill_buf(buf, len, v);
		if (ioctl(fd, PIN_LONGTERM_TEST_WRITE, &ubuf))
			st_report(st_errors, "pinner %ld: PIN_LONGTERM_TEST_WRITE: %s\n",
				  me, strerror(errno));
		memset(buf, 0, len);
		st_copy(first, buf, len, false);
		bad = bad_word(buf, len, v);
		if (bad != (size_t)-1)
			st_report(st_lost, "pinner %ld: CPU misses device write: %zu/%zu\n",
				  me, first, bad);
		pthread_rwlock_unlock(&st_lock);

		/* Hold the pin while punch-holes and collapses race. */
		usleep(st_rnd(&seed) % 1000);
		st_dev_check(fd, buf, len, v, me, first, "pinned pages lost a device write");
		if (ioctl(fd, PIN_LONGTERM_TEST_STOP))
			st_report(st_errors, "pinner %ld: unpin: %s\n", me, strerror(errno));
		__atomic_add_fetch(&st_rounds[me], 1, __ATOMIC_RELAXED);
	}
	close(fd);
	free(buf);
	return NULL;
}

static void *st_continuer(void *arg)
{
	uint64_t seed = st_seed + 10, w[2];
	size_t per = st_hs / pagesize, i, len;
	unsigned long gen;
	int err;

	(void)arg;
	while (!st_stopping()) {
		i = st_rnd(&seed) % st_pieces;
		len = pagesize;
		switch (st_rnd(&seed) % 64) {
		case 0:		/* the whole huge page */
			i -= i % per;
			len = st_hs;
			break;
		case 1:		/* a 2 MiB piece of a 1 GiB page */
			if (st_hs > SZ_2M) {
				i -= i % (SZ_2M / pagesize);
				len = SZ_2M;
			}
			break;
		}
		err = uffd_continue(st_uffd, st_split + i * pagesize, len);
		if (err && err != EEXIST && err != EFAULT && err != EAGAIN)
			st_report(st_errors, "CONTINUE of %zu bytes at piece %zu: %s\n",
				  len, i, strerror(err));
		if (st_rnd(&seed) % 8 == 0) {
			/* A stamped piece (odd group) reads its generation. */
			i = (i / ST_GROUP) | 1;
			i = i * ST_GROUP + st_rnd(&seed) % ST_GROUP;
			if (i >= st_pieces)
				continue;
			pthread_rwlock_rdlock(&st_lock);
			gen = st_gen[i / per];
			st_copy(i, w, sizeof(w[0]), false);
			if (w[0] != st_stamp(i, gen))
				st_report(st_lost, "piece %zu: %#llx, not generation %lu\n",
					  i, (unsigned long long)w[0], gen);
			pthread_rwlock_unlock(&st_lock);
		}
		__atomic_add_fetch(&st_rounds[2], 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void *st_gup(void *arg)
{
	uint64_t seed = st_seed + 20;
	int fd = open(GUP_TEST_FILE, O_RDWR);
	size_t first, n;

	(void)arg;
	if (fd < 0)
		return NULL;
	while (!st_stopping()) {
		struct gup_test gup = { 0 };
		unsigned long cmd = PIN_FAST_BENCHMARK;
		uint64_t r = st_rnd(&seed);

		first = st_rnd(&seed) % st_pieces;
		n = 1 + st_rnd(&seed) % 512;
		if (first + n > st_pieces)
			n = st_pieces - first;
		gup.addr = (unsigned long)((r & 1 ? st_plain : st_split) +
					   first * pagesize);
		gup.size = n * pagesize;
		gup.nr_pages_per_call = 1 + st_rnd(&seed) % 64;
		gup.gup_flags = FOLL_WRITE_FLAG;
		if (r & 2)
			gup.gup_flags |= FOLL_LONGTERM_FLAG;
		if (r & 4)
			gup.gup_flags |= FOLL_NOFAULT_FLAG;
		else if (r & 8)
			cmd = PIN_BASIC_TEST;
		/* Partial pins over unmapped pieces are fine; EINVAL is ours. */
		if (ioctl(fd, cmd, &gup) && errno == EINVAL)
			st_report(st_errors, "gup_test %#lx flags %#x: EINVAL\n", cmd,
				  gup.gup_flags);
		__atomic_add_fetch(&st_gup_calls, 1, __ATOMIC_RELAXED);
	}
	close(fd);
	return NULL;
}

static void *st_collapser(void *arg)
{
	uint64_t seed = st_seed + 30;
	size_t k;
	int err;

	(void)arg;
	while (!st_stopping()) {
		usleep(2000 + st_rnd(&seed) % 20000);
		if (st_rnd(&seed) % 4 == 0) {
			k = st_rnd(&seed) % st_npages;
			if (madvise(st_split + k * st_hs, st_hs, MADV_DONTNEED))
				st_report(st_errors, "MADV_DONTNEED: %s\n", strerror(errno));
			continue;
		}
		err = collapse(st_split, st_npages * st_hs);
		if (err)
			st_report(st_errors, "MADV_COLLAPSE: %s\n", strerror(err));
		__atomic_add_fetch(&st_rounds[3], 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void *st_puncher(void *arg)
{
	uint64_t seed = st_seed + 40;
	unsigned long pause = st_hs > SZ_2M ? 500000 : 5000;
	size_t k;

	(void)arg;
	while (!st_stopping()) {
		usleep(pause + st_rnd(&seed) % (4 * pause));
		k = st_rnd(&seed) % st_npages;
		pthread_rwlock_wrlock(&st_lock);
		if (fallocate(st_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			      k * st_hs, st_hs))
			st_report(st_errors, "punch hole: %s\n", strerror(errno));
		/* Orphans may hold the pool until their pins go. */
		while (fallocate(st_fd, 0, k * st_hs, st_hs)) {
			if ((errno != ENOSPC && errno != ENOMEM) || st_stopping()) {
				st_report(st_errors, "fallocate: %s\n", strerror(errno));
				break;
			}
			usleep(1000);
		}
		st_gen[k]++;
		st_fill(k);
		pthread_rwlock_unlock(&st_lock);
		__atomic_add_fetch(&st_rounds[4], 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

/* Seconds of CLOCK_MONOTONIC. */
static unsigned long mono_secs(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static void run_stress(size_t hs, unsigned long secs)
{
	static void *(*const fns[])(void *) = {
		st_pinner, st_pinner, st_continuer, st_gup, st_collapser, st_puncher,
	};
	unsigned long nfree = free_pages(hs), t, k, nfree_end = 0, start, last;
	long bad0 = pin_summary("bad_unpins"), freed0 = pin_summary("freed_pinned");
	bool tracker = bad0 >= 0, events_ok = true, pins_ok = true;
	struct sigaction sa = { .sa_handler = st_on_sigbus };
	pthread_rwlockattr_t attr;
	const char *skip = skip_all;
	struct pin_balance b;
	pthread_t th[6];
	char reason[128];
	struct hgm h;
	int i, recs;

	if (!skip && gup_fd < 0)
		skip = "no " GUP_TEST_FILE " (CONFIG_GUP_TEST)";
	st_npages = hs == SZ_2M ? 2 : 1;	/* struct hgm has two pfns */
	if (!skip && nfree < st_npages + 1) {
		snprintf(reason, sizeof(reason), "%lu free %zu kB pages, need %zu",
			 nfree, hs >> 10, st_npages + 1);
		skip = reason;
	}
	if (!skip && !secs)
		skip = "no time for it (-t)";
	if (skip) {
		for (i = 0; i < 3; i++)
			ksft_test_result_skip("stress (%zu kB): %s\n", hs >> 10, skip);
		return;
	}
	if (!hgm_setup(&h, hs, st_npages, UFFD_FEATURE_SIGBUS)) {
		for (i = 0; i < 3; i++)
			ksft_test_result_fail("stress (%zu kB): setup\n", hs >> 10);
		return;
	}
	st_hs = hs;
	st_pieces = h.len / pagesize;
	st_split = h.p;
	st_fd = h.fd;
	st_uffd = h.uffd;
	st_secs = secs;
	st_stop = false;
	memset(st_gen, 0, sizeof(st_gen));
	memset(st_rounds, 0, sizeof(st_rounds));
	st_fallbacks = 0;
	st_pin_fail = 0;
	st_gup_calls = 0;
	st_lost = 0;
	st_errors = 0;
	st_plain = map_at(h.len, hs, MAP_SHARED, h.fd, hs);
	if (!st_plain) {
		hgm_teardown(&h);
		for (i = 0; i < 3; i++)
			ksft_test_result_fail("stress (%zu kB): second mapping\n", hs >> 10);
		return;
	}
	for (k = 0; k < st_npages; k++)
		st_fill(k);
	sigaction(SIGBUS, &sa, NULL);
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&st_lock, &attr);
	ksft_print_msg("stress (%zu kB): %lu s, seed %lu, %zu huge pages, tracker %s, %lu free\n",
		       hs >> 10, secs, st_seed, st_npages, tracker ? "on" : "off", nfree);
	balance_start(&b);

	for (i = 0; i < 6; i++)
		pthread_create(&th[i], NULL, fns[i], (void *)(long)i);
	/*
	 * @secs of CLOCK_MONOTONIC, not @secs rounds of a second: on a debug
	 * kernel under TCG each reading of the tracker's summary takes long.
	 */
	start = mono_secs();
	for (t = 0, last = 0; t < secs; last = t) {
		sleep(1);
		if (tracker && events_ok &&
		    (pin_summary("bad_unpins") != bad0 ||
		     pin_summary("freed_pinned") != freed0)) {
			ksft_print_msg("%lu s: bad_unpins %ld -> %ld, freed_pinned %ld -> %ld\n",
				       mono_secs() - start, bad0, pin_summary("bad_unpins"),
				       freed0, pin_summary("freed_pinned"));
			events_ok = false;
		}
		t = mono_secs() - start;
		if (t / 10 != last / 10 || t >= secs) {
			ksft_print_msg("%lu s: pins %lu+%lu (%lu refused), CONTINUE %lu, gup %lu\n",
				       t, st_rounds[0], st_rounds[1], st_pin_fail,
				       st_rounds[2], st_gup_calls);
			ksft_print_msg("%lu s: collapse %lu, punch %lu, fallback %lu\n",
				       t, st_rounds[3], st_rounds[4], st_fallbacks);
		}
	}
	__atomic_store_n(&st_stop, true, __ATOMIC_RELAXED);
	for (i = 0; i < 6; i++)
		pthread_join(th[i], NULL);
	signal(SIGBUS, SIG_DFL);
	pthread_rwlock_destroy(&st_lock);
	munmap(st_plain, h.len);
	hgm_teardown(&h);

	ksft_test_result(!st_lost && !st_errors && st_rounds[0] + st_rounds[1],
			 "stress (%zu kB): no CPU or device write lost, no unexpected error (%lu pin rounds)\n",
			 hs >> 10, st_rounds[0] + st_rounds[1]);
	pins_ok = balance_ok(&b) && events_ok;
	recs = tracker_records(NULL, 0, NULL);
	if (recs > 0 || (tracker && pin_summary("pinned_pages") > 0)) {
		ksft_print_msg("tracker: %d records of this process, pinned_pages=%ld\n",
			       recs, pin_summary("pinned_pages"));
		pins_ok = false;
	}
	ksft_test_result(pins_ok, "stress (%zu kB): foll_pin balanced%s\n", hs >> 10,
			 tracker ? ", tracker empty, no bad_unpins or freed_pinned" :
			 " (tracker off)");
	for (i = 0; i < 100; i++) {
		nfree_end = free_pages(hs);
		if (nfree_end == nfree)
			break;
		usleep(10000);
	}
	if (nfree_end != nfree)
		ksft_print_msg("free_hugepages %lu, was %lu\n", nfree_end, nfree);
	ksft_test_result(nfree_end == nfree, "stress (%zu kB): free_hugepages back to %lu\n",
			 hs >> 10, nfree);
}

/* ---- benchmarks (-b): make bench-hgm -------------------------------- */

/*
 * Times in ns of CLOCK_MONOTONIC in the guest; make bench-hgm boots with
 * QEMU -icount shift=0, where one guest instruction is one ns, so they
 * are instruction counts. Each row prints "BENCH <row> <value> <unit>";
 * ci/bench-hgm.sh takes medians over the -r rounds.
 */
static uint64_t ns_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct bench_fault {
	int uffd;
	char *split, *plain;
	size_t len;		/* resolved per fault: 4 KiB or the huge page */
	uint64_t cont_ns;	/* the CONTINUE alone, of the last fault */
	uint64_t done;		/* __atomic: faults handled, cont_ns set */
	bool stop;
};

/* A VMM's post-copy handler: "receive" the data (memset), CONTINUE. */
static void *bench_fault_thread(void *arg)
{
	struct bench_fault *bf = arg;
	struct pollfd pfd = { .fd = bf->uffd, .events = POLLIN };
	struct uffd_msg msg;
	unsigned long a;
	uint64_t t;

	while (!__atomic_load_n(&bf->stop, __ATOMIC_ACQUIRE)) {
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		if (read(bf->uffd, &msg, sizeof(msg)) != sizeof(msg) ||
		    msg.event != UFFD_EVENT_PAGEFAULT)
			continue;
		a = msg.arg.pagefault.address & ~(bf->len - 1);
		memset(bf->plain + (a - (unsigned long)bf->split), 0x42, bf->len);
		t = ns_now();
		if (uffd_continue(bf->uffd, (void *)a, bf->len))
			ksft_print_msg("bench: CONTINUE in the handler: %s\n",
				       strerror(errno));
		bf->cont_ns = ns_now() - t;
		__atomic_store_n(&bf->done, bf->done + 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

/*
 * First touch of @n pieces (4 KiB) or of the whole huge page (@n = 1,
 * @len = hs): the latency of each fault as the toucher sees it, and the
 * CONTINUE's share. Prints medians.
 */
static void bench_faults(struct hgm *h, char *plain, size_t len, size_t n,
			 const char *row)
{
	struct bench_fault bf = { .uffd = h->uffd, .split = h->p, .plain = plain,
				  .len = len };
	uint64_t *lat = calloc(n, sizeof(*lat)), *cont = calloc(n, sizeof(*cont)), t;
	size_t per = h->hs / pagesize, i, k;
	pthread_t th;

	pthread_create(&th, NULL, bench_fault_thread, &bf);
	for (k = 0; k < n; k++) {
		i = len == pagesize ? (k * 7919) % per : 0;
		t = ns_now();
		(void)__atomic_load_n(h->p + i * pagesize, __ATOMIC_RELAXED);
		lat[k] = ns_now() - t;
		/*
		 * The CONTINUE wakes the toucher before the handler stores
		 * its time: wait for this fault's (at most a second).
		 */
		t = ns_now();
		while (__atomic_load_n(&bf.done, __ATOMIC_ACQUIRE) < k + 1 &&
		       ns_now() - t < 1000000000ULL)
			sched_yield();
		if (__atomic_load_n(&bf.done, __ATOMIC_ACQUIRE) < k + 1)
			ksft_print_msg("bench: fault %zu was not handled\n", k);
		cont[k] = bf.cont_ns;
		if (len != pagesize)
			madvise(h->p, h->hs, MADV_DONTNEED);
	}
	__atomic_store_n(&bf.stop, true, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	qsort(lat, n, sizeof(*lat), cmp_u64);
	qsort(cont, n, sizeof(*cont), cmp_u64);
	ksft_print_msg("BENCH %s_fault %llu ns\n", row, (unsigned long long)lat[n / 2]);
	ksft_print_msg("BENCH %s_fault_continue %llu ns\n", row,
		       (unsigned long long)cont[n / 2]);
	free(lat);
	free(cont);
}

/*
 * Long-term pins of @len at @p, get and put in ns: gup_test
 * PIN_LONGTERM_BENCHMARK (pin_user_pages(FOLL_LONGTERM), GUP-slow) and
 * PIN_FAST_BENCHMARK with FOLL_LONGTERM (pin_user_pages_fast(), what
 * ib_umem_get() and vfio use), 512 pages per call; GUP_BASIC_TEST
 * (get_user_pages()), one page per call.
 */
static void bench_pin(const char *p, size_t len, const char *row)
{
	static const struct {
		unsigned long cmd;
		unsigned int flags, per_call;
		const char *name;
	} k[] = {
		{ PIN_LONGTERM_BENCHMARK, 0x01, 512, "pin" },	/* FOLL_WRITE */
		{ PIN_FAST_BENCHMARK, 0x101, 512, "pinfast" },	/* | FOLL_LONGTERM */
		/*
		 * get_user_pages() of one page per call, as a core dump
		 * (get_dump_page()) or /proc/pid/mem takes them: GUP must
		 * not look at the PTEs past the page asked for.
		 */
		{ GUP_BASIC_TEST, 0, 1, "get1" },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(k); i++) {
		struct gup_test g = {
			.addr = (unsigned long)p, .size = len,
			.nr_pages_per_call = k[i].per_call, .gup_flags = k[i].flags,
		};

		if (ioctl(gup_fd, k[i].cmd, &g)) {
			ksft_print_msg("bench: %s: %s\n", k[i].name, strerror(errno));
			continue;
		}
		ksft_print_msg("BENCH %s_%s_get %llu ns\n", k[i].name, row,
			       (unsigned long long)g.get_delta_usec * 1000);
		ksft_print_msg("BENCH %s_%s_put %llu ns\n", k[i].name, row,
			       (unsigned long long)g.put_delta_usec * 1000);
	}
}

/* CONTINUE all of @h's first huge page in pieces of @piece: 0 or an errno. */
static int continue_all(struct hgm *h, size_t piece, uint64_t *ns)
{
	uint64_t t = ns_now();
	int err = 0;
	size_t i;

	for (i = 0; i < h->hs / piece && !err; i++)
		err = uffd_continue(h->uffd, h->p + i * piece, piece);
	*ns = ns_now() - t;
	return err;
}

/*
 * One round on one @hs page: CONTINUE all of it by 4 KiB pieces, pin it
 * long-term (4 KiB leaves), MADV_COLLAPSE it, pin it again (hstate-level
 * entry), then unmap and CONTINUE it whole; a 1 GiB page then by 2 MiB
 * pieces, pinned again (2 MiB leaves); then first-touch faults, 4 KiB and
 * whole. Returns false if something did not work.
 */
static bool bench_round(size_t hs, const char *sz)
{
	char row[64], *plain;
	uint64_t t;
	struct hgm h;
	bool ok = true;
	int err = 0;

	if (!hgm_setup(&h, hs, 1, 0))
		return false;
	plain = map_at(hs, hs, MAP_SHARED, h.fd, hs);
	if (!plain) {
		hgm_teardown(&h);
		return false;
	}
	err = continue_all(&h, pagesize, &t);
	if (err) {
		ksft_print_msg("bench: 4 KiB CONTINUE: %s\n", strerror(err));
		ok = false;
		goto out;
	}
	ksft_print_msg("BENCH continue_4k_all_%s %llu ns\n", sz, (unsigned long long)t);
	snprintf(row, sizeof(row), "%s_split", sz);
	bench_pin(h.p, hs, row);
	t = ns_now();
	err = collapse(h.p, hs);
	t = ns_now() - t;
	if (err) {
		ksft_print_msg("bench: MADV_COLLAPSE: %s\n", strerror(err));
		ok = false;
		goto out;
	}
	ksft_print_msg("BENCH collapse_%s %llu ns\n", sz, (unsigned long long)t);
	snprintf(row, sizeof(row), "%s_whole", sz);
	bench_pin(h.p, hs, row);
	madvise(h.p, hs, MADV_DONTNEED);
	err = continue_all(&h, hs, &t);
	if (err) {
		ksft_print_msg("bench: whole CONTINUE: %s\n", strerror(err));
		ok = false;
		goto out;
	}
	ksft_print_msg("BENCH continue_whole_%s %llu ns\n", sz, (unsigned long long)t);
	madvise(h.p, hs, MADV_DONTNEED);
	if (hs > SZ_2M) {
		/* A 1 GiB page in 2 MiB pieces: one PMD entry each. */
		err = continue_all(&h, SZ_2M, &t);
		if (err) {
			ksft_print_msg("bench: 2 MiB CONTINUE: %s\n", strerror(err));
			ok = false;
			goto out;
		}
		ksft_print_msg("BENCH continue_2m_all_%s %llu ns\n", sz,
			       (unsigned long long)t);
		snprintf(row, sizeof(row), "%s_pmd", sz);
		bench_pin(h.p, hs, row);
		madvise(h.p, hs, MADV_DONTNEED);
	}
	snprintf(row, sizeof(row), "4k_in_%s", sz);
	bench_faults(&h, plain, pagesize, 64, row);
	madvise(h.p, hs, MADV_DONTNEED);
	snprintf(row, sizeof(row), "whole_%s", sz);
	bench_faults(&h, plain, hs, hs > SZ_2M ? 1 : 16, row);
out:
	munmap(plain, hs);
	hgm_teardown(&h);
	return ok;
}

static void run_bench(int rounds)
{
	size_t sizes[] = { SZ_2M, SZ_1G };
	static const char * const names[] = { "2m", "1g" };
	int r, i;

	for (i = 0; i < 2; i++) {
		const char *why = skip_all;

		if (!why && gup_fd < 0)
			why = "no " GUP_TEST_FILE;
		if (!why && !free_pages(sizes[i]))
			why = "no free huge page";
		for (r = 0; r < rounds && !why; r++)
			if (!bench_round(sizes[i], names[i]))
				why = "a step failed";
		if (why)
			ksft_test_result_skip("bench (%zu kB): %s\n", sizes[i] >> 10, why);
		else
			ksft_test_result_pass("bench (%zu kB): %d rounds\n", sizes[i] >> 10,
					      rounds);
	}
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

/*
 * -m: only the long-term pin of a ZONE_MOVABLE huge page, for a boot with
 * movablecore= (vm/plans/hgm-movable.sh), where the other pin cases fail
 * by design: their long-term pins of split huge pages cannot migrate.
 */
static void run_movable(void)
{
	size_t sizes[] = { SZ_2M, SZ_1G };
	const char *why;
	unsigned int i;
	bool ok;

	for (i = 0; i < 2; i++) {
		why = skip_all;
		if (!why && !free_pages(sizes[i]))
			why = "no free huge pages";
		if (!why)
			why = t_longterm_movable(sizes[i], &ok);
		if (why)
			ksft_test_result_skip("%s (%zu kB): %s\n", mf_cases[3].name,
					      sizes[i] >> 10, why);
		else
			ksft_test_result(ok, "%s (%zu kB)\n", mf_cases[3].name,
					 sizes[i] >> 10);
	}
}

int main(int argc, char **argv)
{
	bool movable = false, stress = false, bench = false;
	unsigned long secs = 60, secs_1g = 0;
	int opt, rounds = 3;

	st_seed = time(NULL) ^ getpid();
	while ((opt = getopt(argc, argv, "mst:S:br:")) != -1) {
		switch (opt) {
		case 'b':
			bench = true;
			break;
		case 'r':
			rounds = atoi(optarg);
			break;
		case 'm':
			movable = true;
			break;
		case 's':
			stress = true;
			break;
		case 't':
			secs = strtoul(optarg, NULL, 0);
			break;
		case 'S':
			st_seed = strtoul(optarg, NULL, 0);
			break;
		default:
			fprintf(stderr, "usage: %s [-m | -s [-t SECS] [-S SEED] | -b [-r N]]\n",
				argv[0]);
			return KSFT_FAIL;
		}
	}
	pagesize = getpagesize();
	ksft_print_header();
	if (movable)
		ksft_set_plan(2);
	else if (stress)
		ksft_set_plan(6);
	else if (bench)
		ksft_set_plan(2);
	else
		ksft_set_plan(2 * (NR_HCASES + NR_HGM_CASES + NR_PIN_CASES +
				    NR_FI_CASES + NR_MF_CASES) + 1 + 1 + 1);
	if (stress)
		ksft_print_msg("seed %lu (-S %lu replays the choices, not the timing)\n",
			       st_seed, st_seed);
	srandom(stress ? st_seed : (unsigned long)getpid());

	pagemap_fd = open("/proc/self/pagemap", O_RDONLY);
	if (pagemap_fd < 0)
		ksft_exit_fail_msg("/proc/self/pagemap: %s\n", strerror(errno));
	kpagecount_fd = open("/proc/kpagecount", O_RDONLY);
	if (kpagecount_fd < 0)
		ksft_exit_fail_msg("/proc/kpagecount: %s\n", strerror(errno));
	gup_fd = open(GUP_TEST_FILE, O_RDWR);
	probe();
	if (skip_all)
		ksft_print_msg("%s\n", skip_all);
	if (movable) {
		run_movable();
		ksft_finished();
	}
	if (bench) {
		run_bench(rounds);
		ksft_finished();
	}
	if (stress) {
		/* -t is the whole run: half of it on 1 GiB pages if there are two. */
		if (free_pages(SZ_1G) >= 2)
			secs_1g = secs / 2;
		run_stress(SZ_2M, secs - secs_1g);
		run_stress(SZ_1G, secs_1g);
		ksft_finished();
	}

	if (skip_all)
		ksft_test_result_skip("non-hugetlb memory: EINVAL: %s\n", skip_all);
	else
		ksft_test_result(t_not_hugetlb(), "non-hugetlb memory: EINVAL\n");
	run_size(SZ_2M);
	run_size(SZ_1G);
	ksft_finished();
}
