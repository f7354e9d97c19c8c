// SPDX-License-Identifier: GPL-2.0
/*
 * Concurrency stress of pinning against fork, zapping and write-protect
 * rounds, for a fixed time (-t SECONDS, 60 by default):
 *
 *   pinner threads  one per region (small pages, THP, shmem, hugetlb):
 *                   write a pattern, pin the region long-term through
 *                   their own gup_test file (PIN_LONGTERM_TEST_START, slow
 *                   or fast), write a new pattern, read it back through
 *                   the pins (PIN_LONGTERM_TEST_READ: what a device would
 *                   see), unpin, verify, and now and then MADV_DONTNEED a
 *                   part and write it again;
 *   a GUP thread    short pins and references of every region (gup_test
 *                   PIN_FAST, PIN_BASIC, PIN_LONGTERM_BENCHMARK, GUP_FAST),
 *                   with and without FOLL_WRITE;
 *   a fork thread   forks children that pin (PIN_FAST) and write their
 *                   copies of the private regions, verify them and exit;
 *   a WP thread     rounds of PAGEMAP_SCAN PM_SCAN_WP_MATCHING and
 *                   UFFDIO_WRITEPROTECT over its own uffd WP_ASYNC region
 *                   while it writes, pins and verifies it: every page it
 *                   wrote since the last round must be reported written.
 *
 * Checks: no CPU write is ever lost (every thread verifies its own
 * pattern, children theirs); a long-term pin sees the CPU's writes to the
 * pinned pages (fork must not move a pinned page away from the parent);
 * while running, no tracker bad_unpins or freed_pinned event; at the end,
 * nr_foll_pin_acquired == nr_foll_pin_released since the start and, with
 * the tracker on, nothing pinned and nothing listed for this process.
 * Kernel splats are the harness's to catch.
 *
 * Not covered here: device writes through pins across WP rounds (pin_wp
 * owns that), RDMA MR deregistration (rdma_pin).
 *
 * Usage: pin_stress [-t SECONDS]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/fs.h>
#include <linux/userfaultfd.h>

#include "../../../../mm/gup_test.h"
#include "../kselftest.h"
#include "vm_util.h"
#include "pin_util.h"

#define GUP_TEST_FILE	"/sys/kernel/debug/gup_test"
#define FOLL_WRITE	0x01
#define WORDS_PER_PAGE	8	/* pattern words checked per page */
#define VEC_LEN		1024

static size_t pagesize, thpsize, hpsize;
static bool tracker_on, have_hugetlb;
static bool stop;

static bool stopping(void)
{
	return __atomic_load_n(&stop, __ATOMIC_RELAXED);
}

/* ---------------------------------------------------------------- */
/* Counters                                                         */

static long summary_read(const char *key)
{
	return tracker_on ? pin_summary(key) : 0;
}

static long tracker_listed_for(pid_t pid)
{
	char buf[32], line[512];
	long n = 0;
	FILE *f;

	snprintf(buf, sizeof(buf), "%d", pid);
	if (pin_write_file(PPT_DIR "/filter_pid", buf))
		return -1;
	f = fopen(PPT_DIR "/pinned", "r");
	if (f) {
		while (fgets(line, sizeof(line), f))
			if (!strncmp(line, "pfn=", 4))
				n++;
		fclose(f);
	} else {
		n = -1;
	}
	pin_write_file(PPT_DIR "/filter_pid", "0");
	return n;
}

/* ---------------------------------------------------------------- */
/* Regions and patterns                                             */

enum kind { K_SMALL, K_THP, K_SHMEM, K_HUGETLB, NR_KINDS };
static const char * const kind_name[NR_KINDS] = { "small", "thp", "shmem", "hugetlb" };

struct region {
	enum kind kind;
	char *map, *addr;
	size_t map_size, size;
};

static struct region regions[NR_KINDS];
static struct region wp_region;

