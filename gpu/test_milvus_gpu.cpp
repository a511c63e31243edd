// test_milvus_gpu.cpp
//	  Tests of libmilvus_gpu.so against CPU references written here.
//
// Every function of milvus_gpu.h is compared with a plain CPU computation
// in double precision, on random data and on siftsmall (real SIFT
// descriptors, with its published ground truth) when present: several k
// (1, 10, 100, 1024), each metric, tiles forced by a small memory_limit,
// n < k, zero vectors under cosine, k-means and its empty-cluster rule.
//
// Distances are compared with tolerances relative to the magnitudes
// involved (1e-4), since the device computes them from a float GEMM.  A
// returned neighbour is right when its exact distance equals, within that
// tolerance, the exact distance of the same rank: ties may come in either
// order.
//
// Output: "ok N - name" / "not ok N - name: why" per test, then
// "P passed, F failed" and, when some were skipped, "S skipped".  Without
// a CUDA device every test is skipped and the program exits 0.
//
// Usage: test_milvus_gpu [data-dir]   (default $MILVUS_DATA_DIR, else
// ../data; siftsmall is read from DIR/siftsmall).  MG_TEST_FILTER=text
// runs only the tests whose name contains text.
//
// IDENTIFICATION
//	  gpu/test_milvus_gpu.cpp

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "milvus_gpu.h"

typedef std::vector<float> Floats;
typedef std::function<bool(std::string &)> TestFn;

struct Test
{
	std::string name;
	bool		needs_data;
	TestFn		fn;
};

static char errbuf[1024];
static std::string data_dir;

// ---- data -------------------------------------------------------------

static Floats
RandomMatrix(int64_t rows, int dim, uint64_t seed)
{
	std::mt19937_64 rng(seed);
	std::uniform_real_distribution<float> u(-1.0f, 1.0f);
	Floats		x((size_t) rows * dim);

	for (float &v : x)
		v = u(rng);
	return x;
}

// n rows around k centres far apart; row i belongs to centre i % k.
static Floats
Blobs(int64_t n, int dim, int k, uint64_t seed)
{
	std::mt19937_64 rng(seed);
	std::uniform_real_distribution<float> u(-10.0f, 10.0f);
	std::normal_distribution<float> g(0.0f, 0.1f);
	Floats		centres((size_t) k * dim);
	Floats		x((size_t) n * dim);

	for (float &v : centres)
		v = u(rng);
	for (int64_t i = 0; i < n; i++)
		for (int d = 0; d < dim; d++)
			x[i * dim + d] = centres[(i % k) * dim + d] + g(rng);
	return x;
}

// Read a texmex .fvecs/.ivecs file (int32 d, then d values per record).
template <typename T>
static bool
ReadVecs(const std::string &path, std::vector<T> &out, int *dim,
		 int64_t *rows)
{
	FILE	   *f = fopen(path.c_str(), "rb");
	int32_t		d;

	out.clear();
	*rows = 0;
	if (f == nullptr)
		return false;
	while (fread(&d, sizeof(d), 1, f) == 1)
	{
		size_t		at = out.size();

		*dim = d;
		out.resize(at + d);
		if (fread(&out[at], sizeof(T), d, f) != (size_t) d)
		{
			fclose(f);
			return false;
		}
		(*rows)++;
	}
	fclose(f);
	return *rows > 0;
}

struct Sift
{
	bool		loaded = false;
	bool		present = false;
	Floats		base, query, gtdist;
	std::vector<int32_t> gt;
	int			dim = 0, gtk = 0;
	int64_t		n = 0, nq = 0;
};

static Sift sift;

static bool
LoadSift()
{
	std::string dir = data_dir + "/siftsmall/";
	int			d2;
	int64_t		r2;

	if (sift.loaded)
		return sift.present;
	sift.loaded = true;
	sift.present = ReadVecs(dir + "siftsmall_base.fvecs", sift.base,
							&sift.dim, &sift.n) &&
		ReadVecs(dir + "siftsmall_query.fvecs", sift.query, &d2, &sift.nq) &&
		ReadVecs(dir + "siftsmall_groundtruth.ivecs", sift.gt, &sift.gtk, &r2) &&
		ReadVecs(dir + "siftsmall_groundtruth_dist.fvecs", sift.gtdist, &d2,
				 &r2);
	return sift.present;
}

