/*-------------------------------------------------------------------------
 *
 * distance.c
 *	  Distance kernels over float32 vectors, with run-time CPU dispatch.
 *
 * Each metric exists in up to three versions: portable scalar C, AVX2 with
 * FMA (8 lanes) and AVX-512F (16 lanes).  The SIMD versions are ordinary
 * functions compiled with a per-function target attribute, so this file
 * builds for the baseline x86-64 target and the wide instructions only run
 * after DistanceInit() has checked, with __builtin_cpu_supports(), that the
 * CPU and the operating system support them.  On other architectures only
 * the scalar versions are built.
 *
 * The SIMD loops share one shape:
 *
 *	1. a main loop over four vector registers at a time (two for cosine,
 *	   which keeps three sums per register), each with its own accumulator,
 *	   so consecutive FMAs do not wait on each other's latency;
 *	2. a loop over one register at a time for what is left of the full
 *	   registers, skipped entirely when n is a multiple of the main step
 *	   (as the common dimensions 128, 768 and 1536 are);
 *	3. one masked load for the last n % lanes elements (masked-off lanes
 *	   read as zero and never fault, so we never touch memory past a[n-1]);
 *	4. the accumulators are added together and reduced horizontally.
 *
 * The loops count n down while advancing a and b, which costs the fewest
 * instructions per call (this matters at 128 dimensions, where the fixed
 * cost of a call is a large part of the work) and makes a negative n sum
 * nothing, as in the scalar loops.
 *
 * All sums are kept in float32, as pgvector does.  The order of summation
 * differs between the versions, so their results may differ in the last
 * bits; test/unit/test_distance.c checks them against a double-precision
 * reference with explicit tolerances.
 *
 * This file must not include postgres.h: it is linked into the unit test
 * and the benchmark without a server.
 *
 * IDENTIFICATION
 *	  src/distance.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#endif

#include "distance.h"

/*
 * The kernels in use.  They start out as the scalar versions, so they can be
 * called safely before DistanceInit().
 */
DistanceL2SquaredFn DistanceL2Squared = DistanceL2SquaredScalar;
DistanceInnerProductFn DistanceInnerProduct = DistanceInnerProductScalar;
DistanceL1Fn DistanceL1 = DistanceL1Scalar;
DistanceCosinePartsFn DistanceCosineParts = DistanceCosinePartsScalar;

static DistanceImpl current_impl = DISTANCE_IMPL_SCALAR;


/* ----------------------------------------------------------------
 *		Portable scalar versions
 * ----------------------------------------------------------------
 */

/*
 * Squared Euclidean distance, one float accumulator.
 */
float
DistanceL2SquaredScalar(const float *a, const float *b, int n)
{
	float		result = 0.0f;

	for (int i = 0; i < n; i++)
	{
		float		diff = a[i] - b[i];

		result += diff * diff;
	}

	return result;
}

/*
 * Inner product, one float accumulator.
 */
float
DistanceInnerProductScalar(const float *a, const float *b, int n)
{
	float		result = 0.0f;

	for (int i = 0; i < n; i++)
		result += a[i] * b[i];

	return result;
}

/*
 * Manhattan (taxicab) distance, one float accumulator.
 */
float
DistanceL1Scalar(const float *a, const float *b, int n)
{
	float		result = 0.0f;

	for (int i = 0; i < n; i++)
		result += fabsf(a[i] - b[i]);

	return result;
}

/*
 * The three sums cosine distance needs, in one pass over both vectors.
 */
void
DistanceCosinePartsScalar(const float *a, const float *b, int n,
						  float *dot, float *norma, float *normb)
{
	float		d = 0.0f;
	float		na = 0.0f;
	float		nb = 0.0f;

	for (int i = 0; i < n; i++)
	{
		d += a[i] * b[i];
		na += a[i] * a[i];
		nb += b[i] * b[i];
	}

	*dot = d;
	*norma = na;
	*normb = nb;
}


#if defined(__x86_64__)

/* ----------------------------------------------------------------
 *		AVX2 + FMA versions (8 lanes)
 * ----------------------------------------------------------------
 */

#define AVX2_ATTR __attribute__((target("avx2,fma")))

