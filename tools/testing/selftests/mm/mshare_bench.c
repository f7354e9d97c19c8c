// SPDX-License-Identifier: GPL-2.0
/*
 * mshare benchmark (`make bench-mshare`, ci/bench-mshare.sh): an msharefs
 * region against a plain MAP_SHARED memfd, the same memory in both.
 *
 *   -p N     page-table memory: N processes each map the same 1 GiB
 *            (-g GiB) and touch all of it (MADV_POPULATE_READ: every page
 *            gets a PTE); PageTables in /proc/meminfo with the N processes
 *            mapped and touched, minus the same N processes before they
 *            mapped anything. The mshare region's host tables are counted
 *            once, as they exist once.
 *   -f MiB   first-touch fault cost: one process maps MiB of memory that
 *            nobody has touched and writes one byte per page (CPU faults
 *            that allocate the pages); time per page.
 *   -l MiB   pin cost: gup_test PIN_LONGTERM_BENCHMARK (pin_user_pages()
 *            with FOLL_LONGTERM, 512 pages per call, then unpin) and
 *            PIN_FAST_BENCHMARK (pin_user_pages_fast(), which ibv_reg_mr
 *            uses) of MiB of touched memory; gup_test's own times of the
 *            pin and the unpin, per page.
 *   -r N     repetitions of -f and -l (each prints a line).
 *
 * Prints "BENCH ..." lines for ci/bench-mshare.sh; checks nothing (no
 * thresholds). Times are CLOCK_MONOTONIC in the guest: under QEMU
 * -icount shift=0 (the default of ci/bench-mshare.sh) they count guest
 * instructions, not cycles.
 *
 * Needs root, msharefs and (for -l) gup_test.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <linux/msharefs.h>

#include "../../../../mm/gup_test.h"

#define MiB		(1024ULL * 1024)
#define GiB		(1024 * MiB)
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define ALIGN_X86_64	(512 * GiB)
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ	22
#endif

static char root[32];
static size_t pagesize;
static int region_nr;

static void die(const char *what)
{
	fprintf(stderr, "mshare_bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static long meminfo_kb(const char *key)
{
	char line[256];
	size_t len = strlen(key);
	long kb = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, len) && line[len] == ':')
			kb = strtol(line + len + 1, NULL, 10);
	fclose(f);
	return kb;
}

/*
 * Memory of @size bytes to share: a new msharefs region with @size of
 * shared anonymous memory at offset 0 (returns its fd, *len = the region's
 * size), or a memfd of @size (*len = @size).
 */
static int make_shared(bool mshare, size_t size, size_t *len)
{
	char path[64];
	int fd;

	if (!mshare) {
		fd = memfd_create("bench", 0);
		if (fd < 0 || ftruncate(fd, size))
			die("memfd");
		*len = size;
		return fd;
	}
	snprintf(path, sizeof(path), "%s/r%d", root, region_nr++);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0 || ftruncate(fd, ALIGN_X86_64))
		die("region");
	unlink(path);
	{
		struct mshare_create mc = {
			.region_offset = 0, .size = size,
			.prot = PROT_READ | PROT_WRITE,
			.flags = MAP_SHARED | MAP_FIXED | MAP_ANONYMOUS, .fd = -1,
		};

		if (ioctl(fd, MSHAREFS_CREATE_MAPPING, &mc))
			die("MSHAREFS_CREATE_MAPPING");
	}
	*len = ALIGN_X86_64;
	return fd;
}

static const char *kind(bool mshare)
{
	return mshare ? "mshare" : "memfd";
}

/* -p: page-table memory of @n processes mapping and touching @size. */
static void bench_pt(bool mshare, int n, size_t size)
{
	int go[2], ready[2], i, status;
	long pt0, pt1, base0;
	size_t len;
	char c;
	int fd;

	base0 = meminfo_kb("PageTables");
	fd = make_shared(mshare, size, &len);
	if (pipe(go) || pipe(ready))
		die("pipe");
	for (i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid < 0)
			die("fork");
		if (!pid) {
			char *m;

			close(go[1]);
			close(ready[0]);
			/* ready, then wait for the parent's first reading */
			if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
				_exit(1);
			m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
			if (m == MAP_FAILED || madvise(m, size, MADV_POPULATE_READ))
				_exit(2);
			if (write(ready[1], "t", 1) != 1)
				_exit(3);
			/* stay mapped until the parent closes the pipe */
			while (read(go[0], &c, 1) == 1)
				;
			_exit(0);
		}
	}
	close(go[0]);
	close(ready[1]);
	for (i = 0; i < n; i++)
		if (read(ready[0], &c, 1) != 1)
			die("child not ready");
	pt0 = meminfo_kb("PageTables");
	for (i = 0; i < n; i++)
		if (write(go[1], "g", 1) != 1)
			die("go");
	for (i = 0; i < n; i++)
		if (read(ready[0], &c, 1) != 1 || c != 't')
			die("child did not touch");
	pt1 = meminfo_kb("PageTables");
	close(go[1]);
	for (i = 0; i < n; i++) {
		wait(&status);
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			fprintf(stderr, "mshare_bench: a child ended with %#x\n", status);
	}
	close(ready[0]);
	close(fd);
	printf("BENCH pt kind=%s n=%d gib=%zu pagetables_kb=%ld per_process_kb=%.1f",
	       kind(mshare), n, (size_t)(size / GiB), pt1 - pt0, (double)(pt1 - pt0) / n);
	printf(" (before %ld, children %ld, touched %ld)\n", base0, pt0, pt1);
	fflush(stdout);
}