// ---- CPU references ---------------------------------------------------

static double
Dot(const float *a, const float *b, int dim)
{
	double		s = 0.0;

	for (int d = 0; d < dim; d++)
		s += (double) a[d] * b[d];
	return s;
}

static double
CpuDistance(mg_metric metric, const float *a, const float *b, int dim)
{
	double		s = 0.0;

	switch (metric)
	{
		case MG_METRIC_L2:
			for (int d = 0; d < dim; d++)
				s += ((double) a[d] - b[d]) * ((double) a[d] - b[d]);
			return std::sqrt(s);
		case MG_METRIC_IP:
			return -Dot(a, b, dim);
		case MG_METRIC_COSINE:
			{
				double		na = Dot(a, a, dim);
				double		nb = Dot(b, b, dim);

				if (na == 0.0 || nb == 0.0)
					return NAN;
				s = Dot(a, b, dim) / std::sqrt(na * nb);
				return 1.0 - std::max(-1.0, std::min(1.0, s));
			}
	}
	return NAN;
}

// NaN last, then by label.
static bool
PairLess(const std::pair<double, int64_t> &a, const std::pair<double, int64_t> &b)
{
	bool		an = std::isnan(a.first);
	bool		bn = std::isnan(b.first);

	if (an != bn)
		return bn;
	if (!an && a.first != b.first)
		return a.first < b.first;
	return a.second < b.second;
}

// The tolerance of a distance of one query: 1e-4 of the magnitudes.
static double
Tolerance(mg_metric metric, const float *q, const Floats &base, int64_t n,
		  int dim)
{
	double		qn = std::sqrt(Dot(q, q, dim));
	double		bmax = 0.0;

	if (metric == MG_METRIC_COSINE)
		return 1e-4;
	for (int64_t j = 0; j < n; j++)
		bmax = std::max(bmax, std::sqrt(Dot(&base[j * dim], &base[j * dim], dim)));
	return 1e-4 * (metric == MG_METRIC_L2 ? qn + bmax : qn * bmax) + 1e-6;
}

// Two distances agree: both NaN or within tol.  For L2, compare squares
// (the device computes the square, and the error is in the square).
static bool
Agree(mg_metric metric, double a, double b, double tol)
{
	if (std::isnan(a) || std::isnan(b))
		return std::isnan(a) && std::isnan(b);
	if (metric == MG_METRIC_L2)
		return std::fabs(a * a - b * b) <= tol * tol + 2.0 * tol * std::max(a, b);
	return std::fabs(a - b) <= tol;
}

static const char *
MetricName(mg_metric m)
{
	return m == MG_METRIC_L2 ? "l2" : m == MG_METRIC_IP ? "ip" : "cosine";
}

