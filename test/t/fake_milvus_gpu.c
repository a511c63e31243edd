/*
 * fake_milvus_gpu.c: a stand-in for libmilvus_gpu.so, for
 * test/t/041_worker_gpu_loader.pl on machines without a GPU.  It implements
 * gpu/milvus_gpu.h on the CPU, naively, and reports one device named
 * "Fake GPU".  Built by the test with cc -shared; -DFAKE_API_VERSION=N makes
 * it claim another API version.  mg_knn fails with MG_ERR_CUDA when k is 7,
 * so the test can see the worker fall back to the CPU.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../../gpu/milvus_gpu.h"

#ifndef FAKE_API_VERSION
#define FAKE_API_VERSION MG_API_VERSION
#endif

int
mg_api_version(void)
{
	return FAKE_API_VERSION;
}

int
mg_device_count(int *count, char *err, size_t errlen)
{
	*count = 1;
	return MG_OK;
}

int
mg_device_info_get(int device, mg_device_info *info, char *err, size_t errlen)
{
	memset(info, 0, sizeof(*info));
	snprintf(info->name, sizeof(info->name), "Fake GPU");
	info->total_memory = (size_t) 1 << 30;
	info->free_memory = info->total_memory;
	return MG_OK;
}

static float
Distance(mg_metric metric, const float *a, const float *b, int dim)
{
	double		dot = 0,
				na = 0,
				nb = 0,
				l2 = 0;

	for (int i = 0; i < dim; i++)
	{
		dot += (double) a[i] * b[i];
		na += (double) a[i] * a[i];
		nb += (double) b[i] * b[i];
		l2 += ((double) a[i] - b[i]) * ((double) a[i] - b[i]);
	}
	if (metric == MG_METRIC_L2)
		return (float) sqrt(l2);
	if (metric == MG_METRIC_IP)
		return (float) -dot;
	return (float) (1 - dot / sqrt(na * nb));
}

int
mg_knn(int device, size_t memory_limit, mg_metric metric,
	   const float *base, int64_t n, const float *queries, int64_t nq,
	   int dim, int k, float *distances, int64_t *labels,
	   char *err, size_t errlen)
{
	if (k == 7)
	{
		snprintf(err, errlen, "fake device failure");
		return MG_ERR_CUDA;
	}
	for (int64_t q = 0; q < nq; q++)
	{
		float	   *d = distances + q * k;
		int64_t    *l = labels + q * k;

		for (int j = 0; j < k; j++)
		{
			d[j] = INFINITY;
			l[j] = -1;
		}
		/* insertion into a sorted row: fine for a test */
		for (int64_t i = 0; i < n; i++)
		{
			float		dist = Distance(metric, queries + q * dim, base + i * dim, dim);
			int			j = k - 1;

			if (l[j] >= 0 && !(dist < d[j]))
				continue;
			while (j > 0 && (l[j - 1] < 0 || dist < d[j - 1]))
			{
				d[j] = d[j - 1];
				l[j] = l[j - 1];
				j--;
			}
			d[j] = dist;
			l[j] = i;
		}
	}
	return MG_OK;
}

int
mg_kmeans(int device, size_t memory_limit, const float *x, int64_t n, int dim,
		  int k, int iterations, float *centroids, double *objective,
		  char *err, size_t errlen)
{
	static double sums[1 << 16];
	static int64_t counts[1 << 10];

	if ((int64_t) k * dim > (1 << 16) || k > (1 << 10))
	{
		snprintf(err, errlen, "fake k-means too large");
		return MG_ERR_ARGUMENT;
	}
	for (int it = 0; it < iterations; it++)
	{
		memset(sums, 0, sizeof(double) * k * dim);
		memset(counts, 0, sizeof(int64_t) * k);
		if (objective)
			*objective = 0;
		for (int64_t i = 0; i < n; i++)
		{
			int			best = 0;
			float		bestd = INFINITY;

			for (int j = 0; j < k; j++)
			{
				float		d = Distance(MG_METRIC_L2, x + i * dim, centroids + j * dim, dim);

				if (d < bestd)
				{
					bestd = d;
					best = j;
				}
			}
			counts[best]++;
			for (int c = 0; c < dim; c++)
				sums[best * dim + c] += x[i * dim + c];
			if (objective)
				*objective += (double) bestd * bestd;
		}
		for (int j = 0; j < k; j++)
			if (counts[j] > 0)
				for (int c = 0; c < dim; c++)
					centroids[j * dim + c] = (float) (sums[j * dim + c] / counts[j]);
	}
	return MG_OK;
}