static bool region_make(struct region *r, enum kind k)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS, fd = -1;
	size_t align = pagesize;

	r->kind = k;
	r->size = 2UL << 20;
	switch (k) {
	case K_THP:
		r->size = thpsize;
		align = thpsize;
		break;
	case K_SHMEM:
		fd = memfd_create("pin_stress", 0);
		if (fd < 0 || ftruncate(fd, r->size + pagesize))
			return false;
		flags = MAP_SHARED;
		break;
	case K_HUGETLB:
		if (!have_hugetlb)
			return false;
		r->size = hpsize;
		flags |= MAP_HUGETLB;
		align = 0;
		break;
	default:
		break;
	}
	r->map_size = r->size + align;
	r->map = mmap(NULL, r->map_size, PROT_READ | PROT_WRITE, flags, fd, 0);
	if (fd >= 0)
		close(fd);
	if (r->map == MAP_FAILED) {
		r->map = NULL;
		return false;
	}
	r->addr = align ? (char *)(((uintptr_t)r->map + align - 1) & ~(align - 1)) : r->map;
	if (k == K_THP)
		madvise(r->addr, r->size, MADV_HUGEPAGE);
	if (k == K_SMALL)
		madvise(r->addr, r->size, MADV_NOHUGEPAGE);
	memset(r->addr, 0, r->size);
	return true;
}

static uint64_t pattern(unsigned int owner, unsigned long round, size_t page, int w)
{
	return ((uint64_t)owner << 56) ^ ((uint64_t)round << 24) ^ (page << 4) ^ w ^
	       0x5a5a000000000000ULL;
}

static uint64_t *word(char *base, size_t page, int w)
{
	return (uint64_t *)(base + page * pagesize + w * (pagesize / WORDS_PER_PAGE));
}

static void fill(char *base, size_t from, size_t to, unsigned int owner,
		 unsigned long round)
{
	size_t p;
	int w;

	for (p = from; p < to; p++)
		for (w = 0; w < WORDS_PER_PAGE; w++)
			*word(base, p, w) = pattern(owner, round, p, w);
}

/* Pages of [from, to) whose pattern is not (owner, round[page]). */
static size_t check(char *base, size_t from, size_t to, unsigned int owner,
		    const unsigned long *round, size_t *first_bad)
{
	size_t p, bad = 0;
	int w;

	for (p = from; p < to; p++)
		for (w = 0; w < WORDS_PER_PAGE; w++)
			if (*word(base, p, w) != pattern(owner, round[p], p, w)) {
				if (!bad++)
					*first_bad = p;
				break;
			}
	return bad;
}

/* ---------------------------------------------------------------- */
/* Results                                                          */

static unsigned long lost_cpu, lost_pinned, lost_child, wp_missed;
static unsigned long rounds_pin, rounds_gup, rounds_fork, rounds_wp;
static unsigned long errors;
static pthread_mutex_t msg_lock = PTHREAD_MUTEX_INITIALIZER;

#define report(counter, ...)						\
	do {								\
		pthread_mutex_lock(&msg_lock);				\
		if ((counter)++ < 5)					\
			ksft_print_msg(__VA_ARGS__);			\
		pthread_mutex_unlock(&msg_lock);			\
	} while (0)

/* ---------------------------------------------------------------- */
/* Workers                                                          */