// Check one search result against the CPU: see the file header.
static bool
CheckKnn(mg_metric metric, const Floats &base, int64_t n,
		 const Floats &queries, int64_t nq, int dim, int k,
		 const Floats &gd, const std::vector<int64_t> &gl, std::string &why)
{
	char		msg[512];

	for (int64_t q = 0; q < nq; q++)
	{
		const float *qv = &queries[q * dim];
		std::vector<std::pair<double, int64_t>> all(n);
		std::vector<char> seen(n, 0);
		double		tol = Tolerance(metric, qv, base, n, dim);
		int64_t		m = std::min<int64_t>(n, k);

		for (int64_t j = 0; j < n; j++)
			all[j] = {CpuDistance(metric, qv, &base[j * dim], dim), j};
		std::vector<std::pair<double, int64_t>> ref(all);
		std::sort(ref.begin(), ref.end(), PairLess);
		for (int64_t i = 0; i < k; i++)
		{
			float		d = gd[q * k + i];
			int64_t		l = gl[q * k + i];

			if (i >= m)
			{
				if (l != -1 || !(std::isinf(d) && d > 0))
					goto bad_tail;
				continue;
			}
			if (l < 0 || l >= n || seen[l])
			{
				snprintf(msg, sizeof(msg), "query %lld rank %lld: label %lld invalid or repeated",
						 (long long) q, (long long) i, (long long) l);
				why = msg;
				return false;
			}
			seen[l] = 1;
			if (!Agree(metric, d, all[l].first, tol) ||
				!Agree(metric, all[l].first, ref[i].first, tol) ||
				(i > 0 && !std::isnan(d) && (std::isnan(gd[q * k + i - 1]) ||
											 d < gd[q * k + i - 1])))
			{
				snprintf(msg, sizeof(msg),
						 "query %lld rank %lld: label %lld distance %.7g, exact %.7g, rank's exact %.7g (tolerance %.3g)",
						 (long long) q, (long long) i, (long long) l, d,
						 all[l].first, ref[i].first, tol);
				why = msg;
				return false;
			}
		}
	}
	return true;

bad_tail:
	why = "entries past n must have label -1 and distance +inf";
	return false;
}

static bool
RunKnn(mg_metric metric, size_t limit, const Floats &base, int64_t n,
	   const Floats &queries, int64_t nq, int dim, int k, std::string &why)
{
	Floats		gd((size_t) nq * k);
	std::vector<int64_t> gl((size_t) nq * k);
	int			rc;

	rc = mg_knn(0, limit, metric, base.data(), n, queries.data(), nq, dim, k,
				gd.data(), gl.data(), errbuf, sizeof(errbuf));
	if (rc != MG_OK)
	{
		why = std::string("mg_knn failed: ") + errbuf;
		return false;
	}
	return CheckKnn(metric, base, n, queries, nq, dim, k, gd, gl, why);
}

// Nearest centroid of each row by exact squared L2, ties to the lower.
static void
CpuAssign(const Floats &x, int64_t n, int dim, const Floats &c, int k,
		  std::vector<int64_t> &assign, std::vector<double> &dist)
{
	assign.assign(n, 0);
	dist.assign(n, 0.0);
	for (int64_t i = 0; i < n; i++)
	{
		double		best = INFINITY;

		for (int j = 0; j < k; j++)
		{
			double		d = CpuDistance(MG_METRIC_L2, &x[i * dim], &c[(size_t) j * dim], dim);

			if (d * d < best)
			{
				best = d * d;
				assign[i] = j;
			}
		}
		dist[i] = best;
	}
}

// Lloyd's k-means with the library's empty-cluster rule (see mg_kmeans.cu).
static double
CpuKmeans(const Floats &x, int64_t n, int dim, int k, int iterations,
		  Floats &c)
{
	std::vector<int64_t> assign;
	std::vector<double> dist;
	double		obj = 0.0;

	for (int it = 0; it < std::max(iterations, 1); it++)
	{
		std::vector<double> sums((size_t) k * dim, 0.0);
		std::vector<int64_t> counts(k, 0);

		CpuAssign(x, n, dim, c, k, assign, dist);
		obj = 0.0;
		for (int64_t i = 0; i < n; i++)
			obj += dist[i];
		if (iterations == 0)
			break;
		for (int64_t i = 0; i < n; i++)
		{
			counts[assign[i]]++;
			for (int d = 0; d < dim; d++)
				sums[assign[i] * dim + d] += x[i * dim + d];
		}
		for (int e = 0; e < k; e++)
		{
			int			big = 0;
			int64_t		far = -1;

			if (counts[e] > 0)
				continue;
			for (int j = 1; j < k; j++)
				if (counts[j] > counts[big])
					big = j;
			if (counts[big] < 2)
				continue;
			for (int64_t i = 0; i < n; i++)
				if (assign[i] == big && (far < 0 || dist[i] > dist[far]))
					far = i;
			for (int d = 0; d < dim; d++)
			{
				sums[(size_t) e * dim + d] = x[far * dim + d];
				sums[(size_t) big * dim + d] -= x[far * dim + d];
			}
			counts[e] = 1;
			counts[big]--;
			assign[far] = e;
			dist[far] = 0.0;
		}
		for (int j = 0; j < k; j++)
			if (counts[j] > 0)
				for (int d = 0; d < dim; d++)
					c[(size_t) j * dim + d] = (float) (sums[(size_t) j * dim + d] / counts[j]);
	}
	return obj;
}