/*
 * Eight -1s followed by eight 0s: loading 8 ints at avx2_tail_mask + 8 - r
 * gives a mask that selects the first r lanes, for 0 <= r <= 8.
 */
static const int avx2_tail_mask[16] = {
	-1, -1, -1, -1, -1, -1, -1, -1,
	0, 0, 0, 0, 0, 0, 0, 0
};

/*
 * Lane mask selecting the first r (0..8) lanes of a 256-bit register.
 */
static inline AVX2_ATTR __m256i
Avx2TailMask(int r)
{
	return _mm256_loadu_si256((const __m256i *) (avx2_tail_mask + 8 - r));
}

/*
 * Sum of the 8 lanes of v.
 */
static inline AVX2_ATTR float
Avx2HorizontalSum(__m256 v)
{
	__m128		s = _mm_add_ps(_mm256_castps256_ps128(v),
							   _mm256_extractf128_ps(v, 1));

	s = _mm_add_ps(s, _mm_movehl_ps(s, s));
	s = _mm_add_ss(s, _mm_movehdup_ps(s));
	return _mm_cvtss_f32(s);
}

/*
 * Squared Euclidean distance, AVX2 + FMA.
 */
static AVX2_ATTR float
DistanceL2SquaredAvx2(const float *a, const float *b, int n)
{
	__m256		s0 = _mm256_setzero_ps();
	__m256		s1 = _mm256_setzero_ps();
	__m256		s2 = _mm256_setzero_ps();
	__m256		s3 = _mm256_setzero_ps();

	for (; n >= 32; n -= 32, a += 32, b += 32)
	{
		__m256		d0 = _mm256_sub_ps(_mm256_loadu_ps(a), _mm256_loadu_ps(b));
		__m256		d1 = _mm256_sub_ps(_mm256_loadu_ps(a + 8),
									   _mm256_loadu_ps(b + 8));
		__m256		d2 = _mm256_sub_ps(_mm256_loadu_ps(a + 16),
									   _mm256_loadu_ps(b + 16));
		__m256		d3 = _mm256_sub_ps(_mm256_loadu_ps(a + 24),
									   _mm256_loadu_ps(b + 24));

		s0 = _mm256_fmadd_ps(d0, d0, s0);
		s1 = _mm256_fmadd_ps(d1, d1, s1);
		s2 = _mm256_fmadd_ps(d2, d2, s2);
		s3 = _mm256_fmadd_ps(d3, d3, s3);
	}
	if (n > 0)
	{
		for (; n >= 8; n -= 8, a += 8, b += 8)
		{
			__m256		d = _mm256_sub_ps(_mm256_loadu_ps(a), _mm256_loadu_ps(b));

			s0 = _mm256_fmadd_ps(d, d, s0);
		}
		if (n > 0)
		{
			__m256i		m = Avx2TailMask(n);
			__m256		d = _mm256_sub_ps(_mm256_maskload_ps(a, m),
										  _mm256_maskload_ps(b, m));

			s1 = _mm256_fmadd_ps(d, d, s1);
		}
	}

	s0 = _mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3));
	return Avx2HorizontalSum(s0);
}

/*
 * Inner product, AVX2 + FMA.
 */
static AVX2_ATTR float
DistanceInnerProductAvx2(const float *a, const float *b, int n)
{
	__m256		s0 = _mm256_setzero_ps();
	__m256		s1 = _mm256_setzero_ps();
	__m256		s2 = _mm256_setzero_ps();
	__m256		s3 = _mm256_setzero_ps();

	for (; n >= 32; n -= 32, a += 32, b += 32)
	{
		s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a), _mm256_loadu_ps(b), s0);
		s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + 8),
							 _mm256_loadu_ps(b + 8), s1);
		s2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + 16),
							 _mm256_loadu_ps(b + 16), s2);
		s3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + 24),
							 _mm256_loadu_ps(b + 24), s3);
	}
	if (n > 0)
	{
		for (; n >= 8; n -= 8, a += 8, b += 8)
			s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a), _mm256_loadu_ps(b), s0);
		if (n > 0)
		{
			__m256i		m = Avx2TailMask(n);

			s1 = _mm256_fmadd_ps(_mm256_maskload_ps(a, m),
								 _mm256_maskload_ps(b, m), s1);
		}
	}

	s0 = _mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3));
	return Avx2HorizontalSum(s0);
}

