// SPDX-License-Identifier: GPL-2.0
/*
 * Race stress of GUP on an msharefs region against the region's own
 * mapping changes (mshare M6, issue 13), for a fixed time (-t SECONDS, 60
 * by default), seeded (-s SEED; the seed is printed first, to replay a
 * run's choices):
 *
 *   mapper (A)   MSHAREFS_CREATE_MAPPING and MSHAREFS_UNMAP of 8 slots of
 *                32 pages, at the same offsets over and over: two slots per
 *                1 GiB (one PMD table), four PUD entries, so that every
 *                UNMAP can empty a PTE table and every other one a PMD
 *                table;
 *   pinners (B)  two processes that map the region and loop over pins and
 *                unpins of random slots and pages through their own
 *                gup_test file: PIN_LONGTERM_TEST_START (slow and fast,
 *                with and without FOLL_WRITE) and _STOP, PIN_FAST_BENCHMARK
 *                and PIN_BASIC_TEST (pin and unpin in one call), and
 *                GUP_FAST_BENCHMARK; and device checks: with a slot held
 *                against the mapper, a long-term pin of 8 pages of the
 *                slot's first 16 (each pinner its own 8),
 *                a device write through the pin (PIN_LONGTERM_TEST_WRITE)
 *                that the CPU must read through the mapping, then, with
 *                the slot released (the mapper may unmap it), a device
 *                read (PIN_LONGTERM_TEST_READ) that must still return the
 *                data: the pinned pages outlive the mapping;
 *   toucher (C)  maps the region, reads every page and writes the last 16
 *                pages (not the device-checked ones) of random slots
 *                (SIGSEGV in an unmapped slot is expected and counted); a
 *                write must read back while the slot's generation holds.
 *
 * Checks: every ioctl's result is success or, where the range can be
 * unmapped under it, EFAULT; no device write is lost while the mapping
 * lives or while the pin holds the pages; no CPU write is lost; the
 * kernel's taint does not change while running (a WARN, an oops or a bad
 * page would taint it; splats are also the harness's to catch); with the
 * pin tracker on, no bad_unpins or freed_pinned event; at the end,
 * nr_foll_pin_acquired == nr_foll_pin_released since the start and the
 * tracker lists nothing.
 *
 * It is the regression test for the use-after-free of host page tables
 * that mshare v3 has (GUP walks a region's PMD and PTE tables under the
 * sharer's mmap_lock while an UNMAP frees them under the host's); here the
 * host's tables are kept as long as the region lives.
 *
 * Needs root, msharefs (skips without) and gup_test.
 * Usage: mshare_stress [-t SECONDS] [-s SEED]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
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

#include "../kselftest.h"
#include "pin_util.h"
#include "../../../../mm/gup_test.h"

#define MiB		(1024ULL * 1024)
#define GiB		(1024 * MiB)
#define ALIGN_X86_64	(512 * GiB)
#define NSLOTS		8
#define SLOT_PAGES	32
#define NPINNERS	2
#define DEV_PAGES	8	/* device-checked pages of each pinner */
#define DEV_AREA	(NPINNERS * DEV_PAGES)	/* the toucher only reads these */
#define GUP_TEST_FILE	"/sys/kernel/debug/gup_test"
#define FOLL_WRITE	0x01

/* Shared between the processes (MAP_SHARED anonymous memory). */
struct slot {
	int lock;		/* -1: the mapper changes it; > 0: device checks */
	int mapped;
	unsigned long gen;	/* odd while the mapper changes it */
};

struct shared {
	int stop;
	struct slot slot[NSLOTS];
	unsigned long creates, unmaps, unmap_alls;
	unsigned long pins_lt, pins_short, pins_efault, dev_checks, dev_kept;
	unsigned long touches, segvs, cpu_checks;
	unsigned long errors, lost_dev, lost_kept, lost_cpu;
};

static struct shared *sh;
static char root[32], path[64];
static size_t pagesize;
static uint64_t seed;
static bool tracker_on;

static uint64_t slot_off(int s)
{
	return (uint64_t)(s / 2) * GiB + (uint64_t)(s % 2) * 2 * MiB;
}