// Centroids agree within tol per coordinate.
static bool
SameCentroids(const Floats &a, const Floats &b, double tol, std::string &why)
{
	for (size_t i = 0; i < a.size(); i++)
		if (std::fabs((double) a[i] - b[i]) > tol)
		{
			char		msg[256];

			snprintf(msg, sizeof(msg), "centroid value %zu: %.7g, CPU %.7g",
					 i, a[i], b[i]);
			why = msg;
			return false;
		}
	return true;
}

static bool
RelClose(double a, double b, double rel, const char *what, std::string &why)
{
	char		msg[256];

	if (std::fabs(a - b) <= rel * std::max(std::fabs(a), std::fabs(b)) + 1e-9)
		return true;
	snprintf(msg, sizeof(msg), "%s %.9g, CPU %.9g", what, a, b);
	why = msg;
	return false;
}

// k-means on the device and on the CPU from the same start: centroids
// within ctol (skipped when negative), objectives within otol relative.
// The device's squared distances come from |x|^2 + |c|^2 - 2 x.c in float,
// so a small distance far from the origin carries an error of about 1e-7
// |x|^2: the blob tests (|x|^2 about 500, distances about 0.16) allow 1e-3.
static bool
CompareKmeans(const Floats &x, int64_t n, int dim, int k, int iterations,
			  size_t limit, double ctol, double otol, std::string &why)
{
	Floats		init((size_t) k * dim);
	Floats		c, ref;
	double		obj = -1.0;
	double		robj;

	for (int j = 0; j < k; j++)
		std::copy(&x[(size_t) j * dim], &x[(size_t) (j + 1) * dim], &init[(size_t) j * dim]);
	c = init;
	ref = init;
	if (mg_kmeans(0, limit, x.data(), n, dim, k, iterations, c.data(), &obj,
				  errbuf, sizeof(errbuf)) != MG_OK)
	{
		why = std::string("mg_kmeans failed: ") + errbuf;
		return false;
	}
	robj = CpuKmeans(x, n, dim, k, iterations, ref);
	return RelClose(obj, robj, otol, "objective", why) &&
		(ctol < 0 || SameCentroids(c, ref, ctol, why));
}

static bool
CompareAssign(const Floats &x, int64_t n, int dim, const Floats &c, int k,
			  size_t limit, std::string &why)
{
	std::vector<int64_t> ga(n), ra;
	Floats		gd(n);
	std::vector<double> rd;
	char		msg[256];

	if (mg_assign(0, limit, x.data(), n, dim, c.data(), k, ga.data(),
				  gd.data(), errbuf, sizeof(errbuf)) != MG_OK)
	{
		why = std::string("mg_assign failed: ") + errbuf;
		return false;
	}
	CpuAssign(x, n, dim, c, k, ra, rd);
	for (int64_t i = 0; i < n; i++)
	{
		double		d, tol = 1e-4 * (Dot(&x[i * dim], &x[i * dim], dim) + 1.0);

		if (ga[i] < 0 || ga[i] >= k)
		{
			why = "assignment out of range";
			return false;
		}
		d = CpuDistance(MG_METRIC_L2, &x[i * dim], &c[ga[i] * dim], dim);
		if (std::fabs(d * d - rd[i]) > tol || std::fabs(gd[i] - rd[i]) > tol)
		{
			snprintf(msg, sizeof(msg),
					 "row %lld: centroid %lld (exact %.7g, returned %.7g), CPU centroid %lld at %.7g",
					 (long long) i, (long long) ga[i], d * d, gd[i],
					 (long long) ra[i], rd[i]);
			why = msg;
			return false;
		}
	}
	return true;
}