/*
 * |x - y| for 8 lanes: clear the sign bit with andnot.
 */
static inline AVX2_ATTR __m256
Avx2AbsDiff(__m256 x, __m256 y)
{
	return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), _mm256_sub_ps(x, y));
}

/*
 * Manhattan distance, AVX2.
 */
static AVX2_ATTR float
DistanceL1Avx2(const float *a, const float *b, int n)
{
	__m256		s0 = _mm256_setzero_ps();
	__m256		s1 = _mm256_setzero_ps();
	__m256		s2 = _mm256_setzero_ps();
	__m256		s3 = _mm256_setzero_ps();

	for (; n >= 32; n -= 32, a += 32, b += 32)
	{
		s0 = _mm256_add_ps(s0, Avx2AbsDiff(_mm256_loadu_ps(a),
										   _mm256_loadu_ps(b)));
		s1 = _mm256_add_ps(s1, Avx2AbsDiff(_mm256_loadu_ps(a + 8),
										   _mm256_loadu_ps(b + 8)));
		s2 = _mm256_add_ps(s2, Avx2AbsDiff(_mm256_loadu_ps(a + 16),
										   _mm256_loadu_ps(b + 16)));
		s3 = _mm256_add_ps(s3, Avx2AbsDiff(_mm256_loadu_ps(a + 24),
										   _mm256_loadu_ps(b + 24)));
	}
	if (n > 0)
	{
		for (; n >= 8; n -= 8, a += 8, b += 8)
			s0 = _mm256_add_ps(s0, Avx2AbsDiff(_mm256_loadu_ps(a),
											   _mm256_loadu_ps(b)));
		if (n > 0)
		{
			__m256i		m = Avx2TailMask(n);

			s1 = _mm256_add_ps(s1, Avx2AbsDiff(_mm256_maskload_ps(a, m),
											   _mm256_maskload_ps(b, m)));
		}
	}

	s0 = _mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3));
	return Avx2HorizontalSum(s0);
}

/*
 * dot, |a|^2 and |b|^2 in one pass, AVX2 + FMA.  Two registers per step
 * (six accumulators in all) keep the FMA units busy without spilling.
 */
static AVX2_ATTR void
DistanceCosinePartsAvx2(const float *a, const float *b, int n,
						float *dot, float *norma, float *normb)
{
	__m256		d0 = _mm256_setzero_ps();
	__m256		d1 = _mm256_setzero_ps();
	__m256		na0 = _mm256_setzero_ps();
	__m256		na1 = _mm256_setzero_ps();
	__m256		nb0 = _mm256_setzero_ps();
	__m256		nb1 = _mm256_setzero_ps();

	for (; n >= 16; n -= 16, a += 16, b += 16)
	{
		__m256		x0 = _mm256_loadu_ps(a);
		__m256		y0 = _mm256_loadu_ps(b);
		__m256		x1 = _mm256_loadu_ps(a + 8);
		__m256		y1 = _mm256_loadu_ps(b + 8);

		d0 = _mm256_fmadd_ps(x0, y0, d0);
		na0 = _mm256_fmadd_ps(x0, x0, na0);
		nb0 = _mm256_fmadd_ps(y0, y0, nb0);
		d1 = _mm256_fmadd_ps(x1, y1, d1);
		na1 = _mm256_fmadd_ps(x1, x1, na1);
		nb1 = _mm256_fmadd_ps(y1, y1, nb1);
	}
	if (n > 0)
	{
		/* 1 to 15 left: one full or masked register, then maybe another */
		__m256i		m = Avx2TailMask(n < 8 ? n : 8);
		__m256		x = _mm256_maskload_ps(a, m);
		__m256		y = _mm256_maskload_ps(b, m);

		d0 = _mm256_fmadd_ps(x, y, d0);
		na0 = _mm256_fmadd_ps(x, x, na0);
		nb0 = _mm256_fmadd_ps(y, y, nb0);
		if (n > 8)
		{
			m = Avx2TailMask(n - 8);
			x = _mm256_maskload_ps(a + 8, m);
			y = _mm256_maskload_ps(b + 8, m);
			d1 = _mm256_fmadd_ps(x, y, d1);
			na1 = _mm256_fmadd_ps(x, x, na1);
			nb1 = _mm256_fmadd_ps(y, y, nb1);
		}
	}

	*dot = Avx2HorizontalSum(_mm256_add_ps(d0, d1));
	*norma = Avx2HorizontalSum(_mm256_add_ps(na0, na1));
	*normb = Avx2HorizontalSum(_mm256_add_ps(nb0, nb1));
}