static uint64_t rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void *pin_thread(void *arg)
{
	struct region *r = arg;
	unsigned int owner = 1 + r->kind;
	size_t pages = r->size / pagesize, bad, first = 0, p;
	unsigned long *round = calloc(pages, sizeof(*round)), n = 0;
	char *dev = mmap(NULL, r->size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t seed = owner, ubuf = (uintptr_t)dev;
	int fd = open(GUP_TEST_FILE, O_RDWR);

	if (fd < 0 || !round || dev == MAP_FAILED) {
		report(errors, "%s: setup failed: %s\n", kind_name[r->kind],
		       strerror(errno));
		return NULL;
	}
	fill(r->addr, 0, pages, owner, 0);
	while (!stopping()) {
		struct pin_longterm_test args = {
			.addr = (uintptr_t)r->addr, .size = r->size,
			.flags = PIN_LONGTERM_TEST_FLAG_USE_WRITE |
				 (rnd(&seed) & 1 ? PIN_LONGTERM_TEST_FLAG_USE_FAST : 0),
		};

		n++;
		if (ioctl(fd, PIN_LONGTERM_TEST_START, &args)) {
			report(errors, "%s: PIN_LONGTERM_TEST_START: %s\n",
			       kind_name[r->kind], strerror(errno));
			usleep(10000);
			continue;
		}
		/* Pinned: the CPU's writes must reach the pinned pages. */
		fill(r->addr, 0, pages, owner, n);
		for (p = 0; p < pages; p++)
			round[p] = n;
		if (ioctl(fd, PIN_LONGTERM_TEST_READ, &ubuf)) {
			report(errors, "%s: PIN_LONGTERM_TEST_READ: %s\n",
			       kind_name[r->kind], strerror(errno));
		} else {
			bad = check(dev, 0, pages, owner, round, &first);
			if (bad)
				report(lost_pinned,
				       "%s: round %lu: %zu pinned pages miss CPU writes (first: %zu)\n",
				       kind_name[r->kind], n, bad, first);
		}
		ioctl(fd, PIN_LONGTERM_TEST_STOP);

		bad = check(r->addr, 0, pages, owner, round, &first);
		if (bad)
			report(lost_cpu, "%s: round %lu: %zu pages lost CPU writes (first: %zu)\n",
			       kind_name[r->kind], n, bad, first);

		/* Zap a part (not hugetlb: whole page only) and write it again. */
		if (rnd(&seed) % 4 == 0) {
			size_t from = r->kind == K_HUGETLB ? 0 : rnd(&seed) % pages;
			size_t to = r->kind == K_HUGETLB ? pages :
				    from + 1 + rnd(&seed) % (pages - from);

			madvise(r->addr + from * pagesize, (to - from) * pagesize,
				MADV_DONTNEED);
			n++;
			fill(r->addr, from, to, owner, n);
			for (p = from; p < to; p++)
				round[p] = n;
		}
		__atomic_add_fetch(&rounds_pin, 1, __ATOMIC_RELAXED);
	}
	close(fd);
	munmap(dev, r->size);
	free(round);
	return NULL;
}

static void *gup_thread(void *arg)
{
	static const unsigned long cmds[] = {
		PIN_FAST_BENCHMARK, PIN_BASIC_TEST, PIN_LONGTERM_BENCHMARK,
		GUP_FAST_BENCHMARK, GUP_BASIC_TEST,
	};
	uint64_t seed = 99;
	int fd = open(GUP_TEST_FILE, O_RDWR);

	(void)arg;
	if (fd < 0)
		return NULL;
	while (!stopping()) {
		struct region *r = &regions[rnd(&seed) % NR_KINDS];
		struct gup_test gup = { 0 };

		if (!r->addr)
			continue;
		gup.addr = (uintptr_t)r->addr;
		gup.size = r->size;
		gup.nr_pages_per_call = 1 + rnd(&seed) % 512;
		gup.gup_flags = rnd(&seed) & 1 ? FOLL_WRITE : 0;
		if (ioctl(fd, cmds[rnd(&seed) % ARRAY_SIZE(cmds)], &gup))
			report(errors, "gup thread: gup_test on %s: %s\n",
			       kind_name[r->kind], strerror(errno));
		__atomic_add_fetch(&rounds_gup, 1, __ATOMIC_RELAXED);
	}
	close(fd);
	return NULL;
}

/* In the child: pin, write and verify the private regions; no libc locks. */
static int child(int fd)
{
	unsigned long round[512 * 2] = { 0 };
	size_t k, pages, first, p;
	int ret = 0;

	for (k = 0; k < NR_KINDS; k++) {
		struct region *r = &regions[k];
		struct gup_test gup = { 0 };

		if (!r->addr || r->kind == K_SHMEM)
			continue;
		pages = r->size / pagesize;
		if (pages > ARRAY_SIZE(round))
			pages = ARRAY_SIZE(round);
		gup.addr = (uintptr_t)r->addr;
		gup.size = pages * pagesize;
		gup.nr_pages_per_call = 64;
		gup.gup_flags = FOLL_WRITE;
		if (ioctl(fd, PIN_FAST_BENCHMARK, &gup))
			ret |= 2;
		for (p = 0; p < pages; p++)
			round[p] = 7;
		fill(r->addr, 0, pages, 0x80, 7);
		if (check(r->addr, 0, pages, 0x80, round, &first))
			ret |= 1;
	}
	return ret;
}

static void *fork_thread(void *arg)
{
	int fd = open(GUP_TEST_FILE, O_RDWR), status;
	pid_t pid;

	(void)arg;
	while (!stopping()) {
		pid = fork();
		if (pid == 0)
			_exit(child(fd));
		if (pid < 0) {
			report(errors, "fork: %s\n", strerror(errno));
			usleep(10000);
			continue;
		}
		waitpid(pid, &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status) & 1)
			report(lost_child, "fork child: status %#x (lost its own writes or died)\n",
			       status);
		else if (WEXITSTATUS(status))
			report(errors, "fork child: PIN_FAST failed\n");
		__atomic_add_fetch(&rounds_fork, 1, __ATOMIC_RELAXED);
	}
	if (fd >= 0)
		close(fd);
	return NULL;
}