// ---- the tests --------------------------------------------------------

static const mg_metric metrics[] = {MG_METRIC_L2, MG_METRIC_IP, MG_METRIC_COSINE};

static void
AddKnnTests(std::vector<Test> &tests)
{
	for (mg_metric m : metrics)
		for (int k : {1, 10, 100, 1024})
			tests.push_back({std::string("knn ") + MetricName(m) + " k=" +
							 std::to_string(k) + ", random 4000 x 48, 64 queries",
							 false, [m, k](std::string &why) {
				Floats b = RandomMatrix(4000, 48, 1), q = RandomMatrix(64, 48, 2);
				return RunKnn(m, 0, b, 4000, q, 64, 48, k, why);
			}});
	for (mg_metric m : metrics)
		tests.push_back({std::string("knn ") + MetricName(m) +
						 " k=100 in tiles (memory_limit 1 MiB), 20000 x 40, 200 queries",
						 false, [m](std::string &why) {
			Floats b = RandomMatrix(20000, 40, 3), q = RandomMatrix(200, 40, 4);
			return RunKnn(m, 1 << 20, b, 20000, q, 200, 40, 100, why);
		}});
	tests.push_back({"knn l2 k=1024 in tiles (memory_limit 2 MiB), 5000 x 32, 50 queries",
					 false, [](std::string &why) {
		Floats b = RandomMatrix(5000, 32, 5), q = RandomMatrix(50, 32, 6);
		return RunKnn(MG_METRIC_L2, 2 << 20, b, 5000, q, 50, 32, 1024, why);
	}});
	for (mg_metric m : metrics)
		tests.push_back({std::string("knn ") + MetricName(m) +
						 " n < k: 37 rows, k=100, tail is -1 / +inf", false,
						 [m](std::string &why) {
			Floats b = RandomMatrix(37, 16, 7), q = RandomMatrix(9, 16, 8);
			return RunKnn(m, 0, b, 37, q, 9, 16, 100, why);
		}});
	tests.push_back({"knn odd dimensions 1, 3, 129", false, [](std::string &why) {
		for (int dim : {1, 3, 129})
		{
			Floats b = RandomMatrix(700, dim, 9), q = RandomMatrix(20, dim, 10);

			for (mg_metric m : metrics)
				if (!RunKnn(m, 0, b, 700, q, 20, dim, 10, why))
				{
					why = "dim " + std::to_string(dim) + ": " + why;
					return false;
				}
		}
		return true;
	}});
	tests.push_back({"knn 3000 queries over 50 rows, k=10", false, [](std::string &why) {
		Floats b = RandomMatrix(50, 24, 11), q = RandomMatrix(3000, 24, 12);
		return RunKnn(MG_METRIC_IP, 0, b, 50, q, 3000, 24, 10, why);
	}});
	tests.push_back({"knn l2 with duplicate rows: ties in row order", false, [](std::string &why) {
		Floats b = RandomMatrix(100, 8, 13), q = RandomMatrix(4, 8, 14);
		Floats gd(4 * 30);
		std::vector<int64_t> gl(4 * 30);

		for (int r = 1; r < 100; r += 2)	/* odd rows copy the even ones */
			std::copy(&b[(r - 1) * 8], &b[r * 8], &b[r * 8]);
		if (mg_knn(0, 0, MG_METRIC_L2, b.data(), 100, q.data(), 4, 8, 30,
				   gd.data(), gl.data(), errbuf, sizeof(errbuf)) != MG_OK)
		{
			why = std::string("mg_knn failed: ") + errbuf;
			return false;
		}
		for (int i = 0; i < 4 * 30; i += 2)
			if (gl[i] % 2 != 0 || gl[i + 1] != gl[i] + 1 || gd[i] != gd[i + 1])
			{
				why = "a pair of equal rows is not adjacent in row order";
				return false;
			}
		return CheckKnn(MG_METRIC_L2, b, 100, q, 4, 8, 30, gd, gl, why);
	}});
	tests.push_back({"knn cosine: zero vectors give NaN and sort last", false,
					 [](std::string &why) {
		const int	n = 300, nq = 5, dim = 12, k = 300;
		Floats		b = RandomMatrix(n, dim, 15), q = RandomMatrix(nq, dim, 16);
		Floats		gd(nq * k);
		std::vector<int64_t> gl(nq * k);

		for (int r : {0, 7, 150})
			std::fill(&b[r * dim], &b[(r + 1) * dim], 0.0f);
		std::fill(&q[2 * dim], &q[3 * dim], 0.0f);
		if (mg_knn(0, 0, MG_METRIC_COSINE, b.data(), n, q.data(), nq, dim, k,
				   gd.data(), gl.data(), errbuf, sizeof(errbuf)) != MG_OK)
		{
			why = std::string("mg_knn failed: ") + errbuf;
			return false;
		}
		for (int i = 0; i < k; i++)
			if (!std::isnan(gd[2 * k + i]) || gl[2 * k + i] != i)
			{
				why = "the zero query must get NaN for every row, in row order";
				return false;
			}
		if (gl[k - 3] != 0 || gl[k - 2] != 7 || gl[k - 1] != 150 ||
			!std::isnan(gd[k - 1]) || std::isnan(gd[k - 4]))
		{
			why = "the zero rows must come last, with NaN";
			return false;
		}
		return CheckKnn(MG_METRIC_COSINE, b, n, q, nq, dim, k, gd, gl, why);
	}});
	tests.push_back({"knn argument errors", false, [](std::string &why) {
		Floats		b = RandomMatrix(10, 4, 17);
		float		d[2048];
		int64_t		l[2048];
		struct { int metric, dim, k; const float *base; } bad[] = {
			{0, 4, 0, b.data()}, {0, 4, MG_MAX_K + 1, b.data()},
			{7, 4, 1, b.data()}, {0, 0, 1, b.data()}, {0, 4, 1, nullptr}};

		for (auto &c : bad)
		{
			errbuf[0] = '\0';
			if (mg_knn(0, 0, (mg_metric) c.metric, c.base, 10, b.data(), 1, c.dim,
					   c.k, d, l, errbuf, sizeof(errbuf)) != MG_ERR_ARGUMENT ||
				errbuf[0] == '\0')
			{
				why = "a bad argument must give MG_ERR_ARGUMENT and a message";
				return false;
			}
		}
		if (mg_knn(1 << 20, 0, MG_METRIC_L2, b.data(), 10, b.data(), 1, 4, 1,
				   d, l, errbuf, sizeof(errbuf)) != MG_ERR_ARGUMENT)
		{
			why = "a device that does not exist must give MG_ERR_ARGUMENT";
			return false;
		}
		return true;
	}});
}