/* ----------------------------------------------------------------
 *		AVX-512F versions (16 lanes)
 * ----------------------------------------------------------------
 */

#define AVX512_ATTR __attribute__((target("avx512f")))

/*
 * Mask selecting the first r (0..16) lanes of a 512-bit register.
 */
static inline AVX512_ATTR __mmask16
Avx512TailMask(int r)
{
	return (__mmask16) ((1U << r) - 1);
}

/*
 * Squared Euclidean distance, AVX-512F.
 */
static AVX512_ATTR float
DistanceL2SquaredAvx512(const float *a, const float *b, int n)
{
	__m512		s0 = _mm512_setzero_ps();
	__m512		s1 = _mm512_setzero_ps();
	__m512		s2 = _mm512_setzero_ps();
	__m512		s3 = _mm512_setzero_ps();

	for (; n >= 64; n -= 64, a += 64, b += 64)
	{
		__m512		d0 = _mm512_sub_ps(_mm512_loadu_ps(a), _mm512_loadu_ps(b));
		__m512		d1 = _mm512_sub_ps(_mm512_loadu_ps(a + 16),
									   _mm512_loadu_ps(b + 16));
		__m512		d2 = _mm512_sub_ps(_mm512_loadu_ps(a + 32),
									   _mm512_loadu_ps(b + 32));
		__m512		d3 = _mm512_sub_ps(_mm512_loadu_ps(a + 48),
									   _mm512_loadu_ps(b + 48));

		s0 = _mm512_fmadd_ps(d0, d0, s0);
		s1 = _mm512_fmadd_ps(d1, d1, s1);
		s2 = _mm512_fmadd_ps(d2, d2, s2);
		s3 = _mm512_fmadd_ps(d3, d3, s3);
	}
	if (n > 0)
	{
		for (; n >= 16; n -= 16, a += 16, b += 16)
		{
			__m512		d = _mm512_sub_ps(_mm512_loadu_ps(a), _mm512_loadu_ps(b));

			s0 = _mm512_fmadd_ps(d, d, s0);
		}
		if (n > 0)
		{
			__mmask16	m = Avx512TailMask(n);
			__m512		d = _mm512_sub_ps(_mm512_maskz_loadu_ps(m, a),
										  _mm512_maskz_loadu_ps(m, b));

			s1 = _mm512_fmadd_ps(d, d, s1);
		}
	}

	s0 = _mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3));
	return _mm512_reduce_add_ps(s0);
}

/*
 * Inner product, AVX-512F.
 */
static AVX512_ATTR float
DistanceInnerProductAvx512(const float *a, const float *b, int n)
{
	__m512		s0 = _mm512_setzero_ps();
	__m512		s1 = _mm512_setzero_ps();
	__m512		s2 = _mm512_setzero_ps();
	__m512		s3 = _mm512_setzero_ps();

	for (; n >= 64; n -= 64, a += 64, b += 64)
	{
		s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a), _mm512_loadu_ps(b), s0);
		s1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + 16),
							 _mm512_loadu_ps(b + 16), s1);
		s2 = _mm512_fmadd_ps(_mm512_loadu_ps(a + 32),
							 _mm512_loadu_ps(b + 32), s2);
		s3 = _mm512_fmadd_ps(_mm512_loadu_ps(a + 48),
							 _mm512_loadu_ps(b + 48), s3);
	}
	if (n > 0)
	{
		for (; n >= 16; n -= 16, a += 16, b += 16)
			s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a), _mm512_loadu_ps(b), s0);
		if (n > 0)
		{
			__mmask16	m = Avx512TailMask(n);

			s1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a),
								 _mm512_maskz_loadu_ps(m, b), s1);
		}
	}

	s0 = _mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3));
	return _mm512_reduce_add_ps(s0);
}

