/*-------------------------------------------------------------------------
 *
 * hnswlib_shim_build.c
 *	  Time an HNSW graph build through the hnswlib shim, as the index build
 *	  will drive it (batches of vectors, several threads), and measure
 *	  recall@10 against the data set's ground truth.
 *
 * Reads ann-benchmarks style files: base and query vectors as .bvecs
 * (int32 d, then d uint8 per record) or .fvecs (int32 d, then d float32),
 * ground truth as .ivecs (int32 k, then k int32 ids).  Prints one line per
 * run: build seconds, vectors per second, recall@10 at each ef.
 *
 * Build (from the repository root):
 *	make src/hnswlib_shim.o src/shim.o
 *	cc -O2 -Isrc -o test/bench/hnswlib_shim_build \
 *		test/bench/hnswlib_shim_build.c src/distance*.c \
 *		src/hnswlib_shim.o src/shim.o -lstdc++ -lpthread -lm
 * Run:
 *	test/bench/hnswlib_shim_build DIR/fashion-mnist-784 [m] [efc] [threads]
 *		[batch] [metric]
 * where DIR/fashion-mnist-784_base.bvecs, _query.bvecs and
 * _groundtruth.ivecs exist; metric is l2 (default), ip or l1 (recall is
 * only meaningful for the metric the ground truth was made with).
 *
 * IDENTIFICATION
 *	  test/bench/hnswlib_shim_build.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "distance.h"
#include "hnswlib_shim.h"

#define K 10

static const int efs[] = {10, 20, 40, 80, 100, 200};

/*
 * Seconds on the monotonic clock.
 */
static double
Now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/*
 * Read a .bvecs, .fvecs or .ivecs file (chosen by "elem": 1 for uint8
 * converted to float, 4 for float32 or int32 copied as is) into a malloc'd
 * array; *n and *d get the shape.  Exits on error.
 */
static void *
ReadVecs(const char *path, int elem, int64_t *n, int *d)
{
	FILE	   *f = fopen(path, "rb");
	long		size;
	int32_t		dim;
	int64_t		rows;
	unsigned char *row;
	char	   *out;

	if (f == NULL || fread(&dim, sizeof(dim), 1, f) != 1 || dim <= 0)
	{
		fprintf(stderr, "cannot read %s\n", path);
		exit(1);
	}
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fseek(f, 0, SEEK_SET);
	rows = size / (4 + (int64_t) dim * elem);
	out = malloc(rows * dim * 4);
	row = malloc(4 + (size_t) dim * elem);
	for (int64_t i = 0; i < rows; i++)
	{
		if (fread(row, 4 + (size_t) dim * elem, 1, f) != 1)
		{
			fprintf(stderr, "short read in %s\n", path);
			exit(1);
		}
		if (elem == 1)
			for (int j = 0; j < dim; j++)
				((float *) out)[i * dim + j] = row[4 + j];
		else
			memcpy(out + i * dim * 4, row + 4, (size_t) dim * 4);
	}
	free(row);
	fclose(f);
	*n = rows;
	*d = dim;
	return out;
}

int
main(int argc, char **argv)
{
	char		path[1024];
	int			m = argc > 2 ? atoi(argv[2]) : 16;
	int			efc = argc > 3 ? atoi(argv[3]) : 64;
	int			nthreads = argc > 4 ? atoi(argv[4]) : 1;
	int			batch = argc > 5 ? atoi(argv[5]) : 1000;
	const char *metric_name = argc > 6 ? argv[6] : "l2";
	MvHnswlibMetric metric = MV_HNSWLIB_L2;
	int64_t		n,
				nq,
				ngt;
	int			d,
				dq,
				kgt;
	float	   *base,
			   *queries;
	int32_t    *gt;
	MvHnswlibGraph *g;
	double		start,
				secs;
	DistanceImpl impl = DistanceInit(DISTANCE_IMPL_AVX512);

	if (argc < 2)
	{
		fprintf(stderr, "usage: %s PREFIX [m] [efc] [threads] [batch] [metric]\n",
				argv[0]);
		return 1;
	}
	if (strcmp(metric_name, "ip") == 0)
		metric = MV_HNSWLIB_IP;
	else if (strcmp(metric_name, "l1") == 0)
		metric = MV_HNSWLIB_L1;

	snprintf(path, sizeof(path), "%s_base.bvecs", argv[1]);
	base = ReadVecs(path, 1, &n, &d);
	snprintf(path, sizeof(path), "%s_query.bvecs", argv[1]);
	queries = ReadVecs(path, 1, &nq, &dq);
	snprintf(path, sizeof(path), "%s_groundtruth.ivecs", argv[1]);
	gt = ReadVecs(path, 4, &ngt, &kgt);

	start = Now();
	if (mv_hnswlib_graph_create(&g, d, metric, m, efc, n, 42) != MV_OK)
	{
		fprintf(stderr, "create: %s\n", mv_shim_last_error());
		return 1;
	}
	for (int64_t first = 0; first < n; first += batch)
	{
		int64_t		cnt = n - first < batch ? n - first : batch;

		if (mv_hnswlib_graph_add(g, base + first * d, first, cnt,
								 nthreads) != MV_OK)
		{
			fprintf(stderr, "add: %s\n", mv_shim_last_error());
			return 1;
		}
	}
	secs = Now() - start;
	printf("shim %s: %lld x %d, m=%d efc=%d threads=%d batch=%d kernels=%s: "
		   "build %.2f s (%.0f vectors/s), estimate %.1f MiB\n",
		   metric_name, (long long) n, d, m, efc, nthreads, batch,
		   DistanceImplName(impl), secs, n / secs,
		   mv_hnswlib_graph_memory_estimate(d, m, n) / 1048576.0);

	for (size_t e = 0; e < sizeof(efs) / sizeof(efs[0]); e++)
	{
		int64_t		hits = 0;

		start = Now();
		for (int64_t q = 0; q < nq && q < ngt; q++)
		{
			int64_t		labels[K];
			int			count;

			mv_hnswlib_graph_search(g, queries + q * dq, K, efs[e], labels,
									NULL, &count);
			for (int i = 0; i < count; i++)
				for (int j = 0; j < K && j < kgt; j++)
					if (labels[i] == gt[q * kgt + j])
						hits++;
		}
		secs = Now() - start;
		printf("  ef=%d: recall@%d %.4f, %.0f queries/s\n", efs[e], K,
			   (double) hits / (nq * K), nq / secs);
	}
	mv_hnswlib_graph_free(g);
	free(base);
	free(queries);
	free(gt);
	return 0;
}
