/*-------------------------------------------------------------------------
 *
 * dense_tests.h
 *	  The checks test_distance.c and test_distance_half.c run alike over
 *	  the kernels of a dense element type.
 *
 * Include it after defining DENSE_ELEM (float, or uint16_t for halves) and
 * what the checks call: the Metric enum with NUM_METRICS and
 * metric_names[], lengths[] with NUM_LENGTHS and MAX_LEN, the buffers
 * buf_a and buf_b (at least MAX_LEN + 2 elements), FillRandom(DENSE_ELEM *,
 * int) and CheckOne(Metric, const DENSE_ELEM *, const DENSE_ELEM *, int,
 * const char *impl), the comparison with the reference.  It defines
 * TestRandom, TestUnaligned and TestGuardPage, each taking the name of the
 * implementation under test, and uses unit.h.
 *
 * IDENTIFICATION
 *	  test/unit/dense_tests.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef DENSE_ELEM
#error "define DENSE_ELEM before including dense_tests.h"
#endif

#include <string.h>
#include <unistd.h>

#include "unit.h"

/*
 * Random data of every length in lengths[], one group per metric and length.
 */
static void
TestRandom(const char *impl)
{
	for (int m = 0; m < NUM_METRICS; m++)
	{
		for (int t = 0; t < NUM_LENGTHS; t++)
		{
			int			n = lengths[t];
			bool		ok;

			FillRandom(buf_a, n);
			FillRandom(buf_b, n);
			ok = CheckOne((Metric) m, buf_a, buf_b, n, impl);
			Report(ok, "%s %s n=%d", impl, metric_names[m], n);
		}
	}
}

/*
 * Unaligned pointers: a and b both offset by one element, and a offset by
 * one element while b is offset by two, over every length.
 */
static void
TestUnaligned(const char *impl)
{
	for (int m = 0; m < NUM_METRICS; m++)
	{
		bool		ok = true;

		for (int t = 0; t < NUM_LENGTHS; t++)
		{
			int			n = lengths[t];

			FillRandom(buf_a, n + 2);
			FillRandom(buf_b, n + 2);
			ok &= CheckOne((Metric) m, buf_a + 1, buf_b + 1, n, impl);
			ok &= CheckOne((Metric) m, buf_a + 1, buf_b + 2, n, impl);
		}
		Report(ok, "%s %s unaligned (a+1, b+1) and (a+1, b+2), all lengths",
			   impl, metric_names[m]);
	}
}

/*
 * Vectors that end exactly where a PROT_NONE page begins: a kernel that
 * loads past a[n-1] or b[n-1] faults.  The fault is caught and reported.
 */
static void
TestGuardPage(const char *impl)
{
	size_t		page = (size_t) sysconf(_SC_PAGESIZE);
	size_t		bytes = ((MAX_LEN * sizeof(DENSE_ELEM) + page - 1) / page) * page;
	char	   *ma = MapWithGuard(bytes, page);
	char	   *mb = MapWithGuard(bytes, page);
	struct sigaction old;

	if (ma == NULL || mb == NULL)
	{
		Report(false, "%s guard page: could not map memory", impl);
		return;
	}

	CatchSegv(&old);

	for (int m = 0; m < NUM_METRICS; m++)
	{
		volatile bool ok = true;

		for (volatile int t = 0; t < NUM_LENGTHS; t++)
		{
			int			n = lengths[t];
			DENSE_ELEM *a = (DENSE_ELEM *) (ma + bytes) - n;
			DENSE_ELEM *b = (DENSE_ELEM *) (mb + bytes) - n;

			FillRandom(a, n);
			FillRandom(b, n);
			if (sigsetjmp(segv_jump, 1) == 0)
				ok &= CheckOne((Metric) m, a, b, n, impl);
			else
			{
				printf("# %s %s n=%d read past the end of the vector\n",
					   impl, metric_names[m], n);
				ok = false;
			}
		}
		Report(ok, "%s %s no read past the end (guard page), all lengths",
			   impl, metric_names[m]);
	}

	sigaction(SIGSEGV, &old, NULL);
	munmap(ma, bytes + page);
	munmap(mb, bytes + page);
}
