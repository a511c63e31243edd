/*-------------------------------------------------------------------------
 *
 * distance_half.c
 *	  Distance kernels over half-precision (binary16) vectors.
 *
 * Elements are IEEE binary16 bit patterns (uint16_t).  Each metric exists
 * in up to three versions, chosen by DistanceHalfInit() with the level
 * DistanceInit() picked:
 *
 *	- portable scalar C, converting each element with HalfToFloat4();
 *	- AVX2 + FMA + F16C: 8 halves at a time, widened with _mm256_cvtph_ps;
 *	- AVX-512F: 16 halves at a time, widened with _mm512_cvtph_ps.
 *
 * DistanceFloatToHalf, the float -> half conversion of a whole array (the
 * vector -> halfvec cast, which pgvector's halfvec expression indexes
 * evaluate for every returned row), narrows 8 or 16 floats at a time with
 * VCVTPS2PH, bit for bit as Float4ToHalf.
 *
 * Conversion from half to float is exact, so every version computes the
 * float32 kernel of distance.c on the widened values, and the loops have
 * the same shape as there: four registers per step (two for cosine, which
 * keeps three sums per register), then one register per step, then the
 * tail of n % lanes elements.  There is no masked 16-bit load below
 * AVX-512BW, so the tail is copied into a zeroed local buffer of one
 * register's worth of halves and converted from there: nothing is read
 * past a[n-1] or b[n-1].  The common dimensions (128, 768, 1536) have no
 * tail.  A negative n sums nothing.
 *
 * All sums are float32, as in pgvector; versions sum in different orders
 * and may differ in the last bits (test/unit/test_distance_half.c checks
 * them against a double-precision reference).
 *
 * The SIMD versions carry per-function target attributes and run only
 * after DistanceBestImpl() has found the CPU features (F16C included for
 * the AVX2 level), so this file builds for the baseline x86-64 target.
 * Like distance.c it must not include postgres.h.
 *
 * IDENTIFICATION
 *	  src/distance_half.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "distance.h"
#include "halfutils.h"

/*
 * The kernels in use.  They start out as the scalar versions, so they can be
 * called safely before DistanceInit().
 */
DistanceHalfFn DistanceHalfL2Squared = DistanceHalfL2SquaredScalar;
DistanceHalfFn DistanceHalfInnerProduct = DistanceHalfInnerProductScalar;
DistanceHalfFn DistanceHalfL1 = DistanceHalfL1Scalar;
DistanceHalfCosinePartsFn DistanceHalfCosineParts = DistanceHalfCosinePartsScalar;
DistanceFloatToHalfFn DistanceFloatToHalf = DistanceFloatToHalfScalar;

/* A half's exponent bits: all set for infinity and NaN */
#define HALF_EXP_MASK	0x7c00


/* ----------------------------------------------------------------
 *		Portable scalar versions
 * ----------------------------------------------------------------
 */

/*
 * float -> half, element by element.
 */
int
DistanceFloatToHalfScalar(const float *in, uint16_t *out, int n)
{
	uint16_t	bad = 0;

	for (int i = 0; i < n; i++)
	{
		out[i] = Float4ToHalf(in[i]);
		bad |= (uint16_t) ((out[i] & HALF_EXP_MASK) == HALF_EXP_MASK);
	}
	return !bad;
}

/*
 * Squared Euclidean distance, one float accumulator.
 */
float
DistanceHalfL2SquaredScalar(const uint16_t *a, const uint16_t *b, int n)
{
	float		result = 0.0f;

	for (int i = 0; i < n; i++)
	{
		float		diff = HalfToFloat4(a[i]) - HalfToFloat4(b[i]);

		result += diff * diff;
	}

	return result;
}

/*
 * Inner product, one float accumulator.
 */
float
DistanceHalfInnerProductScalar(const uint16_t *a, const uint16_t *b, int n)
{
	float		result = 0.0f;

	for (int i = 0; i < n; i++)
		result += HalfToFloat4(a[i]) * HalfToFloat4(b[i]);

	return result;
}

/*
 * Manhattan (taxicab) distance, one float accumulator.
 */
float
DistanceHalfL1Scalar(const uint16_t *a, const uint16_t *b, int n)
{
	float		result = 0.0f;

	for (int i = 0; i < n; i++)
		result += fabsf(HalfToFloat4(a[i]) - HalfToFloat4(b[i]));

	return result;
}