/*
 * |x - y| for 16 lanes: clear the sign bit with andnot.  AVX-512F has no
 * float andnot (that is AVX-512DQ), so go through the integer one.
 */
static inline AVX512_ATTR __m512
Avx512AbsDiff(__m512 x, __m512 y)
{
	__m512i		signbit = _mm512_set1_epi32((int) 0x80000000U);
	__m512i		d = _mm512_castps_si512(_mm512_sub_ps(x, y));

	return _mm512_castsi512_ps(_mm512_andnot_si512(signbit, d));
}

/*
 * Manhattan distance, AVX-512F.
 */
static AVX512_ATTR float
DistanceL1Avx512(const float *a, const float *b, int n)
{
	__m512		s0 = _mm512_setzero_ps();
	__m512		s1 = _mm512_setzero_ps();
	__m512		s2 = _mm512_setzero_ps();
	__m512		s3 = _mm512_setzero_ps();

	for (; n >= 64; n -= 64, a += 64, b += 64)
	{
		s0 = _mm512_add_ps(s0, Avx512AbsDiff(_mm512_loadu_ps(a),
											 _mm512_loadu_ps(b)));
		s1 = _mm512_add_ps(s1, Avx512AbsDiff(_mm512_loadu_ps(a + 16),
											 _mm512_loadu_ps(b + 16)));
		s2 = _mm512_add_ps(s2, Avx512AbsDiff(_mm512_loadu_ps(a + 32),
											 _mm512_loadu_ps(b + 32)));
		s3 = _mm512_add_ps(s3, Avx512AbsDiff(_mm512_loadu_ps(a + 48),
											 _mm512_loadu_ps(b + 48)));
	}
	if (n > 0)
	{
		for (; n >= 16; n -= 16, a += 16, b += 16)
			s0 = _mm512_add_ps(s0, Avx512AbsDiff(_mm512_loadu_ps(a),
												 _mm512_loadu_ps(b)));
		if (n > 0)
		{
			__mmask16	m = Avx512TailMask(n);

			s1 = _mm512_add_ps(s1, Avx512AbsDiff(_mm512_maskz_loadu_ps(m, a),
												 _mm512_maskz_loadu_ps(m, b)));
		}
	}

	s0 = _mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3));
	return _mm512_reduce_add_ps(s0);
}

/*
 * dot, |a|^2 and |b|^2 in one pass, AVX-512F, six accumulators.
 */
static AVX512_ATTR void
DistanceCosinePartsAvx512(const float *a, const float *b, int n,
						  float *dot, float *norma, float *normb)
{
	__m512		d0 = _mm512_setzero_ps();
	__m512		d1 = _mm512_setzero_ps();
	__m512		na0 = _mm512_setzero_ps();
	__m512		na1 = _mm512_setzero_ps();
	__m512		nb0 = _mm512_setzero_ps();
	__m512		nb1 = _mm512_setzero_ps();

	for (; n >= 32; n -= 32, a += 32, b += 32)
	{
		__m512		x0 = _mm512_loadu_ps(a);
		__m512		y0 = _mm512_loadu_ps(b);
		__m512		x1 = _mm512_loadu_ps(a + 16);
		__m512		y1 = _mm512_loadu_ps(b + 16);

		d0 = _mm512_fmadd_ps(x0, y0, d0);
		na0 = _mm512_fmadd_ps(x0, x0, na0);
		nb0 = _mm512_fmadd_ps(y0, y0, nb0);
		d1 = _mm512_fmadd_ps(x1, y1, d1);
		na1 = _mm512_fmadd_ps(x1, x1, na1);
		nb1 = _mm512_fmadd_ps(y1, y1, nb1);
	}
	if (n > 0)
	{
		/* 1 to 31 left: one full or masked register, then maybe another */
		__mmask16	m = Avx512TailMask(n < 16 ? n : 16);
		__m512		x = _mm512_maskz_loadu_ps(m, a);
		__m512		y = _mm512_maskz_loadu_ps(m, b);

		d0 = _mm512_fmadd_ps(x, y, d0);
		na0 = _mm512_fmadd_ps(x, x, na0);
		nb0 = _mm512_fmadd_ps(y, y, nb0);
		if (n > 16)
		{
			m = Avx512TailMask(n - 16);
			x = _mm512_maskz_loadu_ps(m, a + 16);
			y = _mm512_maskz_loadu_ps(m, b + 16);
			d1 = _mm512_fmadd_ps(x, y, d1);
			na1 = _mm512_fmadd_ps(x, x, na1);
			nb1 = _mm512_fmadd_ps(y, y, nb1);
		}
	}

	*dot = _mm512_reduce_add_ps(_mm512_add_ps(d0, d1));
	*norma = _mm512_reduce_add_ps(_mm512_add_ps(na0, na1));
	*normb = _mm512_reduce_add_ps(_mm512_add_ps(nb0, nb1));
}