static void
AddKmeansTests(std::vector<Test> &tests)
{
	tests.push_back({"assign 3000 x 24 to 77 random centroids", false, [](std::string &why) {
		Floats x = RandomMatrix(3000, 24, 20), c = RandomMatrix(77, 24, 21);
		return CompareAssign(x, 3000, 24, c, 77, 0, why);
	}});
	tests.push_back({"assign in tiles (memory_limit 256 KiB)", false, [](std::string &why) {
		Floats x = RandomMatrix(5000, 24, 22), c = RandomMatrix(300, 24, 23);
		return CompareAssign(x, 5000, 24, c, 300, 256 << 10, why);
	}});
	tests.push_back({"kmeans 4000 x 16 blobs, k=16, 1 iteration equals the CPU", false,
					 [](std::string &why) {
		Floats x = Blobs(4000, 16, 16, 24);
		return CompareKmeans(x, 4000, 16, 16, 1, 0, 1e-4, 1e-3, why);
	}});
	tests.push_back({"kmeans 20000 x 16 blobs, k=40, 10 iterations in tiles", false,
					 [](std::string &why) {
		Floats x = Blobs(20000, 16, 40, 25);
		return CompareKmeans(x, 20000, 16, 40, 10, 512 << 10, 1e-4, 1e-3, why);
	}});
	tests.push_back({"kmeans iterations=0: objective of the initial centroids", false,
					 [](std::string &why) {
		Floats x = RandomMatrix(2000, 8, 26);
		return CompareKmeans(x, 2000, 8, 10, 0, 0, 0.0, 1e-4, why);
	}});
	tests.push_back({"kmeans empty cluster takes the farthest row of the largest", false,
					 [](std::string &why) {
		const int	n = 1200, dim = 8, k = 6;
		Floats		x = Blobs(n, dim, k, 27), c((size_t) k * dim), ref;
		double		obj;
		bool		found = false;

		std::copy(x.begin(), x.begin() + k * dim, c.begin());
		std::fill(c.begin() + (k - 1) * dim, c.end(), 1000.0f);
		ref = c;
		if (mg_kmeans(0, 0, x.data(), n, dim, k, 1, c.data(), &obj, errbuf,
					  sizeof(errbuf)) != MG_OK)
		{
			why = std::string("mg_kmeans failed: ") + errbuf;
			return false;
		}
		CpuKmeans(x, n, dim, k, 1, ref);
		for (int64_t i = 0; i < n && !found; i++)
			found = std::equal(&c[(k - 1) * dim], &c[k * dim], &x[i * dim]);
		if (!found)
		{
			why = "the empty centroid is not a row of the data";
			return false;
		}
		return SameCentroids(c, ref, 1e-4, why);
	}});
	tests.push_back({"kmeans argument errors", false, [](std::string &why) {
		Floats		x = RandomMatrix(10, 4, 28), c = RandomMatrix(20, 4, 29);

		if (mg_kmeans(0, 0, x.data(), 10, 4, 20, 5, c.data(), nullptr, errbuf,
					  sizeof(errbuf)) != MG_ERR_ARGUMENT ||
			mg_kmeans(0, 0, x.data(), 10, 4, 0, 5, c.data(), nullptr, errbuf,
					  sizeof(errbuf)) != MG_ERR_ARGUMENT ||
			mg_kmeans(0, 0, x.data(), 10, 4, 2, -1, c.data(), nullptr, errbuf,
					  sizeof(errbuf)) != MG_ERR_ARGUMENT)
		{
			why = "n < k, k = 0 and negative iterations must be refused";
			return false;
		}
		return true;
	}});
	tests.push_back({"device info", false, [](std::string &why) {
		mg_device_info info;

		if (mg_device_info_get(0, &info, errbuf, sizeof(errbuf)) != MG_OK)
		{
			why = std::string("mg_device_info_get failed: ") + errbuf;
			return false;
		}
		printf("# device 0: %s, %zu MiB (%zu free), compute %d.%d, %d SMs\n",
			   info.name, info.total_memory >> 20, info.free_memory >> 20,
			   info.compute_major, info.compute_minor, info.multiprocessors);
		if (info.name[0] == '\0' || info.total_memory == 0 ||
			info.free_memory > info.total_memory || info.multiprocessors < 1 ||
			mg_api_version() != MG_API_VERSION)
		{
			why = "implausible device info or API version";
			return false;
		}
		return true;
	}});
}