/*
 * The three sums cosine distance needs, in one pass over both vectors.
 */
void
DistanceHalfCosinePartsScalar(const uint16_t *a, const uint16_t *b, int n,
							  float *dot, float *norma, float *normb)
{
	float		d = 0.0f;
	float		na = 0.0f;
	float		nb = 0.0f;

	for (int i = 0; i < n; i++)
	{
		float		x = HalfToFloat4(a[i]);
		float		y = HalfToFloat4(b[i]);

		d += x * y;
		na += x * x;
		nb += y * y;
	}

	*dot = d;
	*norma = na;
	*normb = nb;
}


#if defined(__x86_64__)

/* ----------------------------------------------------------------
 *		AVX2 + FMA + F16C versions (8 lanes)
 * ----------------------------------------------------------------
 */

#define HALF_AVX2_ATTR __attribute__((target("avx2,fma,f16c")))

/*
 * Eight halves at p, widened to floats.
 */
static inline HALF_AVX2_ATTR __m256
Avx2LoadHalf(const uint16_t *p)
{
	return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *) p));
}

/*
 * The first r (0..8) halves at p, widened, the other lanes zero.  Reads
 * only p[0..r-1].
 */
static inline HALF_AVX2_ATTR __m256
Avx2LoadHalfTail(const uint16_t *p, int r)
{
	uint16_t	buf[8] = {0};

	memcpy(buf, p, sizeof(uint16_t) * r);
	return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *) buf));
}

/*
 * Sum of the 8 lanes of v.
 */
static inline HALF_AVX2_ATTR float
Avx2HalfHorizontalSum(__m256 v)
{
	__m128		s = _mm_add_ps(_mm256_castps256_ps128(v),
							   _mm256_extractf128_ps(v, 1));

	s = _mm_add_ps(s, _mm_movehl_ps(s, s));
	s = _mm_add_ss(s, _mm_movehdup_ps(s));
	return _mm_cvtss_f32(s);
}

/*
 * |x - y| for 8 lanes: clear the sign bit with andnot.
 */
static inline HALF_AVX2_ATTR __m256
Avx2HalfAbsDiff(__m256 x, __m256 y)
{
	return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), _mm256_sub_ps(x, y));
}

/*
 * float -> half, 8 at a time (VCVTPS2PH rounds to nearest even, as
 * Float4ToHalf does), the tail element by element.
 */
static HALF_AVX2_ATTR int
DistanceFloatToHalfAvx2(const float *in, uint16_t *out, int n)
{
	__m128i		bad = _mm_setzero_si128();
	const __m128i mask = _mm_set1_epi16(HALF_EXP_MASK);
	int			i = 0;

	for (; i + 8 <= n; i += 8)
	{
		__m128i		h = _mm256_cvtps_ph(_mm256_loadu_ps(in + i),
										_MM_FROUND_TO_NEAREST_INT);

		_mm_storeu_si128((__m128i *) (out + i), h);
		bad = _mm_or_si128(bad, _mm_cmpeq_epi16(_mm_and_si128(h, mask), mask));
	}
	return _mm_testz_si128(bad, bad) &&
		DistanceFloatToHalfScalar(in + i, out + i, n - i);
}

/*
 * Squared Euclidean distance, AVX2 + FMA + F16C.
 */
