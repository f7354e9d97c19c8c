// SPDX-License-Identifier: GPL-2.0
/*
 * `make bench`, host part: what the pin tracker's per-page record updates
 * cost on real hardware, which the guest's instruction counts (-icount)
 * cannot show: a locked read-modify-write counts there as one
 * instruction, and a cache miss as nothing.
 *
 * The loops are those of mm/page_pin_tracker.c over the 16-byte records of
 * 1 GiB of 4 KiB pages (262144 records, 4 MiB): one locked add per record
 * (ppt_inc(), a pin of a run of pages), one locked subtract with its
 * checks (ppt_dec(), an unpin), and, for scale, the same loop with plain
 * adds. Each is timed with the records in cache ("warm") and after
 * evicting them by walking a buffer larger than the last-level cache
 * ("cold"). Prints nanoseconds per record, best of REPS runs.
 *
 * Not the kernel's code, and not in a kernel: no page_ext lookups, no
 * preemption, no other CPU touching the lines. It bounds one part of the
 * bias, the price of the atomics and of the extra cache lines.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NR_RECS		(1UL << 18)	/* 1 GiB of 4 KiB pages */
#define EVICT_BYTES	(256UL << 20)
#define REPS		15
#define COUNT_MAX	0x7fffffff

struct rec {
	int count;
	unsigned int a, b, c;
};

static struct rec *recs;
static unsigned char *evict;
static volatile unsigned long sink;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void do_evict(void)
{
	unsigned long i, sum = 0;

	for (i = 0; i < EVICT_BYTES; i += 64) {
		evict[i]++;
		sum += evict[i];
	}
	sink = sum;
}

static void pin_locked(void)
{
	unsigned long i;
	int added = 0, new;

	for (i = 0; i < NR_RECS; i++) {
		new = __atomic_add_fetch(&recs[i].count, 1, __ATOMIC_SEQ_CST);
		added += new != COUNT_MAX && new != (int)0x80000000;
	}
	sink = added;
}

static void unpin_locked(void)
{
	unsigned long i;
	int dropped = 0, new;

	for (i = 0; i < NR_RECS; i++) {
		new = __atomic_sub_fetch(&recs[i].count, 1, __ATOMIC_SEQ_CST);
		if (new >= 0 && new != COUNT_MAX - 1)
			dropped++;
		else
			__atomic_add_fetch(&recs[i].count, 1, __ATOMIC_SEQ_CST);
	}
	sink = dropped;
}

static void pin_plain(void)
{
	unsigned long i;

	for (i = 0; i < NR_RECS; i++)
		*(volatile int *)&recs[i].count += 1;
}

static void set_counts(int v)
{
	unsigned long i;

	for (i = 0; i < NR_RECS; i++)
		recs[i].count = v;
}

/* Best time per record of @fn over REPS runs, records at @start. */
static double best(void (*fn)(void), int start, int cold)
{
	double b = 1e30, t;
	int r;

	for (r = 0; r < REPS; r++) {
		set_counts(start);
		if (cold)
			do_evict();
		t = now_ns();
		fn();
		t = now_ns() - t;
		if (t < b)
			b = t;
	}
	return b / NR_RECS;
}

int main(void)
{
	static const struct {
		const char *name;
		void (*fn)(void);
		int start;
	} loops[] = {
		{ "locked add (pin of a run, ppt_inc)", pin_locked, 0 },
		{ "locked sub + checks (unpin, ppt_dec)", unpin_locked, 1 },
		{ "plain add (for scale)", pin_plain, 0 },
	};
	unsigned int i;

	recs = aligned_alloc(64, NR_RECS * sizeof(*recs));
	evict = malloc(EVICT_BYTES);
	if (!recs || !evict)
		return 1;
	memset(recs, 0, NR_RECS * sizeof(*recs));
	memset(evict, 0, EVICT_BYTES);
	printf("| record loop over 1 GiB of 4 KiB pages (262144 x 16 B) | warm ns/page | cold ns/page |\n");
	printf("|---|---|---|\n");
	for (i = 0; i < sizeof(loops) / sizeof(loops[0]); i++) {
		double warm = best(loops[i].fn, loops[i].start, 0);
		double cold = best(loops[i].fn, loops[i].start, 1);

		printf("| %s | %.2f | %.2f |\n", loops[i].name, warm, cold);
	}
	return 0;
}
