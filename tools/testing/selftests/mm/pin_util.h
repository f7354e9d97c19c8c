/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the pin selftests share: writes to sysfs, procfs and debugfs files,
 * /proc/vmstat counters, the DMA-pin tracker's summary and listing, and
 * fault injection
 * (Documentation/mm/page_pin_tracker.rst). Static inline, so that a test
 * outside this directory (rdma_pin) can include it without linking
 * anything, and a test that uses part of it gets no unused-function
 * warning.
 */
#ifndef __SELFTESTS_MM_PIN_UTIL_H
#define __SELFTESTS_MM_PIN_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PPT_DIR		"/sys/kernel/debug/page_pin_tracker"

/* Write @len bytes of @buf to @path in one write(): 0 or -errno. */
static inline int pin_write_buf(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY);
	ssize_t ret;

	if (fd < 0)
		return -errno;
	ret = write(fd, buf, len);
	close(fd);
	return ret < 0 ? -errno : 0;
}

/* Write the string @buf to @path: 0 or -errno. */
static inline int pin_write_file(const char *path, const char *buf)
{
	return pin_write_buf(path, buf, strlen(buf));
}

/*
 * The number after "@key@sep" on the first line of @path that starts
 * with it ("key value" in /proc/vmstat, "key=value" in the tracker's
 * summary); -1 if there is none or @path cannot be read.
 */
static inline long pin_key_value(const char *path, const char *key, char sep)
{
	size_t len = strlen(key);
	char line[256];
	long val = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, len) && line[len] == sep) {
			val = strtol(line + len + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return val;
}

/* A /proc/vmstat counter, the per-CPU deltas folded in first; or -1. */
static inline long pin_vmstat(const char *key)
{
	pin_write_file("/proc/sys/vm/stat_refresh", "1");
	return pin_key_value("/proc/vmstat", key, ' ');
}

/* A "key=value" of the tracker's summary; -1 if absent (tracker off). */
static inline long pin_summary(const char *key)
{
	return pin_key_value(PPT_DIR "/summary", key, '=');
}

/*
 * @n keys of the tracker's summary from one read of it: each read walks
 * the record of every page, which takes seconds on a debug kernel under
 * TCG. @vals[i] is the value of @keys[i], -1 if it is missing.
 */
static inline void pin_summary_n(const char * const *keys, long *vals, int n)
{
	char line[256];
	FILE *f = fopen(PPT_DIR "/summary", "r");
	int i;

	for (i = 0; i < n; i++)
		vals[i] = -1;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		for (i = 0; i < n; i++) {
			size_t len = strlen(keys[i]);

			if (vals[i] < 0 && !strncmp(line, keys[i], len) &&
			    line[len] == '=')
				vals[i] = strtol(line + len + 1, NULL, 10);
		}
	}
	fclose(f);
}

/* One record of the tracker's listing ("pinned"). */
struct pin_rec {
	unsigned long pfn;
	int count;
	int longterm;
	int pid;
	char comm[32];
};

/*
 * The records of the listing owned by @pid, the first @max of them in
 * @recs: their number (which may be more than @max), or -1. The listing
 * is filtered in the kernel (filter_pid), which is reset afterwards.
 */
static inline int pin_read_listing(int pid, struct pin_rec *recs, int max)
{
	char buf[64], line[512];
	FILE *f;
	int n = 0;

	snprintf(buf, sizeof(buf), "%d", pid);
	if (pin_write_file(PPT_DIR "/filter_pid", buf))
		return -1;
	f = fopen(PPT_DIR "/pinned", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		struct pin_rec r;

		if (strncmp(line, "pfn=", 4))
			continue;
		if (sscanf(line, "pfn=%lx count=%d longterm=%d pid=%d comm=%31s",
			   &r.pfn, &r.count, &r.longterm, &r.pid, r.comm) != 5) {
			printf("# unparsable record: %s", line);
			n = -1;
			break;
		}
		if (r.pid != pid)
			continue;
		if (n < max)
			recs[n] = r;
		n++;
	}
	fclose(f);
	pin_write_file(PPT_DIR "/filter_pid", "0");
	return n;
}