static HALF_AVX2_ATTR float
DistanceHalfL2SquaredAvx2(const uint16_t *a, const uint16_t *b, int n)
{
	__m256		s0 = _mm256_setzero_ps();
	__m256		s1 = _mm256_setzero_ps();
	__m256		s2 = _mm256_setzero_ps();
	__m256		s3 = _mm256_setzero_ps();

	for (; n >= 32; n -= 32, a += 32, b += 32)
	{
		__m256		d0 = _mm256_sub_ps(Avx2LoadHalf(a), Avx2LoadHalf(b));
		__m256		d1 = _mm256_sub_ps(Avx2LoadHalf(a + 8),
									   Avx2LoadHalf(b + 8));
		__m256		d2 = _mm256_sub_ps(Avx2LoadHalf(a + 16),
									   Avx2LoadHalf(b + 16));
		__m256		d3 = _mm256_sub_ps(Avx2LoadHalf(a + 24),
									   Avx2LoadHalf(b + 24));

		s0 = _mm256_fmadd_ps(d0, d0, s0);
		s1 = _mm256_fmadd_ps(d1, d1, s1);
		s2 = _mm256_fmadd_ps(d2, d2, s2);
		s3 = _mm256_fmadd_ps(d3, d3, s3);
	}
	if (n > 0)
	{
		for (; n >= 8; n -= 8, a += 8, b += 8)
		{
			__m256		d = _mm256_sub_ps(Avx2LoadHalf(a), Avx2LoadHalf(b));

			s0 = _mm256_fmadd_ps(d, d, s0);
		}
		if (n > 0)
		{
			__m256		d = _mm256_sub_ps(Avx2LoadHalfTail(a, n),
										  Avx2LoadHalfTail(b, n));

			s1 = _mm256_fmadd_ps(d, d, s1);
		}
	}

	s0 = _mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3));
	return Avx2HalfHorizontalSum(s0);
}

/*
 * Inner product, AVX2 + FMA + F16C.
 */
static HALF_AVX2_ATTR float
DistanceHalfInnerProductAvx2(const uint16_t *a, const uint16_t *b, int n)
{
	__m256		s0 = _mm256_setzero_ps();
	__m256		s1 = _mm256_setzero_ps();
	__m256		s2 = _mm256_setzero_ps();
	__m256		s3 = _mm256_setzero_ps();

	for (; n >= 32; n -= 32, a += 32, b += 32)
	{
		s0 = _mm256_fmadd_ps(Avx2LoadHalf(a), Avx2LoadHalf(b), s0);
		s1 = _mm256_fmadd_ps(Avx2LoadHalf(a + 8), Avx2LoadHalf(b + 8), s1);
		s2 = _mm256_fmadd_ps(Avx2LoadHalf(a + 16), Avx2LoadHalf(b + 16), s2);
		s3 = _mm256_fmadd_ps(Avx2LoadHalf(a + 24), Avx2LoadHalf(b + 24), s3);
	}
	if (n > 0)
	{
		for (; n >= 8; n -= 8, a += 8, b += 8)
			s0 = _mm256_fmadd_ps(Avx2LoadHalf(a), Avx2LoadHalf(b), s0);
		if (n > 0)
			s1 = _mm256_fmadd_ps(Avx2LoadHalfTail(a, n),
								 Avx2LoadHalfTail(b, n), s1);
	}

	s0 = _mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3));
	return Avx2HalfHorizontalSum(s0);
}

/*
 * Manhattan distance, AVX2 + F16C.
 */
static HALF_AVX2_ATTR float
DistanceHalfL1Avx2(const uint16_t *a, const uint16_t *b, int n)
{
	__m256		s0 = _mm256_setzero_ps();
	__m256		s1 = _mm256_setzero_ps();
	__m256		s2 = _mm256_setzero_ps();
	__m256		s3 = _mm256_setzero_ps();

	for (; n >= 32; n -= 32, a += 32, b += 32)
	{
		s0 = _mm256_add_ps(s0, Avx2HalfAbsDiff(Avx2LoadHalf(a),
											   Avx2LoadHalf(b)));
		s1 = _mm256_add_ps(s1, Avx2HalfAbsDiff(Avx2LoadHalf(a + 8),
											   Avx2LoadHalf(b + 8)));
		s2 = _mm256_add_ps(s2, Avx2HalfAbsDiff(Avx2LoadHalf(a + 16),
											   Avx2LoadHalf(b + 16)));
		s3 = _mm256_add_ps(s3, Avx2HalfAbsDiff(Avx2LoadHalf(a + 24),
											   Avx2LoadHalf(b + 24)));
	}
	if (n > 0)
	{
		for (; n >= 8; n -= 8, a += 8, b += 8)
			s0 = _mm256_add_ps(s0, Avx2HalfAbsDiff(Avx2LoadHalf(a),
												   Avx2LoadHalf(b)));
		if (n > 0)
			s1 = _mm256_add_ps(s1, Avx2HalfAbsDiff(Avx2LoadHalfTail(a, n),
												   Avx2LoadHalfTail(b, n)));
	}

	s0 = _mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3));
	return Avx2HalfHorizontalSum(s0);
}

