// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the DMA-pin tracker (CONFIG_PAGE_PIN_TRACKER, page_pin_tracker=on)
 * through gup_test: pins on anon, shmem, THP and hugetlb memory show up in
 * /sys/kernel/debug/page_pin_tracker/pinned with the right count, long-term
 * flag and owner, and vanish after unpin; pins taken by a worker thread are
 * listed under its process; a page with more than 1024 plain references is
 * not taken for a pinned one. The mismatch reports are tested by the KUnit
 * suite (mm/page_pin_tracker_test.c): there is no trigger in debugfs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>

#include "../../../../mm/gup_test.h"
#include "../kselftest.h"
#include "vm_util.h"
#include "pin_util.h"

#define GUP_TEST_FILE	"/sys/kernel/debug/gup_test"
#define MAX_REC		4096

static size_t pagesize;
static int gup_fd = -1;
static int pagemap_fd = -1;
static bool tracker_on;

/* pinned_pages of our owner line in the summary, or 0 without one. */
static long summary_owner_pages(int pid, long *longterm)
{
	char line[256], want[32];
	long pages = 0;
	FILE *f;

	*longterm = 0;
	snprintf(want, sizeof(want), "owner pid=%d ", pid);
	f = fopen(PPT_DIR "/summary", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p;

		if (strncmp(line, want, strlen(want)))
			continue;
		p = strstr(line, "pinned_pages=");
		if (p)
			pages = strtol(p + 13, NULL, 10);
		p = strstr(line, "longterm_pages=");
		if (p)
			*longterm = strtol(p + 15, NULL, 10);
	}
	fclose(f);
	return pages;
}

enum mem_type { ANON, SHMEM, THP, HUGETLB };
static const char * const mem_names[] = { "anon", "shmem", "THP", "hugetlb" };

