/*-------------------------------------------------------------------------
 *
 * distance_bit.c
 *	  Bit-string kernels: Hamming, the Jaccard counts, containment.
 *
 * Binary vectors are PostgreSQL bit strings: a byte array whose unused
 * trailing bits are zero.  Every metric reduces to population counts of
 * a XOR b, a AND b, a and b, taken over whole bytes.
 *
 * Three versions, chosen by DistanceBitInit() from the level DistanceInit()
 * picked and the CPU's own flags:
 *
 *	- AVX-512 with VPOPCNTDQ: 64 bytes per step, masked byte loads (BW) for
 *	  the tail, so nothing past the last byte is read; strings shorter than
 *	  one step use the POPCNT loop, which is faster there (measured in
 *	  BENCHMARKS.md: 178 against 119 million Hamming distances per second
 *	  at 128 bits);
 *	- POPCNT: 8 bytes per step with the hardware popcount instruction,
 *	  for every AVX2 machine and for AVX-512 machines without VPOPCNTDQ;
 *	- scalar: the same loop with the compiler's portable popcount, for a
 *	  baseline x86-64 or other CPU.
 *
 * Containment (every bit of b set in a) needs no popcount: one 64-bit loop
 * serves every level and stops at the first missing bit.
 *
 * No postgres.h here: the unit tests link this file without a server.
 *
 * IDENTIFICATION
 *	  src/distance_bit.c
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "distance.h"

DistanceBitHammingFn DistanceBitHamming = DistanceBitHammingScalar;
DistanceBitJaccardPartsFn DistanceBitJaccardParts = DistanceBitJaccardPartsScalar;
DistanceBitContainsFn DistanceBitContains = DistanceBitContainsScalar;

/*
 * Read 8 bytes at any alignment.
 */
