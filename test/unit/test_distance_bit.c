/*-------------------------------------------------------------------------
 *
 * test_distance_bit.c
 *	  Unit tests of the bit-string kernels, without a server.
 *
 * Each implementation the CPU supports (forced through DistanceInit) is
 * checked against a bit-by-bit reference on random strings of awkward byte
 * lengths, at unaligned addresses and ending at the edge of an unreadable
 * page, plus hand-computed cases.  Counts are integers: results must match
 * exactly.  Ends with "N passed, N failed"; exits non-zero on a failure.
 *
 * IDENTIFICATION
 *	  test/unit/test_distance_bit.c
 *
 *-------------------------------------------------------------------------
 */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "distance.h"
#include "unit.h"

static const size_t lengths[] = {
	0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129,
	1023, 1024, 2000
};

#define NLENGTHS (sizeof(lengths) / sizeof(lengths[0]))
#define MAXLEN 2000

/*
 * Record one check.
 */
static void
Check(int ok, const char *impl, const char *what, size_t n)
{
	Report(ok, "%s %s n=%zu", impl, what, n);
}

/*
 * Reference: count bits one at a time.
 */
static void
Reference(const uint8_t *a, const uint8_t *b, size_t n, uint64_t *xr,
		  uint64_t *ab, uint64_t *aa, uint64_t *bb, int *contains)
{
	*xr = *ab = *aa = *bb = 0;
	*contains = 1;
	for (size_t i = 0; i < n; i++)
	{
		for (int bit = 0; bit < 8; bit++)
		{
			int			x = (a[i] >> bit) & 1;
			int			y = (b[i] >> bit) & 1;

			*xr += x != y;
			*ab += x && y;
			*aa += x;
			*bb += y;
			if (y && !x)
				*contains = 0;
		}
	}
}

/*
 * Compare the current kernels with the reference on a and b.
 */
static void
CheckPair(const char *impl, const uint8_t *a, const uint8_t *b, size_t n,
		  const char *what)
{
	uint64_t	xr,
				ab,
				aa,
				bb;
	uint64_t	gab,
				gaa,
				gbb;
	int			contains;
	char		label[64];

	Reference(a, b, n, &xr, &ab, &aa, &bb, &contains);
	DistanceBitJaccardParts(a, b, n, &gab, &gaa, &gbb);

	snprintf(label, sizeof(label), "hamming %s", what);
	Check(DistanceBitHamming(a, b, n) == xr, impl, label, n);
	snprintf(label, sizeof(label), "jaccard parts %s", what);
	Check(gab == ab && gaa == aa && gbb == bb, impl, label, n);
	snprintf(label, sizeof(label), "contains %s", what);
	Check((DistanceBitContains(a, b, n) != 0) == contains, impl, label, n);
}

/*
 * Run the kernels on strings that end exactly where an unreadable page
 * starts: a read past the last byte faults.
 */
static void
CheckPageEdge(const char *impl)
{
	long		page = sysconf(_SC_PAGESIZE);
	uint8_t    *mem = (uint8_t *) MapWithGuard(page, page);

	if (mem == NULL)
	{
		Check(0, impl, "page-edge setup (mmap)", 0);
		return;
	}
	signal(SIGSEGV, SegvHandler);
	for (size_t i = 0; i < NLENGTHS; i++)
	{
		size_t		n = lengths[i];
		uint8_t    *a = mem + page - n;

		if (n > (size_t) page / 2)
			continue;
		memset(a, 0xA5, n);
		if (sigsetjmp(segv_jump, 1) == 0)
			CheckPair(impl, a, a, n, "at page edge");
		else
			Check(0, impl, "read past the end at page edge", n);
	}
	signal(SIGSEGV, SIG_DFL);
	munmap(mem, 2 * page);
}

/*
 * Hand-computed cases.
 */
static void
CheckExact(const char *impl)
{
	/* 0b11110000 vs 0b10101010: xor 0b01011010 (4), and 0b10100000 (2) */
	uint8_t		a[] = {0xF0, 0xFF, 0x00};
	uint8_t		b[] = {0xAA, 0x0F, 0x00};
	uint64_t	ab,
				aa,
				bb;

	DistanceBitJaccardParts(a, b, 3, &ab, &aa, &bb);
	Check(DistanceBitHamming(a, b, 3) == 4 + 4, impl, "exact hamming", 3);
	Check(ab == 2 + 4 && aa == 4 + 8 && bb == 4 + 4, impl,
		  "exact jaccard parts", 3);
	Check(DistanceBitContains(a, a, 3) && !DistanceBitContains(a, b, 3),
		  impl, "exact contains", 3);
}

/*
 * All checks for the implementation DistanceInit(limit) selects.
 */
static void
CheckImpl(DistanceImpl limit)
{
	const char *impl = DistanceImplName(limit);
	static uint8_t a[MAXLEN + 16];
	static uint8_t b[MAXLEN + 16];

	if (DistanceInit(limit) != limit)
	{
		printf("# skip %s: this CPU lacks it\n", impl);
		return;
	}
	printf("# testing %s (bit kernels: %s)\n", impl,
		   DistanceBitHamming == DistanceBitHammingScalar ? "portable" :
		   "hardware popcount");
	if (limit == DISTANCE_IMPL_SCALAR)
		Check(DistanceBitHamming == DistanceBitHammingScalar, impl,
			  "scalar level uses the portable kernels", 0);
	else
		Check(DistanceBitHamming != DistanceBitHammingScalar, impl,
			  "vector level uses hardware popcount", 0);

	CheckExact(impl);
	for (size_t i = 0; i < NLENGTHS; i++)
	{
		size_t		n = lengths[i];

		for (size_t j = 0; j < n + 16; j++)
		{
			a[j] = (uint8_t) rand();
			b[j] = (uint8_t) rand();
		}
		CheckPair(impl, a, b, n, "random");
		CheckPair(impl, a + 1, b + 3, n, "unaligned");
		/* b a subset of a: containment must hold */
		for (size_t j = 0; j < n; j++)
			b[j] = a[j] & (uint8_t) rand();
		CheckPair(impl, a, b, n, "subset");
	}
	CheckPageEdge(impl);
}

int
main(void)
{
	srand(42);
	CheckImpl(DISTANCE_IMPL_SCALAR);
	CheckImpl(DISTANCE_IMPL_AVX2);
	CheckImpl(DISTANCE_IMPL_AVX512);

	return UnitSummary();
}