/*
 * Fault injection (CONFIG_FAULT_INJECTION, CONFIG_FAILSLAB,
 * CONFIG_FAIL_PAGE_ALLOC, CONFIG_FAULT_INJECTION_DEBUG_FS): writing N to
 * /proc/thread-self/fail-nth makes the Nth allocation that a fault
 * injection point sees in this thread fail; reading it back gives 0 once
 * that happened, else what is left of N. By default failslab and
 * fail_page_alloc let allocations that may sleep through (and
 * fail_page_alloc also highmem and order-0 ones) and log each failure
 * with a stack trace. pin_fi_setup() makes failslab, and with @pages
 * fail_page_alloc too, see every allocation, quietly; pin_fi_restore()
 * puts the defaults back, for whatever runs after.
 */
#define PIN_FAILSLAB	"/sys/kernel/debug/failslab/"
#define PIN_FAIL_PAGE	"/sys/kernel/debug/fail_page_alloc/"

/* The open /proc/thread-self/fail-nth, or -1. */
static inline int *pin_fi_fd(void)
{
	static int fd = -1;

	return &fd;
}

/* Undo pin_fi_setup(). */
static inline void pin_fi_restore(void)
{
	int *fd = pin_fi_fd();

	if (*fd < 0)
		return;
	pin_write_file(PIN_FAILSLAB "ignore-gfp-wait", "Y");
	pin_write_file(PIN_FAILSLAB "verbose", "2");
	pin_write_file(PIN_FAIL_PAGE "ignore-gfp-wait", "Y");
	pin_write_file(PIN_FAIL_PAGE "ignore-gfp-highmem", "Y");
	pin_write_file(PIN_FAIL_PAGE "min-order", "1");
	pin_write_file(PIN_FAIL_PAGE "verbose", "2");
	close(*fd);
	*fd = -1;
}

/* NULL when ready, else why fault injection cannot be used. */
static inline const char *pin_fi_setup(int pages)
{
	int *fd = pin_fi_fd();

	if (*fd >= 0)
		return NULL;
	*fd = open("/proc/thread-self/fail-nth", O_RDWR);
	if (*fd < 0)
		return "no /proc/thread-self/fail-nth (CONFIG_FAULT_INJECTION)";
	if (pin_write_file(PIN_FAILSLAB "ignore-gfp-wait", "N") ||
	    pin_write_file(PIN_FAILSLAB "verbose", "0")) {
		pin_fi_restore();
		return "no " PIN_FAILSLAB " (CONFIG_FAILSLAB, CONFIG_FAULT_INJECTION_DEBUG_FS)";
	}
	if (pages && (pin_write_file(PIN_FAIL_PAGE "ignore-gfp-wait", "N") ||
		      pin_write_file(PIN_FAIL_PAGE "ignore-gfp-highmem", "N") ||
		      pin_write_file(PIN_FAIL_PAGE "min-order", "0") ||
		      pin_write_file(PIN_FAIL_PAGE "verbose", "0"))) {
		pin_fi_restore();
		return "no " PIN_FAIL_PAGE " (CONFIG_FAIL_PAGE_ALLOC)";
	}
	return NULL;
}

/* Make the @n-th allocation of this thread fail (0: none): 0 or -errno. */
static inline int pin_fi_set(unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	return pwrite(*pin_fi_fd(), buf, len, 0) == len ? 0 : -errno;
}

/* Did the failure asked for by pin_fi_set() happen? Disarms it. */
static inline int pin_fi_fired(void)
{
	char buf[16] = "";
	ssize_t len = pread(*pin_fi_fd(), buf, sizeof(buf) - 1, 0);

	pin_fi_set(0);
	return len > 0 && strtoul(buf, NULL, 10) == 0;
}

#endif /* __SELFTESTS_MM_PIN_UTIL_H */