/*
 * dot, |a|^2 and |b|^2 in one pass, AVX2 + FMA + F16C, six accumulators.
 */
static HALF_AVX2_ATTR void
DistanceHalfCosinePartsAvx2(const uint16_t *a, const uint16_t *b, int n,
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
		__m256		x0 = Avx2LoadHalf(a);
		__m256		y0 = Avx2LoadHalf(b);
		__m256		x1 = Avx2LoadHalf(a + 8);
		__m256		y1 = Avx2LoadHalf(b + 8);

		d0 = _mm256_fmadd_ps(x0, y0, d0);
		na0 = _mm256_fmadd_ps(x0, x0, na0);
		nb0 = _mm256_fmadd_ps(y0, y0, nb0);
		d1 = _mm256_fmadd_ps(x1, y1, d1);
		na1 = _mm256_fmadd_ps(x1, x1, na1);
		nb1 = _mm256_fmadd_ps(y1, y1, nb1);
	}
	if (n > 0)
	{
		/* 1 to 15 left: one full or partial register, then maybe another */
		int			r = n < 8 ? n : 8;
		__m256		x = Avx2LoadHalfTail(a, r);
		__m256		y = Avx2LoadHalfTail(b, r);

		d0 = _mm256_fmadd_ps(x, y, d0);
		na0 = _mm256_fmadd_ps(x, x, na0);
		nb0 = _mm256_fmadd_ps(y, y, nb0);
		if (n > 8)
		{
			x = Avx2LoadHalfTail(a + 8, n - 8);
			y = Avx2LoadHalfTail(b + 8, n - 8);
			d1 = _mm256_fmadd_ps(x, y, d1);
			na1 = _mm256_fmadd_ps(x, x, na1);
			nb1 = _mm256_fmadd_ps(y, y, nb1);
		}
	}

	*dot = Avx2HalfHorizontalSum(_mm256_add_ps(d0, d1));
	*norma = Avx2HalfHorizontalSum(_mm256_add_ps(na0, na1));
	*normb = Avx2HalfHorizontalSum(_mm256_add_ps(nb0, nb1));
}


/* ----------------------------------------------------------------
 *		AVX-512F versions (16 lanes)
 * ----------------------------------------------------------------
 */

#define HALF_AVX512_ATTR __attribute__((target("avx512f")))

/*
 * Sixteen halves at p, widened to floats.
 */
static inline HALF_AVX512_ATTR __m512
Avx512LoadHalf(const uint16_t *p)
{
	return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *) p));
}

/*
 * The first r (0..16) halves at p, widened, the other lanes zero.  Reads
 * only p[0..r-1] (a masked 16-bit load would need AVX-512BW).
 */
static inline HALF_AVX512_ATTR __m512
Avx512LoadHalfTail(const uint16_t *p, int r)
{
	uint16_t	buf[16] = {0};

	memcpy(buf, p, sizeof(uint16_t) * r);
	return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *) buf));
}

/*
 * |x - y| for 16 lanes, through the integer andnot (AVX-512F has no float
 * one).
 */
static inline HALF_AVX512_ATTR __m512
Avx512HalfAbsDiff(__m512 x, __m512 y)
{
	__m512i		signbit = _mm512_set1_epi32((int) 0x80000000U);
	__m512i		d = _mm512_castps_si512(_mm512_sub_ps(x, y));

	return _mm512_castsi512_ps(_mm512_andnot_si512(signbit, d));
}

/*
 * float -> half, 16 at a time, the tail element by element.  The check
 * of the results uses AVX2 instructions, which AVX-512F implies.
 */
static HALF_AVX512_ATTR int
DistanceFloatToHalfAvx512(const float *in, uint16_t *out, int n)
{
	__m256i		bad = _mm256_setzero_si256();
	const __m256i mask = _mm256_set1_epi16(HALF_EXP_MASK);
	int			i = 0;

	for (; i + 16 <= n; i += 16)
	{
		__m256i		h = _mm512_cvtps_ph(_mm512_loadu_ps(in + i),
										_MM_FROUND_TO_NEAREST_INT);

		_mm256_storeu_si256((__m256i *) (out + i), h);
		bad = _mm256_or_si256(bad,
							  _mm256_cmpeq_epi16(_mm256_and_si256(h, mask), mask));
	}
	return _mm256_testz_si256(bad, bad) &&
		DistanceFloatToHalfScalar(in + i, out + i, n - i);
}