static uint64_t rnd(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static bool stopping(void)
{
	return __atomic_load_n(&sh->stop, __ATOMIC_RELAXED);
}

static void count(unsigned long *c)
{
	__atomic_fetch_add(c, 1, __ATOMIC_RELAXED);
}

static void error(unsigned long *c, const char *fmt, ...)
{
	va_list ap;

	count(c);
	if (__atomic_load_n(c, __ATOMIC_RELAXED) > 5)
		return;
	va_start(ap, fmt);
	printf("# [%d] ", getpid());
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

static long summary_read(const char *key)
{
	return tracker_on ? pin_summary(key) : 0;
}

static long taint_read(void)
{
	static const char *file = "/proc/sys/kernel/tainted";
	long t = -1;
	FILE *f = fopen(file, "r");

	if (f) {
		if (fscanf(f, "%ld", &t) != 1)
			t = -1;
		fclose(f);
	}
	return t;
}

/* The whole region in this process; exits on failure. */
static char *map_region(void)
{
	int fd = open(path, O_RDWR);
	char *m;

	if (fd < 0)
		_exit(20);
	m = mmap(NULL, ALIGN_X86_64, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		_exit(21);
	close(fd);
	return m;
}

/* ---------------------------------------------------------------- */
/* The mapper (A)                                                    */

/*
 * Unmap every slot in one MSHAREFS_UNMAP, when no slot is held: the
 * region is then empty, and the host's tables could all go (they must
 * not: sharers link the PUD tables).
 */
static void unmap_all(int fd)
{
	struct mshare_unmap mu = { .region_offset = 0, .size = 4 * GiB };
	int s, held;

	for (held = 0; held < NSLOTS; held++) {
		int unlocked = 0;

		if (!__atomic_compare_exchange_n(&sh->slot[held].lock, &unlocked, -1, false,
						 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			break;
	}
	if (held == NSLOTS) {
		for (s = 0; s < NSLOTS; s++)
			__atomic_fetch_add(&sh->slot[s].gen, 1, __ATOMIC_RELEASE);
		if (ioctl(fd, MSHAREFS_UNMAP, &mu)) {
			error(&sh->errors, "UNMAP of the whole region: %s\n", strerror(errno));
		} else {
			count(&sh->unmap_alls);
			for (s = 0; s < NSLOTS; s++)
				sh->slot[s].mapped = 0;
		}
		for (s = 0; s < NSLOTS; s++)
			__atomic_fetch_add(&sh->slot[s].gen, 1, __ATOMIC_RELEASE);
	}
	for (s = 0; s < held; s++)
		__atomic_store_n(&sh->slot[s].lock, 0, __ATOMIC_RELEASE);
}

static int mapper(void)
{
	uint64_t x = seed ^ 0xa11ce;
	int fd = open(path, O_RDWR);

	if (fd < 0)
		return 20;
	while (!stopping()) {
		int s = rnd(&x) % NSLOTS, unlocked = 0;
		struct slot *sl = &sh->slot[s];
		int ret;

		if (!(rnd(&x) % 32)) {
			unmap_all(fd);
			continue;
		}
		if (!__atomic_compare_exchange_n(&sl->lock, &unlocked, -1, false,
						 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			continue;
		__atomic_fetch_add(&sl->gen, 1, __ATOMIC_RELEASE);
		if (sl->mapped) {
			struct mshare_unmap mu = {
				.region_offset = slot_off(s),
				.size = SLOT_PAGES * pagesize,
			};

			ret = ioctl(fd, MSHAREFS_UNMAP, &mu);
			if (ret)
				error(&sh->errors, "UNMAP slot %d: %s\n", s, strerror(errno));
			else
				count(&sh->unmaps);
		} else {
			struct mshare_create mc = {
				.region_offset = slot_off(s),
				.size = SLOT_PAGES * pagesize,
				.prot = PROT_READ | PROT_WRITE,
				.flags = MAP_SHARED | MAP_FIXED | MAP_ANONYMOUS,
				.fd = -1,
			};

			ret = ioctl(fd, MSHAREFS_CREATE_MAPPING, &mc);
			if (ret)
				error(&sh->errors, "CREATE_MAPPING slot %d: %s\n", s,
				      strerror(errno));
			else
				count(&sh->creates);
		}
		if (!ret)
			sl->mapped = !sl->mapped;
		__atomic_fetch_add(&sl->gen, 1, __ATOMIC_RELEASE);
		__atomic_store_n(&sl->lock, 0, __ATOMIC_RELEASE);
		/* let the others in now and then, on a small VM */
		if (!(rnd(&x) % 8))
			sched_yield();
	}
	close(fd);
	return 0;
}

/* ---------------------------------------------------------------- */
/* The pinners (B)                                                   */

static bool slot_hold(struct slot *sl)
{
	int v = __atomic_load_n(&sl->lock, __ATOMIC_RELAXED);

	return v >= 0 && __atomic_compare_exchange_n(&sl->lock, &v, v + 1, false,
						     __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

static void slot_release(struct slot *sl)
{
	__atomic_fetch_sub(&sl->lock, 1, __ATOMIC_RELEASE);
}

static uint64_t dev_word(int who, unsigned long round, int page)
{
	return ((uint64_t)(who + 1) << 56) | ((uint64_t)round << 8) | (uint64_t)page;
}

/* ret is an ioctl's result over a range that may be unmapped: 0 or EFAULT. */
static bool pin_result(const char *what, int s, int ret)
{
	if (!ret)
		return true;
	if (errno == EFAULT) {
		count(&sh->pins_efault);
		return false;
	}
	error(&sh->errors, "%s slot %d: %s\n", what, s, strerror(errno));
	return false;
}

/*
 * A device check of slot @s, held against the mapper and mapped: pin this
 * pinner's DEV_PAGES pages of it, write through the pin, read through the
 * CPU; then release the slot and read through the pin again.
 */
static void device_check(int who, int gfd, char *m, int s, unsigned long round,
			 uint64_t *x, uint64_t *buf)
{
	char *dev = m + slot_off(s) + who * DEV_PAGES * pagesize;
	struct pin_longterm_test pt = {
		.addr = (uintptr_t)dev,
		.size = DEV_PAGES * pagesize,
		.flags = PIN_LONGTERM_TEST_FLAG_USE_WRITE |
			 (rnd(x) % 2 ? PIN_LONGTERM_TEST_FLAG_USE_FAST : 0),
	};
	uint64_t ubuf = (uintptr_t)buf;
	size_t words = pagesize / 8;
	struct slot *sl = &sh->slot[s];
	int i;

	if (ioctl(gfd, PIN_LONGTERM_TEST_START, &pt)) {
		error(&sh->errors, "device check: pin of mapped slot %d: %s\n", s,
		      strerror(errno));
		slot_release(sl);
		return;
	}
	count(&sh->pins_lt);
	for (i = 0; i < DEV_PAGES; i++)
		buf[i * words] = dev_word(who, round, i);
	if (ioctl(gfd, PIN_LONGTERM_TEST_WRITE, &ubuf))
		error(&sh->errors, "PIN_LONGTERM_TEST_WRITE: %s\n", strerror(errno));
	for (i = 0; i < DEV_PAGES; i++) {
		uint64_t v = __atomic_load_n((uint64_t *)(dev + i * pagesize),
					     __ATOMIC_RELAXED);

		if (v != dev_word(who, round, i)) {
			error(&sh->lost_dev, "slot %d page %d: CPU reads %#llx, not %#llx\n",
			      s, i, (unsigned long long)v,
			      (unsigned long long)dev_word(who, round, i));
			break;
		}
	}
	count(&sh->dev_checks);
	/* the mapper may unmap the slot now: the pin keeps the pages */
	slot_release(sl);
	if (rnd(x) % 2)
		usleep(rnd(x) % 2000);
	memset(buf, 0, DEV_PAGES * pagesize);
	if (ioctl(gfd, PIN_LONGTERM_TEST_READ, &ubuf))
		error(&sh->errors, "PIN_LONGTERM_TEST_READ: %s\n", strerror(errno));
	for (i = 0; i < DEV_PAGES; i++)
		if (buf[i * words] != dev_word(who, round, i)) {
			error(&sh->lost_kept, "slot %d page %d: device reads %#llx, not %#llx\n",
			      s, i, (unsigned long long)buf[i * words],
			      (unsigned long long)dev_word(who, round, i));
			break;
		}
	count(&sh->dev_kept);
	if (ioctl(gfd, PIN_LONGTERM_TEST_STOP))
		error(&sh->errors, "PIN_LONGTERM_TEST_STOP: %s\n", strerror(errno));
}

static int pinner(int who)
{
	uint64_t x = seed ^ (0xb0b0 + who), *buf;
	int gfd = open(GUP_TEST_FILE, O_RDWR);
	unsigned long round = 0;
	char *m = map_region();

	buf = aligned_alloc(pagesize, DEV_PAGES * pagesize);
	if (gfd < 0 || !buf)
		return 22;
	while (!stopping()) {
		int s = rnd(&x) % NSLOTS, op = rnd(&x) % 8;
		int first = rnd(&x) % SLOT_PAGES;
		int nr = 1 + rnd(&x) % (SLOT_PAGES - first);
		uint64_t addr = (uintptr_t)m + slot_off(s) + first * pagesize;
		struct slot *sl = &sh->slot[s];

		round++;
		if (op == 0) {
			if (slot_hold(sl)) {
				if (__atomic_load_n(&sl->mapped, __ATOMIC_ACQUIRE))
					device_check(who, gfd, m, s, round, &x, buf);
				else
					slot_release(sl);
			}
		} else if (op <= 3) {
			struct pin_longterm_test pt = {
				.addr = addr, .size = nr * pagesize,
				.flags = (rnd(&x) % 2 ? PIN_LONGTERM_TEST_FLAG_USE_WRITE : 0) |
					 (op == 3 || who ? PIN_LONGTERM_TEST_FLAG_USE_FAST : 0),
			};

			if (pin_result("PIN_LONGTERM_TEST_START", s,
				       ioctl(gfd, PIN_LONGTERM_TEST_START, &pt))) {
				count(&sh->pins_lt);
				if (rnd(&x) % 4 == 0)
					usleep(rnd(&x) % 1000);
				if (ioctl(gfd, PIN_LONGTERM_TEST_STOP))
					error(&sh->errors, "PIN_LONGTERM_TEST_STOP: %s\n",
					      strerror(errno));
			}
		} else {
			static const unsigned long cmds[] = {
				PIN_FAST_BENCHMARK, PIN_BASIC_TEST, GUP_FAST_BENCHMARK,
				PIN_LONGTERM_BENCHMARK,
			};
			struct gup_test gt = {
				.addr = addr, .size = nr * pagesize,
				.nr_pages_per_call = 1 + rnd(&x) % nr,
				.gup_flags = rnd(&x) % 2 ? FOLL_WRITE : 0,
			};

			if (pin_result("gup_test benchmark", s,
				       ioctl(gfd, cmds[op - 4], &gt)))
				count(&sh->pins_short);
		}
	}
	close(gfd);
	return 0;
}

/* ---------------------------------------------------------------- */
/* The toucher (C)                                                   */

static sigjmp_buf segv_env;

static void on_segv(int sig)
{
	siglongjmp(segv_env, 1);
}

static int toucher(void)
{
	/* static: kept across siglongjmp() */
	static uint64_t x;
	static unsigned long n;
	struct sigaction sa = { .sa_handler = on_segv };
	char *m = map_region();

	x = seed ^ 0xc0c0;

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSEGV, &sa, NULL))
		return 23;
	while (!stopping()) {
		int s = rnd(&x) % NSLOTS, pg = rnd(&x) % SLOT_PAGES;
		uint64_t *w = (uint64_t *)(m + slot_off(s) + pg * pagesize + 64);
		struct slot *sl = &sh->slot[s];
		unsigned long g1, g2;
		uint64_t v = (++n << 8) | 0xc;

		g1 = __atomic_load_n(&sl->gen, __ATOMIC_ACQUIRE);
		if (sigsetjmp(segv_env, 1)) {
			count(&sh->segvs);
			continue;
		}
		if (pg < DEV_AREA) {
			(void)__atomic_load_n(w, __ATOMIC_RELAXED);
			count(&sh->touches);
			continue;
		}
		__atomic_store_n(w, v, __ATOMIC_RELAXED);
		if (__atomic_load_n(w, __ATOMIC_RELAXED) != v) {
			g2 = __atomic_load_n(&sl->gen, __ATOMIC_ACQUIRE);
			if (g1 == g2 && !(g1 & 1))
				error(&sh->lost_cpu, "slot %d page %d: wrote %#llx, read %#llx\n",
				      s, pg, (unsigned long long)v,
				      (unsigned long long)__atomic_load_n(w, __ATOMIC_RELAXED));
		} else {
			count(&sh->cpu_checks);
		}
		count(&sh->touches);
	}
	return 0;
}

/* ---------------------------------------------------------------- */

static void print_counts(const char *when)
{
	ksft_print_msg("%s: %lu creates, %lu unmaps, %lu of all slots\n",
		       when, sh->creates, sh->unmaps, sh->unmap_alls);
	ksft_print_msg("%s: pins: %lu long-term, %lu short, %lu EFAULT\n",
		       when, sh->pins_lt, sh->pins_short, sh->pins_efault);
	ksft_print_msg("%s: device checks %lu, kept %lu; %lu touches, %lu SIGSEGV, %lu checked\n",
		       when, sh->dev_checks, sh->dev_kept, sh->touches, sh->segvs,
		       sh->cpu_checks);
}

static pid_t spawn(int (*fn)(int), int arg)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		ksft_exit_fail_msg("fork: %s\n", strerror(errno));
	if (!pid)
		_exit(fn(arg));
	return pid;
}

static int mapper_fn(int arg)
{
	return mapper();
}

static int toucher_fn(int arg)
{
	return toucher();
}

static bool msharefs_present(void)
{
	char line[256];
	bool found = false;
	FILE *f = fopen("/proc/filesystems", "r");

	while (f && !found && fgets(line, sizeof(line), f))
		found = !!strstr(line, "\tmsharefs\n");
	if (f)
		fclose(f);
	return found;
}

int main(int argc, char **argv)
{
	unsigned long seconds = 60, elapsed = 0, reported = 0;
	long acq0, rel0, acq = 0, rel = 0, bad0, freed0, taint0;
	bool events_ok = true, taint_ok = true, children_ok = true, ok;
	pid_t pids[3 + NPINNERS];
	struct timespec t0, t;
	int opt, i, np = 0, fd, status;

	seed = time(NULL) ^ ((uint64_t)getpid() << 32);
	while ((opt = getopt(argc, argv, "t:s:")) != -1) {
		switch (opt) {
		case 't':
			seconds = strtoul(optarg, NULL, 0);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		default:
			fprintf(stderr, "usage: %s [-t SECONDS] [-s SEED]\n", argv[0]);
			return KSFT_FAIL;
		}
	}
	if (!seed)
		seed = 1;
	ksft_print_header();
	ksft_print_msg("seed %llu (replay: -s %llu)\n", (unsigned long long)seed,
		       (unsigned long long)seed);
	if (!msharefs_present())
		ksft_exit_skip("msharefs is not in /proc/filesystems (CONFIG_MSHARE=n)\n");
	if (geteuid())
		ksft_exit_skip("needs root to mount msharefs\n");
	fd = open(GUP_TEST_FILE, O_RDWR);
	if (fd < 0)
		ksft_exit_skip("%s: %s (CONFIG_GUP_TEST, debugfs)\n", GUP_TEST_FILE,
			       strerror(errno));
	close(fd);
	pagesize = getpagesize();
	tracker_on = !access(PPT_DIR "/summary", R_OK);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		  -1, 0);
	if (sh == MAP_FAILED)
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
	snprintf(root, sizeof(root), "/tmp/mshare_stress.XXXXXX");
	if (!mkdtemp(root))
		ksft_exit_fail_msg("mkdtemp: %s\n", strerror(errno));
	if (mount("none", root, "msharefs", 0, NULL)) {
		rmdir(root);
		ksft_exit_fail_msg("mount -t msharefs: %s\n", strerror(errno));
	}
	snprintf(path, sizeof(path), "%s/stress", root);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0 || ftruncate(fd, ALIGN_X86_64))
		ksft_exit_fail_msg("region: %s\n", strerror(errno));

	ksft_set_plan(5);
	acq0 = pin_vmstat("nr_foll_pin_acquired");
	rel0 = pin_vmstat("nr_foll_pin_released");
	bad0 = summary_read("bad_unpins");
	freed0 = summary_read("freed_pinned");
	taint0 = taint_read();
	ksft_print_msg("%lu s; %d slots of %d pages; %d pinners; tracker %s; taint %ld\n",
		       seconds, NSLOTS, SLOT_PAGES, NPINNERS, tracker_on ? "on" : "off", taint0);

	pids[np++] = spawn(mapper_fn, 0);
	for (i = 0; i < NPINNERS; i++)
		pids[np++] = spawn(pinner, i);
	pids[np++] = spawn(toucher_fn, 0);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (elapsed < seconds) {
		sleep(1);
		clock_gettime(CLOCK_MONOTONIC, &t);
		elapsed = t.tv_sec - t0.tv_sec;
		if (taint_read() != taint0 && taint_ok) {
			ksft_print_msg("%lu s: the kernel's taint changed: %ld -> %ld\n",
				       elapsed, taint0, taint_read());
			taint_ok = false;
		}
		if (tracker_on && events_ok && (summary_read("bad_unpins") != bad0 ||
						summary_read("freed_pinned") != freed0)) {
			ksft_print_msg("%lu s: bad_unpins %ld -> %ld, freed_pinned %ld -> %ld\n",
				       elapsed, bad0, summary_read("bad_unpins"), freed0,
				       summary_read("freed_pinned"));
			events_ok = false;
		}
		for (i = 0; i < np; i++)
			if (waitpid(pids[i], &status, WNOHANG) == pids[i]) {
				ksft_print_msg("%lu s: process %d ended early (status %#x)\n",
					       elapsed, pids[i], status);
				children_ok = false;
				pids[i] = -1;
			}
		if (!children_ok || !taint_ok)
			break;
		if (elapsed / 10 != reported) {
			char when[32];

			reported = elapsed / 10;
			snprintf(when, sizeof(when), "%lu s", elapsed);
			print_counts(when);
		}
	}
	__atomic_store_n(&sh->stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < np; i++) {
		if (pids[i] < 0)
			continue;
		if (waitpid(pids[i], &status, 0) != pids[i] || !WIFEXITED(status) ||
		    WEXITSTATUS(status)) {
			ksft_print_msg("process %d ended with status %#x\n", pids[i], status);
			children_ok = false;
		}
	}
	print_counts("end");

	ksft_test_result(children_ok && !sh->errors && sh->creates && sh->unmaps &&
			 sh->pins_lt && sh->pins_short,
			 "mapper, pinners and toucher ran, every result 0 or EFAULT (%lu errors)\n",
			 sh->errors);
	ksft_test_result(!sh->lost_dev && !sh->lost_kept && !sh->lost_cpu && sh->dev_checks,
			 "no write lost: device writes seen by the CPU (%lu), kept by the pin past UNMAP (%lu), CPU writes (%lu)\n",
			 sh->dev_checks, sh->dev_kept, sh->cpu_checks);
	ksft_test_result(taint_ok, "the kernel's taint did not change (%ld)\n", taint_read());
	if (tracker_on)
		ksft_test_result(events_ok, "no tracker bad_unpins, freed_pinned while running\n");
	else
		ksft_test_result_skip("tracker events: tracker off\n");

	close(fd);
	unlink(path);
	if (umount(root))
		ksft_print_msg("umount %s: %s\n", root, strerror(errno));
	rmdir(root);
	for (i = 0; i < 50; i++) {
		acq = pin_vmstat("nr_foll_pin_acquired");
		rel = pin_vmstat("nr_foll_pin_released");
		if (acq - acq0 == rel - rel0 && summary_read("pinned_pages") <= 0)
			break;
		usleep(20000);
	}
	ok = acq >= 0 && acq - acq0 == rel - rel0 && acq > acq0;
	if (!ok)
		ksft_print_msg("foll_pin acquired +%ld, released +%ld\n", acq - acq0, rel - rel0);
	if (tracker_on && summary_read("pinned_pages")) {
		ksft_print_msg("tracker: pinned_pages=%ld\n", summary_read("pinned_pages"));
		ok = false;
	}
	ksft_test_result(ok, "at the end, foll_pin balanced (+%ld)%s\n", acq - acq0,
			 tracker_on ? ", tracker empty" : " (tracker off)");
	ksft_finished();
}