/* A WP round: the pages written since the last one, write-protected again. */
static long wp_round(struct page_region *vec, bool *written, size_t pages)
{
	struct pm_scan_arg arg = {
		.size = sizeof(arg),
		.flags = PM_SCAN_WP_MATCHING | PM_SCAN_CHECK_WPASYNC,
		.start = (uintptr_t)wp_region.addr,
		.end = (uintptr_t)wp_region.addr + wp_region.size,
		.vec = (uintptr_t)vec, .vec_len = VEC_LEN,
		.category_mask = PAGE_IS_WRITTEN,
		.return_mask = PAGE_IS_WRITTEN,
	};
	long ret, i;
	uint64_t a;
	int pagemap_fd = open("/proc/self/pagemap", O_RDONLY);

	memset(written, 0, pages);
	ret = ioctl(pagemap_fd, PAGEMAP_SCAN, &arg);
	close(pagemap_fd);
	for (i = 0; i < ret; i++)
		for (a = vec[i].start; a < vec[i].end; a += pagesize)
			written[(a - arg.start) / pagesize] = true;
	return ret;
}

static void *wp_thread(void *arg)
{
	size_t pages = wp_region.size / pagesize, p, bad, first = 0;
	struct page_region *vec = calloc(VEC_LEN, sizeof(*vec));
	unsigned long *round = calloc(pages, sizeof(*round)), n = 0;
	bool *wrote = calloc(pages, 1), *written = calloc(pages, 1);
	char *dev = mmap(NULL, wp_region.size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t seed = 7, ubuf = (uintptr_t)dev;
	int fd = open(GUP_TEST_FILE, O_RDWR), uffd = *(int *)arg;

	if (!vec || !round || !wrote || !written || dev == MAP_FAILED || fd < 0)
		return NULL;
	fill(wp_region.addr, 0, pages, 9, 0);
	if (wp_round(vec, written, pages) < 0)
		report(errors, "WP thread: PAGEMAP_SCAN: %s\n", strerror(errno));
	while (!stopping()) {
		struct pin_longterm_test args = {
			.addr = (uintptr_t)wp_region.addr, .size = wp_region.size,
			.flags = PIN_LONGTERM_TEST_FLAG_USE_WRITE,
		};
		bool pinned = rnd(&seed) % 2 && !ioctl(fd, PIN_LONGTERM_TEST_START, &args);

		n++;
		if (rnd(&seed) % 4 == 0) {
			/* A round by UFFDIO_WRITEPROTECT: protects everything. */
			struct uffdio_writeprotect wp = {
				.range = { (uintptr_t)wp_region.addr, wp_region.size },
				.mode = UFFDIO_WRITEPROTECT_MODE_WP,
			};

			if (ioctl(uffd, UFFDIO_WRITEPROTECT, &wp))
				report(errors, "WP thread: UFFDIO_WRITEPROTECT: %s\n",
				       strerror(errno));
		}
		memset(wrote, 0, pages);
		for (p = rnd(&seed) % 16; p < pages; p += 1 + rnd(&seed) % 16) {
			fill(wp_region.addr, p, p + 1, 9, n);
			round[p] = n;
			wrote[p] = true;
		}
		if (pinned) {
			if (ioctl(fd, PIN_LONGTERM_TEST_READ, &ubuf) == 0) {
				bad = check(dev, 0, pages, 9, round, &first);
				if (bad)
					report(lost_pinned,
					       "WP round %lu: %zu pinned pages miss CPU writes (first: %zu)\n",
					       n, bad, first);
			}
			ioctl(fd, PIN_LONGTERM_TEST_STOP);
		}
		if (wp_round(vec, written, pages) < 0) {
			report(errors, "WP thread: PAGEMAP_SCAN: %s\n", strerror(errno));
		} else {
			for (p = 0; p < pages; p++)
				if (wrote[p] && !written[p]) {
					report(wp_missed,
					       "WP round %lu: page %zu written by the CPU but not reported written\n",
					       n, p);
					break;
				}
		}
		bad = check(wp_region.addr, 0, pages, 9, round, &first);
		if (bad)
			report(lost_cpu, "WP round %lu: %zu pages lost CPU writes (first: %zu)\n",
			       n, bad, first);
		__atomic_add_fetch(&rounds_wp, 1, __ATOMIC_RELAXED);
	}
	close(fd);
	munmap(dev, wp_region.size);
	free(vec);
	free(round);
	free(wrote);
	free(written);
	return NULL;
}

/* ---------------------------------------------------------------- */

static int wp_setup(void)
{
	struct uffdio_api api = { .api = UFFD_API, .features = UFFD_FEATURE_WP_ASYNC };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_WP };
	int uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	if (uffd < 0 || ioctl(uffd, UFFDIO_API, &api))
		return -1;
	if (!region_make(&wp_region, K_SMALL))
		return -1;
	reg.range.start = (uintptr_t)wp_region.addr;
	reg.range.len = wp_region.size;
	if (ioctl(uffd, UFFDIO_REGISTER, &reg))
		return -1;
	return uffd;
}