/*
 * Squared Euclidean distance, AVX-512F.
 */
static HALF_AVX512_ATTR float
DistanceHalfL2SquaredAvx512(const uint16_t *a, const uint16_t *b, int n)
{
	__m512		s0 = _mm512_setzero_ps();
	__m512		s1 = _mm512_setzero_ps();
	__m512		s2 = _mm512_setzero_ps();
	__m512		s3 = _mm512_setzero_ps();

	for (; n >= 64; n -= 64, a += 64, b += 64)
	{
		__m512		d0 = _mm512_sub_ps(Avx512LoadHalf(a), Avx512LoadHalf(b));
		__m512		d1 = _mm512_sub_ps(Avx512LoadHalf(a + 16),
									   Avx512LoadHalf(b + 16));
		__m512		d2 = _mm512_sub_ps(Avx512LoadHalf(a + 32),
									   Avx512LoadHalf(b + 32));
		__m512		d3 = _mm512_sub_ps(Avx512LoadHalf(a + 48),
									   Avx512LoadHalf(b + 48));

		s0 = _mm512_fmadd_ps(d0, d0, s0);
		s1 = _mm512_fmadd_ps(d1, d1, s1);
		s2 = _mm512_fmadd_ps(d2, d2, s2);
		s3 = _mm512_fmadd_ps(d3, d3, s3);
	}
	if (n > 0)
	{
		for (; n >= 16; n -= 16, a += 16, b += 16)
		{
			__m512		d = _mm512_sub_ps(Avx512LoadHalf(a), Avx512LoadHalf(b));

			s0 = _mm512_fmadd_ps(d, d, s0);
		}
		if (n > 0)
		{
			__m512		d = _mm512_sub_ps(Avx512LoadHalfTail(a, n),
										  Avx512LoadHalfTail(b, n));

			s1 = _mm512_fmadd_ps(d, d, s1);
		}
	}

	s0 = _mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3));
	return _mm512_reduce_add_ps(s0);
}

/*
 * Inner product, AVX-512F.
 */
static HALF_AVX512_ATTR float
DistanceHalfInnerProductAvx512(const uint16_t *a, const uint16_t *b, int n)
{
	__m512		s0 = _mm512_setzero_ps();
	__m512		s1 = _mm512_setzero_ps();
	__m512		s2 = _mm512_setzero_ps();
	__m512		s3 = _mm512_setzero_ps();

	for (; n >= 64; n -= 64, a += 64, b += 64)
	{
		s0 = _mm512_fmadd_ps(Avx512LoadHalf(a), Avx512LoadHalf(b), s0);
		s1 = _mm512_fmadd_ps(Avx512LoadHalf(a + 16),
							 Avx512LoadHalf(b + 16), s1);
		s2 = _mm512_fmadd_ps(Avx512LoadHalf(a + 32),
							 Avx512LoadHalf(b + 32), s2);
		s3 = _mm512_fmadd_ps(Avx512LoadHalf(a + 48),
							 Avx512LoadHalf(b + 48), s3);
	}
	if (n > 0)
	{
		for (; n >= 16; n -= 16, a += 16, b += 16)
			s0 = _mm512_fmadd_ps(Avx512LoadHalf(a), Avx512LoadHalf(b), s0);
		if (n > 0)
			s1 = _mm512_fmadd_ps(Avx512LoadHalfTail(a, n),
								 Avx512LoadHalfTail(b, n), s1);
	}

	s0 = _mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3));
	return _mm512_reduce_add_ps(s0);
}

/*
 * Manhattan distance, AVX-512F.
 */