#endif							/* __x86_64__ */


/* ----------------------------------------------------------------
 *		Dispatch
 * ----------------------------------------------------------------
 */

#if defined(__x86_64__)
/*
 * Whether the CPU converts between half and float (F16C, CPUID leaf 1), as
 * the AVX2 half kernels need.  __builtin_cpu_supports() cannot say: clang
 * 14, which builds the JIT bitcode, does not know "f16c".  F16C uses the
 * AVX register state, whose saving the "avx2" check has confirmed.
 */
static int
CpuHasF16c(void)
{
	unsigned int eax,
				ebx,
				ecx,
				edx;

	if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx))
		return 0;
	return (ecx & bit_F16C) != 0;
}
#endif

/*
 * The best implementation this CPU (and its operating system, which must
 * save the wider registers) supports.  libgcc's __builtin_cpu_supports()
 * checks both.
 */
DistanceImpl
DistanceBestImpl(void)
{
#if defined(__x86_64__)
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512f"))
		return DISTANCE_IMPL_AVX512;
	if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
		CpuHasF16c())
		return DISTANCE_IMPL_AVX2;
#endif
	return DISTANCE_IMPL_SCALAR;
}

/*
 * Point the kernel pointers at the best implementation that is no wider
 * than "limit" and that the CPU supports, and return it.  Not thread-safe
 * against threads calling the kernels at the same time.
 */
DistanceImpl
DistanceInit(DistanceImpl limit)
{
	DistanceImpl impl = DistanceBestImpl();

	if (limit < impl)
		impl = limit;

	switch (impl)
	{
#if defined(__x86_64__)
		case DISTANCE_IMPL_AVX512:
			DistanceL2Squared = DistanceL2SquaredAvx512;
			DistanceInnerProduct = DistanceInnerProductAvx512;
			DistanceL1 = DistanceL1Avx512;
			DistanceCosineParts = DistanceCosinePartsAvx512;
			break;
		case DISTANCE_IMPL_AVX2:
			DistanceL2Squared = DistanceL2SquaredAvx2;
			DistanceInnerProduct = DistanceInnerProductAvx2;
			DistanceL1 = DistanceL1Avx2;
			DistanceCosineParts = DistanceCosinePartsAvx2;
			break;
#endif
		default:
			impl = DISTANCE_IMPL_SCALAR;
			DistanceL2Squared = DistanceL2SquaredScalar;
			DistanceInnerProduct = DistanceInnerProductScalar;
			DistanceL1 = DistanceL1Scalar;
			DistanceCosineParts = DistanceCosinePartsScalar;
			break;
	}

	current_impl = impl;
	DistanceHalfInit(impl);
	DistanceBitInit(impl);
	return impl;
}

/*
 * The implementation the kernel pointers use now.
 */
DistanceImpl
DistanceCurrentImpl(void)
{
	return current_impl;
}

/*
 * Short name of an implementation, for tests, benchmarks and logs.
 */
const char *
DistanceImplName(DistanceImpl impl)
{
	switch (impl)
	{
		case DISTANCE_IMPL_SCALAR:
			return "scalar";
		case DISTANCE_IMPL_AVX2:
			return "avx2";
		case DISTANCE_IMPL_AVX512:
			return "avx512";
	}
	return "unknown";
}