int main(int argc, char **argv)
{
	unsigned long seconds = 60, elapsed = 0, reported = 0;
	struct timespec t0, t;
	long acq0, rel0, bad0, freed0, acq, rel, listed = 0;
	pthread_t th[NR_KINDS + 3];
	int nth = 0, i, opt, uffd, fd;
	size_t sizes[4];
	bool ok, events_ok = true;

	while ((opt = getopt(argc, argv, "t:")) != -1) {
		if (opt != 't') {
			fprintf(stderr, "usage: %s [-t SECONDS]\n", argv[0]);
			return KSFT_FAIL;
		}
		seconds = strtoul(optarg, NULL, 0);
	}
	ksft_print_header();
	ksft_set_plan(5);
	pagesize = getpagesize();
	thpsize = read_pmd_pagesize();
	if (!thpsize)
		thpsize = 2UL << 20;
	hpsize = default_huge_page_size();
	have_hugetlb = hpsize && detect_hugetlb_page_sizes(sizes, 4) > 0 &&
		       get_free_hugepages() >= 16;
	fd = open(GUP_TEST_FILE, O_RDWR);
	if (fd < 0)
		ksft_exit_skip("%s: %s (CONFIG_GUP_TEST, debugfs, root)\n",
			       GUP_TEST_FILE, strerror(errno));
	close(fd);
	tracker_on = !access(PPT_DIR "/summary", R_OK);

	acq0 = pin_vmstat("nr_foll_pin_acquired");
	rel0 = pin_vmstat("nr_foll_pin_released");
	bad0 = summary_read("bad_unpins");
	freed0 = summary_read("freed_pinned");

	for (i = 0; i < NR_KINDS; i++)
		if (!region_make(&regions[i], i))
			ksft_print_msg("no %s region: %s\n", kind_name[i], strerror(errno));
	uffd = wp_setup();
	if (uffd < 0)
		ksft_print_msg("no uffd WP_ASYNC region: %s: WP thread not run\n",
			       strerror(errno));
	ksft_print_msg("%lu s; tracker %s; regions:%s%s%s%s; WP thread %s\n", seconds,
		       tracker_on ? "on" : "off",
		       regions[0].addr ? " small" : "", regions[1].addr ? " thp" : "",
		       regions[2].addr ? " shmem" : "", regions[3].addr ? " hugetlb" : "",
		       uffd >= 0 ? "on" : "off");

	for (i = 0; i < NR_KINDS; i++)
		if (regions[i].addr)
			pthread_create(&th[nth++], NULL, pin_thread, &regions[i]);
	pthread_create(&th[nth++], NULL, gup_thread, NULL);
	pthread_create(&th[nth++], NULL, fork_thread, NULL);
	if (uffd >= 0)
		pthread_create(&th[nth++], NULL, wp_thread, &uffd);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (elapsed < seconds) {
		sleep(5);
		clock_gettime(CLOCK_MONOTONIC, &t);
		elapsed = t.tv_sec - t0.tv_sec;
		if (tracker_on && (summary_read("bad_unpins") != bad0 ||
				   summary_read("freed_pinned") != freed0) && events_ok) {
			ksft_print_msg("%lu s: bad_unpins %ld -> %ld, freed_pinned %ld -> %ld\n",
				       elapsed, bad0, summary_read("bad_unpins"), freed0,
				       summary_read("freed_pinned"));
			events_ok = false;
		}
		if (elapsed / 10 != reported) {
			reported = elapsed / 10;
			ksft_print_msg("%lu s: rounds pin %lu, gup %lu, fork %lu, wp %lu\n",
				       elapsed, rounds_pin, rounds_gup, rounds_fork, rounds_wp);
		}
	}
	__atomic_store_n(&stop, true, __ATOMIC_RELAXED);
	for (i = 0; i < nth; i++)
		pthread_join(th[i], NULL);
	ksft_print_msg("rounds: pin %lu, gup %lu, fork %lu, wp %lu; errors %lu\n",
		       rounds_pin, rounds_gup, rounds_fork, rounds_wp, errors);

	for (i = 0; i < NR_KINDS; i++)
		if (regions[i].map)
			munmap(regions[i].map, regions[i].map_size);
	if (uffd >= 0)
		close(uffd);
	if (wp_region.map)
		munmap(wp_region.map, wp_region.map_size);

	ksft_test_result(!lost_cpu && !lost_child && !errors,
			 "no CPU write lost (%lu pin rounds, %lu fork children, %lu WP rounds)\n",
			 rounds_pin, rounds_fork, rounds_wp);
	ksft_test_result(!lost_pinned, "long-term pins see the CPU's writes to the pinned pages\n");
	if (uffd >= 0)
		ksft_test_result(!wp_missed, "pages written between WP rounds reported written\n");
	else
		ksft_test_result_skip("WP rounds: no uffd WP_ASYNC region\n");
	if (tracker_on)
		ksft_test_result(events_ok, "no tracker bad_unpins, freed_pinned while running\n");
	else
		ksft_test_result_skip("tracker events: tracker off\n");

	for (i = 0; i < 50; i++) {
		acq = pin_vmstat("nr_foll_pin_acquired");
		rel = pin_vmstat("nr_foll_pin_released");
		if (acq - acq0 == rel - rel0 && summary_read("pinned_pages") <= 0)
			break;
		usleep(20000);
	}
	ok = acq >= 0 && acq - acq0 == rel - rel0;
	if (!ok)
		ksft_print_msg("foll_pin acquired +%ld, released +%ld\n", acq - acq0, rel - rel0);
	if (tracker_on) {
		listed = tracker_listed_for(getpid());
		if (summary_read("pinned_pages") || listed) {
			ksft_print_msg("tracker: pinned_pages=%ld, %ld listed for this process\n",
				       summary_read("pinned_pages"), listed);
			ok = false;
		}
	}
	ksft_test_result(ok, "at the end, foll_pin balanced%s\n",
			 tracker_on ? ", nothing pinned or listed" : " (tracker off)");
	ksft_finished();
}