// siftsmall: exact search must find the published ground truth (a hit is
// a row at most as far as the k-th true neighbour, for ties).
static bool
SiftGroundTruth(int k, size_t limit, std::string &why)
{
	Floats		gd(sift.nq * k);
	std::vector<int64_t> gl(sift.nq * k);
	char		msg[256];

	if (mg_knn(0, limit, MG_METRIC_L2, sift.base.data(), sift.n,
			   sift.query.data(), sift.nq, sift.dim, k, gd.data(), gl.data(),
			   errbuf, sizeof(errbuf)) != MG_OK)
	{
		why = std::string("mg_knn failed: ") + errbuf;
		return false;
	}
	for (int64_t q = 0; q < sift.nq; q++)
	{
		double		kth = sift.gtdist[q * sift.gtk + k - 1];

		for (int i = 0; i < k; i++)
		{
			int64_t		l = gl[q * k + i];
			double		d = CpuDistance(MG_METRIC_L2, &sift.query[q * sift.dim],
										&sift.base[l * sift.dim], sift.dim);

			if (d > kth * (1 + 1e-5) + 1e-3 ||
				std::fabs(gd[q * k + i] - sift.gtdist[q * sift.gtk + i]) >
				1e-4 * kth + 1e-2)
			{
				snprintf(msg, sizeof(msg),
						 "query %lld rank %d: row %lld at %.6g (returned %.6g), true %.6g",
						 (long long) q, i, (long long) l, d, gd[q * k + i],
						 sift.gtdist[q * sift.gtk + i]);
				why = msg;
				return false;
			}
		}
	}
	return CheckKnn(MG_METRIC_L2, sift.base, sift.n, sift.query, sift.nq,
					sift.dim, k, gd, gl, why);
}