static char *map_mem(enum mem_type type, size_t size)
{
	size_t hpage = read_pmd_pagesize();
	char *mem, *aligned;

	switch (type) {
	case ANON:
		mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		break;
	case SHMEM:
		mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		break;
	case THP:
		mem = mmap(NULL, size + hpage, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (mem == MAP_FAILED)
			return NULL;
		aligned = (char *)(((uintptr_t)mem + hpage - 1) & ~(hpage - 1));
		if (madvise(aligned, size, MADV_HUGEPAGE))
			return NULL;
		mem = aligned;
		break;
	case HUGETLB:
		mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
		break;
	default:
		return NULL;
	}
	if (mem == MAP_FAILED)
		return NULL;
	memset(mem, 0x5a, size);
	return mem;
}

static bool check_listing(const char *what, char *mem, size_t size, int want_count,
			  int want_longterm)
{
	size_t npages = size / pagesize, i;
	static struct pin_rec recs[MAX_REC];
	int n = pin_read_listing(getpid(), recs, MAX_REC), j;
	bool ok = true;

	if (n < 0) {
		ksft_print_msg("%s: cannot read the listing\n", what);
		return false;
	}
	if (!want_count) {
		if (n)
			ksft_print_msg("%s: %d pages still listed\n", what, n);
		return n == 0;
	}
	if ((size_t)n != npages) {
		ksft_print_msg("%s: %d pages listed, expected %zu\n", what, n, npages);
		ok = false;
	}
	for (i = 0; i < npages && ok; i++) {
		unsigned long pfn = pagemap_get_pfn(pagemap_fd, mem + i * pagesize);

		for (j = 0; j < n && j < MAX_REC; j++)
			if (recs[j].pfn == pfn)
				break;
		if (j == n || j == MAX_REC) {
			ksft_print_msg("%s: page %zu (pfn 0x%lx) not listed\n",
				       what, i, pfn);
			ok = false;
		} else if (recs[j].count != want_count ||
			   recs[j].longterm != want_longterm ||
			   strcmp(recs[j].comm, "pin_tracker")) {
			ksft_print_msg("%s: pfn 0x%lx: count=%d longterm=%d comm=%s\n",
				       what, pfn, recs[j].count, recs[j].longterm,
				       recs[j].comm);
			ok = false;
		}
	}
	return ok;
}

static void test_longterm(enum mem_type type, bool fast)
{
	size_t size = type == ANON || type == SHMEM ? 16 * pagesize :
		      read_pmd_pagesize();
	struct pin_longterm_test args = { .flags = PIN_LONGTERM_TEST_FLAG_USE_WRITE };
	const char *name = mem_names[type];
	long owner_pages, owner_lt;
	bool ok;
	char *mem;

	if (fast)
		args.flags |= PIN_LONGTERM_TEST_FLAG_USE_FAST;
	mem = map_mem(type, size);
	if (!mem) {
		ksft_test_result_skip("PIN_LONGTERM_TEST_START %s%s: no memory\n",
				      name, fast ? " (fast)" : "");
		return;
	}
	if (type == THP && !check_huge_anon(mem, 1, size)) {
		ksft_test_result_skip("PIN_LONGTERM_TEST_START THP%s: no THP\n",
				      fast ? " (fast)" : "");
		munmap(mem, size);
		return;
	}
	args.addr = (uintptr_t)mem;
	args.size = size;
	if (ioctl(gup_fd, PIN_LONGTERM_TEST_START, &args)) {
		ksft_test_result_fail("PIN_LONGTERM_TEST_START %s%s: %s\n", name,
				      fast ? " (fast)" : "", strerror(errno));
		munmap(mem, size);
		return;
	}
	ok = check_listing(name, mem, size, 1, 1);
	owner_pages = summary_owner_pages(getpid(), &owner_lt);
	if (owner_pages != (long)(size / pagesize) || owner_lt != owner_pages) {
		ksft_print_msg("%s: summary owner line: pinned_pages=%ld longterm_pages=%ld\n",
			       name, owner_pages, owner_lt);
		ok = false;
	}
	if (ioctl(gup_fd, PIN_LONGTERM_TEST_STOP))
		ok = false;
	ok &= check_listing(name, mem, size, 0, 0);
	ksft_test_result(ok, "PIN_LONGTERM_TEST_START %s%s: listed, then gone after unpin\n",
			 name, fast ? " (fast)" : "");
	munmap(mem, size);
}

/* PIN_*_BENCHMARK pins and unpins inside the ioctl: nothing may remain. */
static void test_benchmark(unsigned long cmd, const char *name, enum mem_type type)
{
	size_t size = type == THP ? read_pmd_pagesize() : 64 * pagesize;
	struct gup_test gup = { 0 };
	long bad = pin_summary("bad_unpins");
	bool ok;
	char *mem = map_mem(type, size);

	if (!mem) {
		ksft_test_result_skip("%s %s: no memory\n", name, mem_names[type]);
		return;
	}
	gup.addr = (uintptr_t)mem;
	gup.size = size;
	gup.nr_pages_per_call = 16;
	gup.gup_flags = 0x1; /* FOLL_WRITE */
	ok = !ioctl(gup_fd, cmd, &gup);
	if (!ok)
		ksft_print_msg("%s: %s\n", name, strerror(errno));
	ok &= check_listing(name, mem, size, 0, 0);
	ok &= pin_summary("bad_unpins") == bad;
	ksft_test_result(ok, "%s %s: no pin left, no mismatch\n", name,
			 mem_names[type]);
	munmap(mem, size);
}

/*
 * Give one anon page more than GUP_PIN_COUNTING_BIAS plain references
 * (vmsplice() into pipes takes one per buffer), set MMF_HAS_PINNED, fork
 * and see whether fork copied the page early as if it were pinned.
 */
static void test_plain_refs(void)
{
	struct pin_longterm_test args = { 0 };
	int pipes[8][2], np = 0, refs = 0, i, status;
	unsigned long pfn, child_pfn = 0;
	int report[2];
	char *mem, *other;
	pid_t pid;

	mem = map_mem(ANON, pagesize);
	other = map_mem(ANON, pagesize);
	if (!mem || !other || pipe(report)) {
		ksft_test_result_skip("plain references: setup failed\n");
		return;
	}
	for (np = 0; np < 8 && refs < 1100; np++) {
		if (pipe(pipes[np]))
			break;
		fcntl(pipes[np][1], F_SETPIPE_SZ, 256 * pagesize);
		for (i = 0; i < 256 && refs < 1100; i++) {
			struct iovec iov = { .iov_base = mem, .iov_len = pagesize };

			if (vmsplice(pipes[np][1], &iov, 1, SPLICE_F_NONBLOCK) !=
			    (ssize_t)pagesize)
				break;
			refs++;
		}
	}
	if (refs < 1100) {
		ksft_test_result_skip("plain references: only %d pipe buffers\n", refs);
		goto out;
	}
	/* A pin anywhere in the mm sets MMF_HAS_PINNED for good. */
	args.addr = (uintptr_t)other;
	args.size = pagesize;
	if (ioctl(gup_fd, PIN_LONGTERM_TEST_START, &args) ||
	    ioctl(gup_fd, PIN_LONGTERM_TEST_STOP)) {
		ksft_test_result_fail("plain references: pinning failed\n");
		goto out;
	}
	pfn = pagemap_get_pfn(pagemap_fd, mem);
	pid = fork();
	if (pid == 0) {
		/* Our own pagemap: the inherited fd shows the parent's. */
		int fd = open("/proc/self/pagemap", O_RDONLY);
		unsigned long p = fd < 0 ? -1UL : pagemap_get_pfn(fd, mem);

		write(report[1], &p, sizeof(p));
		_exit(0);
	}
	read(report[0], &child_pfn, sizeof(child_pfn));
	waitpid(pid, &status, 0);

	if (tracker_on) {
		static struct pin_rec recs[MAX_REC];
		int n = pin_read_listing(getpid(), recs, MAX_REC);

		ksft_test_result(child_pfn == pfn && n == 0,
				 "plain references: %d refs, not pinned, fork shared the page (pfn %s, %d listed)\n",
				 refs, child_pfn == pfn ? "same" : "copied", n);
	} else {
		/* The stock heuristic: the page looks pinned and is copied. */
		ksft_test_result(child_pfn != pfn,
				 "plain references: %d refs, stock heuristic: fork %s the page\n",
				 refs, child_pfn != pfn ? "copied" : "shared");
	}
out:
	for (i = 0; i < np; i++) {
		close(pipes[i][0]);
		close(pipes[i][1]);
	}
	munmap(mem, pagesize);
	munmap(other, pagesize);
}

static void test_bad_input(void)
{
	bool ok = true;

	ok &= pin_write_file(PPT_DIR "/filter_pid", "bogus") == -EINVAL;
	ok &= pin_write_file(PPT_DIR "/filter_pid", "-1") == -EINVAL;
	ok &= pin_write_file(PPT_DIR "/filter_pid", "99999999999") == -EINVAL;
	/* PID_MAX_LIMIT + 1: never a pid. */
	ok &= pin_write_file(PPT_DIR "/filter_pid", "4194305") == -EINVAL;
	ok &= pin_write_file(PPT_DIR "/filter_pid", "0") == 0;
	/* The test trigger of the first version is gone. */
	ok &= access(PPT_DIR "/test_trigger", F_OK) && errno == ENOENT;
	ksft_test_result(ok, "bad writes to filter_pid fail with EINVAL; no test_trigger\n");
}

static void *pin_thread(void *arg)
{
	prctl(PR_SET_NAME, "pin_worker");
	if (ioctl(gup_fd, PIN_LONGTERM_TEST_START, arg))
		return (void *)(long)errno;
	return NULL;
}

/*
 * Pins are attributed to the process: a worker thread's pins are listed
 * with filter_pid set to the process id, under the process's name.
 */
static void test_thread_owner(void)
{
	struct pin_longterm_test args = { .flags = PIN_LONGTERM_TEST_FLAG_USE_WRITE };
	size_t size = 8 * pagesize;
	char *mem = map_mem(ANON, size);
	void *ret = NULL;
	pthread_t thread;
	bool ok;

	if (!mem) {
		ksft_test_result_skip("worker thread pins: no memory\n");
		return;
	}
	args.addr = (uintptr_t)mem;
	args.size = size;
	if (pthread_create(&thread, NULL, pin_thread, &args) ||
	    pthread_join(thread, &ret) || ret) {
		ksft_test_result_fail("worker thread pins: PIN_LONGTERM_TEST_START: %s\n",
				      strerror((long)ret));
		munmap(mem, size);
		return;
	}
	ok = check_listing("worker thread", mem, size, 1, 1);
	ok &= !ioctl(gup_fd, PIN_LONGTERM_TEST_STOP);
	ok &= check_listing("worker thread", mem, size, 0, 0);
	ksft_test_result(ok, "a worker thread's pins are listed under its process\n");
	munmap(mem, size);
}

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

/*
 * The page allocator's side of the tracker's cost, for `make bench`
 * (pin_tracker -B MiB [-t]): every page freed is checked for recorded pins.
 * Maps @mb MiB of private anonymous memory (4 KiB pages, or THP with -t),
 * populates it with MADV_POPULATE_WRITE (allocation and zeroing), then
 * unmaps it
 * (freeing), three times, printing both times in gup_test's format:
 * "get" is the allocation, "put" the free. Nothing is pinned.
 */
static int bench_free(size_t mb, bool thp)
{
	size_t size = mb << 20, thpsize = read_pmd_pagesize();
	size_t align = thpsize ? thpsize : pagesize;
	long long t0, t1, t2, t3;
	char *map, *p;
	int r;

	if (!mb || mb > (SIZE_MAX >> 21) || (thp && !thpsize))
		ksft_exit_fail_msg("-B: bad size, or no THP\n");
	for (r = 0; r < 3; r++) {
		/* An aligned range, free for MAP_FIXED, then the real map. */
		map = mmap(NULL, size + align, PROT_NONE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (map == MAP_FAILED)
			ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
		p = (char *)(((uintptr_t)map + align - 1) & ~(align - 1));
		munmap(map, size + align);
		map = mmap(p, size, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		if (map == MAP_FAILED)
			ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
		if (madvise(map, size, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE))
			ksft_exit_fail_msg("madvise: %s\n", strerror(errno));
		t0 = now_us();
		if (madvise(map, size, MADV_POPULATE_WRITE))
			ksft_exit_fail_msg("MADV_POPULATE_WRITE: %s\n",
					   strerror(errno));
		t1 = now_us();
		if (thp && !check_huge_anon(map, size / thpsize, thpsize))
			ksft_exit_fail_msg("-t: the memory is not all THP\n");
		t2 = now_us();
		munmap(map, size);
		t3 = now_us();
		printf("FREE_BENCHMARK: Time: get:%lld put:%lld us\n",
		       t1 - t0, t3 - t2);
	}
	return 0;
}

int main(int argc, char **argv)
{
	int t;

	pagesize = getpagesize();
	if (argc >= 3 && !strcmp(argv[1], "-B"))
		return bench_free(strtoul(argv[2], NULL, 0),
				  argc > 3 && !strcmp(argv[3], "-t"));

	ksft_print_header();
	tracker_on = access(PPT_DIR "/pinned", R_OK) == 0;

	gup_fd = open(GUP_TEST_FILE, O_RDWR);
	pagemap_fd = open("/proc/self/pagemap", O_RDONLY);
	if (gup_fd < 0 || pagemap_fd < 0)
		ksft_exit_skip("needs %s and /proc/self/pagemap (root)\n", GUP_TEST_FILE);

	if (!tracker_on) {
		ksft_print_msg("page_pin_tracker is not enabled: stock behaviour only\n");
		ksft_set_plan(1);
		test_plain_refs();
		ksft_finished();
	}

	ksft_set_plan(8 + 4 + 1 + 1 + 1);
	for (t = ANON; t <= HUGETLB; t++) {
		test_longterm(t, false);
		test_longterm(t, true);
	}
	test_benchmark(PIN_FAST_BENCHMARK, "PIN_FAST_BENCHMARK", ANON);
	test_benchmark(PIN_FAST_BENCHMARK, "PIN_FAST_BENCHMARK", THP);
	test_benchmark(PIN_LONGTERM_BENCHMARK, "PIN_LONGTERM_BENCHMARK", ANON);
	test_benchmark(PIN_LONGTERM_BENCHMARK, "PIN_LONGTERM_BENCHMARK", THP);
	test_plain_refs();
	test_thread_owner();
	test_bad_input();
	ksft_finished();
}