/* -f: first-touch CPU write faults over @size of untouched memory. */
static void bench_fault(bool mshare, size_t size)
{
	size_t len, i;
	double t0, t1;
	char *m;
	int fd;

	fd = make_shared(mshare, size, &len);
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		die("mmap");
	t0 = now_ns();
	for (i = 0; i < size; i += pagesize)
		m[i] = 1;
	t1 = now_ns();
	printf("BENCH fault kind=%s pages=%zu ns_per_page=%.1f\n", kind(mshare),
	       size / pagesize, (t1 - t0) / (size / pagesize));
	fflush(stdout);
	munmap(m, len);
	close(fd);
}

/* -l: gup_test's pin benchmarks over @size of touched memory. */
static void bench_pin(bool mshare, size_t size, int reps)
{
	static const struct {
		unsigned long cmd;
		const char *name;
	} ops[] = {
		{ PIN_LONGTERM_BENCHMARK, "PIN_LONGTERM" },
		{ PIN_FAST_BENCHMARK, "PIN_FAST" },
	};
	size_t len, i;
	unsigned int o;
	int fd, gfd, r;
	char *m;

	gfd = open("/sys/kernel/debug/gup_test", O_RDWR);
	if (gfd < 0)
		die("gup_test");
	fd = make_shared(mshare, size, &len);
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		die("mmap");
	for (i = 0; i < size; i += pagesize)
		m[i] = 1;
	for (r = 0; r < reps; r++)
		for (o = 0; o < ARRAY_SIZE(ops); o++) {
			struct gup_test gt = {
				.addr = (uintptr_t)m, .size = size,
				.nr_pages_per_call = 512, .gup_flags = 0x1, /* FOLL_WRITE */
			};

			if (ioctl(gfd, ops[o].cmd, &gt))
				die(ops[o].name);
			if (gt.size != size)
				fprintf(stderr, "mshare_bench: %s pinned %llu of %zu bytes\n",
					ops[o].name, (unsigned long long)gt.size, size);
			printf("BENCH pin kind=%s op=%s pages=%zu get_us=%llu put_us=%llu\n",
			       kind(mshare), ops[o].name, size / pagesize,
			       (unsigned long long)gt.get_delta_usec,
			       (unsigned long long)gt.put_delta_usec);
			fflush(stdout);
		}
	munmap(m, len);
	close(fd);
	close(gfd);
}

int main(int argc, char **argv)
{
	int opt, reps = 3, r, n = 0;
	size_t gib = 1, fault_mb = 0, pin_mb = 0;
	int ns[8], nn = 0;

	while ((opt = getopt(argc, argv, "p:g:f:l:r:")) != -1) {
		switch (opt) {
		case 'p':
			n = atoi(optarg);
			if (n > 0 && nn < 8)
				ns[nn++] = n;
			break;
		case 'g':
			gib = strtoul(optarg, NULL, 0);
			break;
		case 'f':
			fault_mb = strtoul(optarg, NULL, 0);
			break;
		case 'l':
			pin_mb = strtoul(optarg, NULL, 0);
			break;
		case 'r':
			reps = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: %s [-p N]... [-g GiB] [-f MiB] [-l MiB] [-r N]\n",
				argv[0]);
			return 1;
		}
	}
	pagesize = getpagesize();
	snprintf(root, sizeof(root), "/tmp/mshare_bench.XXXXXX");
	if (!mkdtemp(root))
		die("mkdtemp");
	if (mount("none", root, "msharefs", 0, NULL)) {
		rmdir(root);
		die("mount -t msharefs");
	}
	for (r = 0; r < nn; r++) {
		bench_pt(false, ns[r], gib * GiB);
		bench_pt(true, ns[r], gib * GiB);
	}
	/* alternate the kinds, so that drift hits both alike */
	for (r = 0; fault_mb && r < reps; r++) {
		bench_fault(false, fault_mb * MiB);
		bench_fault(true, fault_mb * MiB);
	}
	if (pin_mb) {
		bench_pin(false, pin_mb * MiB, reps);
		bench_pin(true, pin_mb * MiB, reps);
	}
	umount(root);
	rmdir(root);
	return 0;
}