static void
AddSiftTests(std::vector<Test> &tests)
{
	for (int k : {1, 10, 100})
		tests.push_back({"siftsmall l2 k=" + std::to_string(k) + " finds the ground truth",
						 true, [k](std::string &why) {
			return SiftGroundTruth(k, 0, why);
		}});
	tests.push_back({"siftsmall l2 k=100 in tiles (memory_limit 1 MiB)", true,
					 [](std::string &why) {
		return SiftGroundTruth(100, 1 << 20, why);
	}});
	for (mg_metric m : {MG_METRIC_IP, MG_METRIC_COSINE})
		tests.push_back({std::string("siftsmall ") + MetricName(m) + " k=10 equals the CPU",
						 true, [m](std::string &why) {
			return RunKnn(m, 0, sift.base, sift.n, sift.query, sift.nq,
						  sift.dim, 10, why);
		}});
	tests.push_back({"siftsmall kmeans k=64, 10 iterations: objective within 1% of the CPU",
					 true, [](std::string &why) {
		return CompareKmeans(sift.base, sift.n, sift.dim, 64, 10, 0, -1.0,
							 1e-2, why);
	}});
	tests.push_back({"siftsmall assign to 100 query rows as centroids", true,
					 [](std::string &why) {
		return CompareAssign(sift.base, sift.n, sift.dim, sift.query, 100, 0, why);
	}});
}

int
main(int argc, char **argv)
{
	std::vector<Test> tests;
	int			count = 0;
	int			passed = 0, failed = 0, skipped = 0;
	const char *env = getenv("MILVUS_DATA_DIR");
	const char *filter = getenv("MG_TEST_FILTER");	/* run only names with this */

	data_dir = argc > 1 ? argv[1] : env != nullptr ? env : "../data";
	AddKnnTests(tests);
	AddKmeansTests(tests);
	AddSiftTests(tests);

	if (mg_device_count(&count, errbuf, sizeof(errbuf)) != MG_OK)
	{
		printf("not ok 1 - mg_device_count: %s\n0 passed, 1 failed\n", errbuf);
		return 1;
	}
	if (count == 0)
	{
		printf("no CUDA device: %zu tests skipped\n", tests.size());
		printf("0 passed, 0 failed\n%zu skipped\n", tests.size());
		return 0;
	}
	for (size_t i = 0; i < tests.size(); i++)
	{
		std::string why;

		if (filter != nullptr && tests[i].name.find(filter) == std::string::npos)
			continue;
		if (tests[i].needs_data && !LoadSift())
		{
			printf("skip %zu - %s: no siftsmall under %s\n", i + 1,
				   tests[i].name.c_str(), data_dir.c_str());
			skipped++;
			continue;
		}
		if (tests[i].fn(why))
		{
			printf("ok %zu - %s\n", i + 1, tests[i].name.c_str());
			passed++;
		}
		else
		{
			printf("not ok %zu - %s: %s\n", i + 1, tests[i].name.c_str(),
				   why.c_str());
			failed++;
		}
		fflush(stdout);
	}
	printf("%d passed, %d failed\n", passed, failed);
	if (skipped > 0)
		printf("%d skipped\n", skipped);
	return failed == 0 ? 0 : 1;
}