static HALF_AVX512_ATTR float
DistanceHalfL1Avx512(const uint16_t *a, const uint16_t *b, int n)
{
	__m512		s0 = _mm512_setzero_ps();
	__m512		s1 = _mm512_setzero_ps();
	__m512		s2 = _mm512_setzero_ps();
	__m512		s3 = _mm512_setzero_ps();

	for (; n >= 64; n -= 64, a += 64, b += 64)
	{
		s0 = _mm512_add_ps(s0, Avx512HalfAbsDiff(Avx512LoadHalf(a),
												 Avx512LoadHalf(b)));
		s1 = _mm512_add_ps(s1, Avx512HalfAbsDiff(Avx512LoadHalf(a + 16),
												 Avx512LoadHalf(b + 16)));
		s2 = _mm512_add_ps(s2, Avx512HalfAbsDiff(Avx512LoadHalf(a + 32),
												 Avx512LoadHalf(b + 32)));
		s3 = _mm512_add_ps(s3, Avx512HalfAbsDiff(Avx512LoadHalf(a + 48),
												 Avx512LoadHalf(b + 48)));
	}
	if (n > 0)
	{
		for (; n >= 16; n -= 16, a += 16, b += 16)
			s0 = _mm512_add_ps(s0, Avx512HalfAbsDiff(Avx512LoadHalf(a),
													 Avx512LoadHalf(b)));
		if (n > 0)
			s1 = _mm512_add_ps(s1,
							   Avx512HalfAbsDiff(Avx512LoadHalfTail(a, n),
												 Avx512LoadHalfTail(b, n)));
	}

	s0 = _mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3));
	return _mm512_reduce_add_ps(s0);
}

/*
 * dot, |a|^2 and |b|^2 in one pass, AVX-512F, six accumulators.
 */
static HALF_AVX512_ATTR void
DistanceHalfCosinePartsAvx512(const uint16_t *a, const uint16_t *b, int n,
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
		__m512		x0 = Avx512LoadHalf(a);
		__m512		y0 = Avx512LoadHalf(b);
		__m512		x1 = Avx512LoadHalf(a + 16);
		__m512		y1 = Avx512LoadHalf(b + 16);

		d0 = _mm512_fmadd_ps(x0, y0, d0);
		na0 = _mm512_fmadd_ps(x0, x0, na0);
		nb0 = _mm512_fmadd_ps(y0, y0, nb0);
		d1 = _mm512_fmadd_ps(x1, y1, d1);
		na1 = _mm512_fmadd_ps(x1, x1, na1);
		nb1 = _mm512_fmadd_ps(y1, y1, nb1);
	}
	if (n > 0)
	{
		/* 1 to 31 left: one full or partial register, then maybe another */
		int			r = n < 16 ? n : 16;
		__m512		x = Avx512LoadHalfTail(a, r);
		__m512		y = Avx512LoadHalfTail(b, r);

		d0 = _mm512_fmadd_ps(x, y, d0);
		na0 = _mm512_fmadd_ps(x, x, na0);
		nb0 = _mm512_fmadd_ps(y, y, nb0);
		if (n > 16)
		{
			x = Avx512LoadHalfTail(a + 16, n - 16);
			y = Avx512LoadHalfTail(b + 16, n - 16);
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

/*
 * Point the half kernels at the versions for "impl", which DistanceInit()
 * has already checked the CPU supports.  Anything else, or any level on a
 * non-x86 build, gets the scalar versions.
 */
void
DistanceHalfInit(DistanceImpl impl)
{
	switch (impl)
	{
#if defined(__x86_64__)
		case DISTANCE_IMPL_AVX512:
			DistanceHalfL2Squared = DistanceHalfL2SquaredAvx512;
			DistanceHalfInnerProduct = DistanceHalfInnerProductAvx512;
			DistanceHalfL1 = DistanceHalfL1Avx512;
			DistanceHalfCosineParts = DistanceHalfCosinePartsAvx512;
			DistanceFloatToHalf = DistanceFloatToHalfAvx512;
			break;
		case DISTANCE_IMPL_AVX2:
			DistanceHalfL2Squared = DistanceHalfL2SquaredAvx2;
			DistanceHalfInnerProduct = DistanceHalfInnerProductAvx2;
			DistanceHalfL1 = DistanceHalfL1Avx2;
			DistanceHalfCosineParts = DistanceHalfCosinePartsAvx2;
			DistanceFloatToHalf = DistanceFloatToHalfAvx2;
			break;
#endif
		default:
			DistanceHalfL2Squared = DistanceHalfL2SquaredScalar;
			DistanceHalfInnerProduct = DistanceHalfInnerProductScalar;
			DistanceHalfL1 = DistanceHalfL1Scalar;
			DistanceHalfCosineParts = DistanceHalfCosinePartsScalar;
			DistanceFloatToHalf = DistanceFloatToHalfScalar;
			break;
	}
}
