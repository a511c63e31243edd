/*-------------------------------------------------------------------------
 *
 * halfutils.h
 *	  Scalar conversions between float32 and IEEE binary16 (half precision).
 *
 * Halves are stored as uint16_t bit patterns.  Float4ToHalf rounds to the
 * nearest half, ties to even, as the hardware (F16C) does; a finite float
 * too large for a half becomes infinity, which callers check for and
 * report as an error.  These are the portable reference used for I/O and
 * casts; the distance kernels convert with F16C / AVX-512 where present.
 *
 * No postgres.h here: the kernels and their unit tests include this too.
 *
 * IDENTIFICATION
 *	  src/halfutils.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MILVUS_HALFUTILS_H
#define MILVUS_HALFUTILS_H

#include <stdint.h>
#include <string.h>

#define HALF_MAX 65504.0f

/*
 * Half bit pattern -> float.  Exact: every half is a float.
 */
static inline float
HalfToFloat4(uint16_t h)
{
	uint32_t	sign = ((uint32_t) (h & 0x8000)) << 16;
	uint32_t	exp = (h >> 10) & 0x1f;
	uint32_t	mant = h & 0x3ff;
	uint32_t	bits;
	float		f;

	if (exp == 0x1f)			/* infinity or NaN */
		bits = sign | 0x7f800000 | (mant << 13);
	else if (exp != 0)			/* normal: rebias 15 -> 127 */
		bits = sign | ((exp + 112) << 23) | (mant << 13);
	else if (mant == 0)			/* signed zero */
		bits = sign;
	else
	{
		/* subnormal half: normalise into a float */
		int			e = -1;

		do
		{
			e++;
			mant <<= 1;
		} while ((mant & 0x400) == 0);
		bits = sign | ((uint32_t) (112 - e) << 23) | ((mant & 0x3ff) << 13);
	}

	memcpy(&f, &bits, sizeof(f));
	return f;
}

/*
 * Float -> half bit pattern, rounding to nearest, ties to even.
 */
static inline uint16_t
Float4ToHalf(float f)
{
	uint32_t	x;
	uint32_t	ax;
	uint16_t	sign;

	memcpy(&x, &f, sizeof(x));
	sign = (uint16_t) ((x >> 16) & 0x8000);
	ax = x & 0x7fffffff;

	if (ax >= 0x7f800000)		/* infinity or NaN (keep NaN quiet) */
		return sign | 0x7c00 | (ax > 0x7f800000 ? 0x200 : 0);

	if (ax >= 0x477ff000)		/* at least 65520: rounds past HALF_MAX */
		return sign | 0x7c00;

	if (ax >= 0x38800000)		/* normal half: rebias 127 -> 15, round */
	{
		uint32_t	r = ax - 0x38000000;

		return sign | (uint16_t) ((r + 0x0fff + ((r >> 13) & 1)) >> 13);
	}

	if (ax <= 0x33000000)		/* at most 2^-25: rounds to zero */
		return sign;

	/* subnormal half: count units of 2^-24, rounding the remainder */
	{
		uint32_t	e = ax >> 23;
		uint32_t	mant = (ax & 0x7fffff) | 0x800000;
		uint32_t	shift = 126 - e;
		uint32_t	q = mant >> shift;
		uint32_t	rem = mant & ((1u << shift) - 1);
		uint32_t	halfway = 1u << (shift - 1);

		if (rem > halfway || (rem == halfway && (q & 1)))
			q++;
		return sign | (uint16_t) q;
	}
}

#endif							/* MILVUS_HALFUTILS_H */