static inline uint64_t
Load64(const uint8_t *p)
{
	uint64_t	v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* ----------------------------------------------------------------
 *		Portable versions
 * ----------------------------------------------------------------
 */

/*
 * popcount(a XOR b) over nbytes bytes.
 */
uint64_t
DistanceBitHammingScalar(const uint8_t *a, const uint8_t *b, size_t nbytes)
{
	uint64_t	count = 0;
	size_t		i = 0;

	for (; i + 8 <= nbytes; i += 8)
		count += __builtin_popcountll(Load64(a + i) ^ Load64(b + i));
	for (; i < nbytes; i++)
		count += __builtin_popcount(a[i] ^ b[i]);
	return count;
}

/*
 * popcount(a AND b), popcount(a) and popcount(b) in one pass.
 */
void
DistanceBitJaccardPartsScalar(const uint8_t *a, const uint8_t *b, size_t nbytes,
							  uint64_t *ab, uint64_t *aa, uint64_t *bb)
{
	uint64_t	cab = 0;
	uint64_t	caa = 0;
	uint64_t	cbb = 0;
	size_t		i = 0;

	for (; i + 8 <= nbytes; i += 8)
	{
		uint64_t	x = Load64(a + i);
		uint64_t	y = Load64(b + i);

		cab += __builtin_popcountll(x & y);
		caa += __builtin_popcountll(x);
		cbb += __builtin_popcountll(y);
	}
	for (; i < nbytes; i++)
	{
		cab += __builtin_popcount(a[i] & b[i]);
		caa += __builtin_popcount(a[i]);
		cbb += __builtin_popcount(b[i]);
	}

	*ab = cab;
	*aa = caa;
	*bb = cbb;
}

/*
 * True when every bit set in b is also set in a.
 */
int
DistanceBitContainsScalar(const uint8_t *a, const uint8_t *b, size_t nbytes)
{
	size_t		i = 0;

	for (; i + 8 <= nbytes; i += 8)
	{
		if (Load64(b + i) & ~Load64(a + i))
			return 0;
	}
	for (; i < nbytes; i++)
	{
		if (b[i] & ~a[i])
			return 0;
	}
	return 1;
}

#if defined(__x86_64__)

/* ----------------------------------------------------------------
 *		Hardware POPCNT, 8 bytes per step
 * ----------------------------------------------------------------
 */

/*
 * popcount(a XOR b) with the POPCNT instruction.
 */
__attribute__((target("popcnt")))
static uint64_t
DistanceBitHammingPopcnt(const uint8_t *a, const uint8_t *b, size_t nbytes)
{
	uint64_t	count = 0;
	size_t		i = 0;

	for (; i + 8 <= nbytes; i += 8)
		count += (uint64_t) _mm_popcnt_u64(Load64(a + i) ^ Load64(b + i));
	for (; i < nbytes; i++)
		count += (uint64_t) _mm_popcnt_u32((uint32_t) (a[i] ^ b[i]));
	return count;
}

/*
 * The three Jaccard counts with the POPCNT instruction.
 */
__attribute__((target("popcnt")))
static void
DistanceBitJaccardPartsPopcnt(const uint8_t *a, const uint8_t *b, size_t nbytes,
							  uint64_t *ab, uint64_t *aa, uint64_t *bb)
{
	uint64_t	cab = 0;
	uint64_t	caa = 0;
	uint64_t	cbb = 0;
	size_t		i = 0;

	for (; i + 8 <= nbytes; i += 8)
	{
		uint64_t	x = Load64(a + i);
		uint64_t	y = Load64(b + i);

		cab += (uint64_t) _mm_popcnt_u64(x & y);
		caa += (uint64_t) _mm_popcnt_u64(x);
		cbb += (uint64_t) _mm_popcnt_u64(y);
	}
	for (; i < nbytes; i++)
	{
		cab += (uint64_t) _mm_popcnt_u32((uint32_t) (a[i] & b[i]));
		caa += (uint64_t) _mm_popcnt_u32(a[i]);
		cbb += (uint64_t) _mm_popcnt_u32(b[i]);
	}

	*ab = cab;
	*aa = caa;
	*bb = cbb;
}

/* ----------------------------------------------------------------
 *		AVX-512 VPOPCNTDQ, 64 bytes per step
 * ----------------------------------------------------------------
 */

#define BIT_AVX512_TARGET "avx512f,avx512bw,avx512vpopcntdq"

/*
 * Load the next min(n, 64) bytes; lanes past n read as zero.
 */
__attribute__((target(BIT_AVX512_TARGET)))
static inline __m512i
LoadBytesMasked(const uint8_t *p, size_t n)
{
	__mmask64	mask = n >= 64 ? ~(__mmask64) 0 : (((__mmask64) 1 << n) - 1);

	return _mm512_maskz_loadu_epi8(mask, p);
}

/*
 * popcount(a XOR b), 64 bytes per step.
 */
__attribute__((target(BIT_AVX512_TARGET)))
static uint64_t
DistanceBitHammingAvx512(const uint8_t *a, const uint8_t *b, size_t nbytes)
{
	__m512i		acc = _mm512_setzero_si512();
	size_t		i = 0;

	/* below one 64-byte step, masked loads and the reduction cost more */
	if (nbytes < 64)
		return DistanceBitHammingPopcnt(a, b, nbytes);

	for (; i + 64 <= nbytes; i += 64)
	{
		__m512i		x = _mm512_loadu_si512((const void *) (a + i));
		__m512i		y = _mm512_loadu_si512((const void *) (b + i));

		acc = _mm512_add_epi64(acc, _mm512_popcnt_epi64(_mm512_xor_si512(x, y)));
	}
	if (i < nbytes)
	{
		__m512i		x = LoadBytesMasked(a + i, nbytes - i);
		__m512i		y = LoadBytesMasked(b + i, nbytes - i);

		acc = _mm512_add_epi64(acc, _mm512_popcnt_epi64(_mm512_xor_si512(x, y)));
	}
	return (uint64_t) _mm512_reduce_add_epi64(acc);
}

/*
 * The three Jaccard counts, 64 bytes per step.
 */
__attribute__((target(BIT_AVX512_TARGET)))
static void
DistanceBitJaccardPartsAvx512(const uint8_t *a, const uint8_t *b, size_t nbytes,
							  uint64_t *ab, uint64_t *aa, uint64_t *bb)
{
	__m512i		accab = _mm512_setzero_si512();
	__m512i		accaa = _mm512_setzero_si512();
	__m512i		accbb = _mm512_setzero_si512();
	size_t		i = 0;

	/* below one 64-byte step, masked loads and the reductions cost more */
	if (nbytes < 64)
	{
		DistanceBitJaccardPartsPopcnt(a, b, nbytes, ab, aa, bb);
		return;
	}

	while (i < nbytes)
	{
		size_t		n = nbytes - i;
		__m512i		x;
		__m512i		y;

		if (n >= 64)
		{
			x = _mm512_loadu_si512((const void *) (a + i));
			y = _mm512_loadu_si512((const void *) (b + i));
		}
		else
		{
			x = LoadBytesMasked(a + i, n);
			y = LoadBytesMasked(b + i, n);
		}
		accab = _mm512_add_epi64(accab, _mm512_popcnt_epi64(_mm512_and_si512(x, y)));
		accaa = _mm512_add_epi64(accaa, _mm512_popcnt_epi64(x));
		accbb = _mm512_add_epi64(accbb, _mm512_popcnt_epi64(y));
		i += 64;
	}

	*ab = (uint64_t) _mm512_reduce_add_epi64(accab);
	*aa = (uint64_t) _mm512_reduce_add_epi64(accaa);
	*bb = (uint64_t) _mm512_reduce_add_epi64(accbb);
}

#endif							/* __x86_64__ */

/*
 * Point the bit kernels at the widest version allowed by impl that this CPU
 * runs: VPOPCNTDQ needs its own flag beyond AVX-512F, POPCNT comes with
 * every AVX2 machine.
 */
void
DistanceBitInit(DistanceImpl impl)
{
	DistanceBitHamming = DistanceBitHammingScalar;
	DistanceBitJaccardParts = DistanceBitJaccardPartsScalar;
	DistanceBitContains = DistanceBitContainsScalar;

#if defined(__x86_64__)
	__builtin_cpu_init();
	if (impl >= DISTANCE_IMPL_AVX512 &&
		__builtin_cpu_supports("avx512bw") &&
		__builtin_cpu_supports("avx512vpopcntdq"))
	{
		DistanceBitHamming = DistanceBitHammingAvx512;
		DistanceBitJaccardParts = DistanceBitJaccardPartsAvx512;
	}
	else if (impl >= DISTANCE_IMPL_AVX2 && __builtin_cpu_supports("popcnt"))
	{
		DistanceBitHamming = DistanceBitHammingPopcnt;
		DistanceBitJaccardParts = DistanceBitJaccardPartsPopcnt;
	}
#endif
}
