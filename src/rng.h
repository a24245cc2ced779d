/*-------------------------------------------------------------------------
 *
 * rng.h
 *	  Counter-based random numbers (Philox4x32-10) for the Monte Carlo engine.
 *
 * Philox4x32-10 (Salmon, Moraes, Dror & Shaw, "Parallel random numbers: as
 * easy as 1, 2, 3", SC'11) maps a 128-bit counter and a 64-bit key to 128
 * random bits with no state besides the counter.  scsm keys it with the
 * user's seed and builds the counter from (scenario, iteration, draw), so
 * the draws of iteration i of scenario s are a pure function of
 * (seed, s, i): any range of iterations can be computed by any worker, in
 * any order, and gives the same numbers.
 *
 * Counter layout: c0 = draw block inside the iteration, c1 = iteration
 * (below 2^32), c2/c3 = low/high half of the 64-bit scenario id.  Key:
 * k0/k1 = low/high half of the 64-bit seed.
 *
 * src/rng.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCSM_RNG_H
#define SCSM_RNG_H

#include <stdint.h>
#include <string.h>
#include <stdbool.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define SCSM_HAVE_AVX2_PATH 1
#endif

/* vector instruction sets the engine can use, in order */
#define RNG_SIMD_NONE	0
#define RNG_SIMD_AVX2	2
#define RNG_SIMD_AVX512	3

#define PHILOX_M0	UINT32_C(0xD2511F53)
#define PHILOX_M1	UINT32_C(0xCD9E8D57)
#define PHILOX_W0	UINT32_C(0x9E3779B9)
#define PHILOX_W1	UINT32_C(0xBB67AE85)

/* One Philox4x32-10 block: out = philox(ctr, key), ten rounds. */
static inline void
Philox4x32(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4])
{
	uint32_t	c0 = ctr[0],
				c1 = ctr[1],
				c2 = ctr[2],
				c3 = ctr[3];
	uint32_t	k0 = key[0],
				k1 = key[1];
	int			r;

	for (r = 0; r < 10; r++)
	{
		uint64_t	p0 = (uint64_t) PHILOX_M0 * c0;
		uint64_t	p1 = (uint64_t) PHILOX_M1 * c2;
		uint32_t	n0 = (uint32_t) (p1 >> 32) ^ c1 ^ k0;
		uint32_t	n2 = (uint32_t) (p0 >> 32) ^ c3 ^ k1;

		c1 = (uint32_t) p1;
		c3 = (uint32_t) p0;
		c0 = n0;
		c2 = n2;
		k0 += PHILOX_W0;
		k1 += PHILOX_W1;
	}
	out[0] = c0;
	out[1] = c1;
	out[2] = c2;
	out[3] = c3;
}

/*
 * Block c0 = block of eight consecutive iterations at once.  One
 * Philox block is a chain of ten dependent multiplies, so a single stream
 * is latency bound; eight independent chains (SSE2, two lanes of 4) keep
 * the multiplier busy.  out[j] is exactly Philox4x32(ctr j, key).
 */
static inline void
Philox4x32Batch8(const uint32_t key[2], uint32_t block, uint32_t iteration,
				 uint64_t scenario, uint32_t out[8][4])
{
#ifdef __SSE2__
	const __m128i m0 = _mm_set1_epi32((int) PHILOX_M0);
	const __m128i m1 = _mm_set1_epi32((int) PHILOX_M1);
	const __m128i lo_mask = _mm_set1_epi64x(0xFFFFFFFF);
	__m128i		a0,
				a1,
				a2,
				a3,
				b0,
				b1,
				b2,
				b3;
	uint32_t	k0 = key[0],
				k1 = key[1];
	int			r,
				j;
	uint32_t	w[8][4];

	a0 = b0 = _mm_set1_epi32((int) block);
	a1 = _mm_setr_epi32((int) iteration, (int) (iteration + 1),
						(int) (iteration + 2), (int) (iteration + 3));
	b1 = _mm_setr_epi32((int) (iteration + 4), (int) (iteration + 5),
						(int) (iteration + 6), (int) (iteration + 7));
	a2 = b2 = _mm_set1_epi32((int) (uint32_t) scenario);
	a3 = b3 = _mm_set1_epi32((int) (uint32_t) (scenario >> 32));

	/*
	 * One round on four lanes: 32x32->64 products of lanes 0,2 (even) and
	 * 1,3 (odd), split into high and low words, then the Philox S-box.
	 */
#define PHILOX_SSE_ROUND(c0, c1, c2, c3) \
	do { \
		__m128i		pe0 = _mm_mul_epu32(c0, m0), \
					po0 = _mm_mul_epu32(_mm_srli_epi64(c0, 32), m0), \
					pe1 = _mm_mul_epu32(c2, m1), \
					po1 = _mm_mul_epu32(_mm_srli_epi64(c2, 32), m1); \
		__m128i		lo0 = _mm_or_si128(_mm_and_si128(pe0, lo_mask), _mm_slli_epi64(po0, 32)), \
					hi0 = _mm_or_si128(_mm_srli_epi64(pe0, 32), _mm_andnot_si128(lo_mask, po0)), \
					lo1 = _mm_or_si128(_mm_and_si128(pe1, lo_mask), _mm_slli_epi64(po1, 32)), \
					hi1 = _mm_or_si128(_mm_srli_epi64(pe1, 32), _mm_andnot_si128(lo_mask, po1)); \
		c0 = _mm_xor_si128(_mm_xor_si128(hi1, c1), vk0); \
		c2 = _mm_xor_si128(_mm_xor_si128(hi0, c3), vk1); \
		c1 = lo1; \
		c3 = lo0; \
	} while (0)

	for (r = 0; r < 10; r++)
	{
		__m128i		vk0 = _mm_set1_epi32((int) k0),
					vk1 = _mm_set1_epi32((int) k1);

		PHILOX_SSE_ROUND(a0, a1, a2, a3);
		PHILOX_SSE_ROUND(b0, b1, b2, b3);
		k0 += PHILOX_W0;
		k1 += PHILOX_W1;
	}

	/* transpose lanes to blocks */
	{
		__m128i		t0 = _mm_unpacklo_epi32(a0, a1),	/* a0[0] a1[0] a0[1] a1[1] */
					t1 = _mm_unpacklo_epi32(a2, a3),
					t2 = _mm_unpackhi_epi32(a0, a1),
					t3 = _mm_unpackhi_epi32(a2, a3);

		_mm_storeu_si128((__m128i *) w[0], _mm_unpacklo_epi64(t0, t1));
		_mm_storeu_si128((__m128i *) w[1], _mm_unpackhi_epi64(t0, t1));
		_mm_storeu_si128((__m128i *) w[2], _mm_unpacklo_epi64(t2, t3));
		_mm_storeu_si128((__m128i *) w[3], _mm_unpackhi_epi64(t2, t3));
		t0 = _mm_unpacklo_epi32(b0, b1);
		t1 = _mm_unpacklo_epi32(b2, b3);
		t2 = _mm_unpackhi_epi32(b0, b1);
		t3 = _mm_unpackhi_epi32(b2, b3);
		_mm_storeu_si128((__m128i *) w[4], _mm_unpacklo_epi64(t0, t1));
		_mm_storeu_si128((__m128i *) w[5], _mm_unpackhi_epi64(t0, t1));
		_mm_storeu_si128((__m128i *) w[6], _mm_unpacklo_epi64(t2, t3));
		_mm_storeu_si128((__m128i *) w[7], _mm_unpackhi_epi64(t2, t3));
	}
	for (j = 0; j < 8; j++)
		memcpy(out[j], w[j], sizeof(w[j]));
#else
	int			j;

	for (j = 0; j < 8; j++)
	{
		uint32_t	ctr[4] = {block, iteration + (uint32_t) j, (uint32_t) scenario,
		(uint32_t) (scenario >> 32)};

		Philox4x32(ctr, key, out[j]);
	}
#endif
}

#ifdef SCSM_HAVE_AVX2_PATH
/*
 * The same as two Philox4x32Batch8 calls (iterations i .. i+15), with AVX2:
 * eight lanes per vector.  Compiled for AVX2 whatever the build flags;
 * call it only where the CPU has AVX2 (RngBlocks16 checks).
 */
__attribute__((target("avx2")))
static void
Philox4x32Batch16Avx2(const uint32_t key[2], uint32_t block, uint32_t iteration,
					  uint64_t scenario, uint32_t out[16][4])
{
	const __m256i m0 = _mm256_set1_epi32((int) PHILOX_M0);
	const __m256i m1 = _mm256_set1_epi32((int) PHILOX_M1);
	__m256i		a0,
				a1,
				a2,
				a3,
				b0,
				b1,
				b2,
				b3;
	uint32_t	k0 = key[0],
				k1 = key[1];
	uint32_t	w0[16],
				w1[16],
				w2[16],
				w3[16];
	int			r,
				j;

	a0 = b0 = _mm256_set1_epi32((int) block);
	a1 = _mm256_add_epi32(_mm256_set1_epi32((int) iteration),
						  _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
	b1 = _mm256_add_epi32(a1, _mm256_set1_epi32(8));
	a2 = b2 = _mm256_set1_epi32((int) (uint32_t) scenario);
	a3 = b3 = _mm256_set1_epi32((int) (uint32_t) (scenario >> 32));

	/*
	 * Even lanes: the 64-bit products of lanes 0, 2, ...; odd lanes: of
	 * lanes 1, 3, ... (shifted down).  lo = low words in place (odd
	 * product shifted up), hi = high words in place (even product
	 * shifted down): one shift and one blend each.
	 */
#define PHILOX_AVX2_ROUND(c0, c1, c2, c3) \
	do { \
		__m256i		pe0 = _mm256_mul_epu32(c0, m0), \
					po0 = _mm256_mul_epu32(_mm256_srli_epi64(c0, 32), m0), \
					pe1 = _mm256_mul_epu32(c2, m1), \
					po1 = _mm256_mul_epu32(_mm256_srli_epi64(c2, 32), m1); \
		__m256i		lo0 = _mm256_blend_epi32(pe0, _mm256_slli_epi64(po0, 32), 0xAA), \
					hi0 = _mm256_blend_epi32(_mm256_srli_epi64(pe0, 32), po0, 0xAA), \
					lo1 = _mm256_blend_epi32(pe1, _mm256_slli_epi64(po1, 32), 0xAA), \
					hi1 = _mm256_blend_epi32(_mm256_srli_epi64(pe1, 32), po1, 0xAA); \
		c0 = _mm256_xor_si256(_mm256_xor_si256(hi1, c1), vk0); \
		c2 = _mm256_xor_si256(_mm256_xor_si256(hi0, c3), vk1); \
		c1 = lo1; \
		c3 = lo0; \
	} while (0)

	for (r = 0; r < 10; r++)
	{
		__m256i		vk0 = _mm256_set1_epi32((int) k0),
					vk1 = _mm256_set1_epi32((int) k1);

		PHILOX_AVX2_ROUND(a0, a1, a2, a3);
		PHILOX_AVX2_ROUND(b0, b1, b2, b3);
		k0 += PHILOX_W0;
		k1 += PHILOX_W1;
	}

	_mm256_storeu_si256((__m256i *) w0, a0);
	_mm256_storeu_si256((__m256i *) (w0 + 8), b0);
	_mm256_storeu_si256((__m256i *) w1, a1);
	_mm256_storeu_si256((__m256i *) (w1 + 8), b1);
	_mm256_storeu_si256((__m256i *) w2, a2);
	_mm256_storeu_si256((__m256i *) (w2 + 8), b2);
	_mm256_storeu_si256((__m256i *) w3, a3);
	_mm256_storeu_si256((__m256i *) (w3 + 8), b3);
	for (j = 0; j < 16; j++)
	{
		out[j][0] = w0[j];
		out[j][1] = w1[j];
		out[j][2] = w2[j];
		out[j][3] = w3[j];
	}
}
#endif

/*
 * Philox blocks for a list of counters (c0[j], c1[j], scenario): the draws
 * of many iterations at once, each lane its own block and iteration, so a
 * year asks only for the blocks its events need.  Output in four word
 * arrays (o0[j] .. o3[j] = Philox4x32(counter j, key)[0 .. 3]), the layout
 * the vectorised samplers read.  n is rounded up to a multiple of 8 (16
 * for AVX2): the arrays must have room for that and the padding counters
 * must be initialised.
 */
static inline void
PhiloxListScalar(const uint32_t key[2], const uint32_t *c0, const uint32_t *c1,
				 uint64_t scenario, int n, uint32_t *o0, uint32_t *o1,
				 uint32_t *o2, uint32_t *o3)
{
	int			j;

	for (j = 0; j < n; j++)
	{
		uint32_t	ctr[4] = {c0[j], c1[j], (uint32_t) scenario, (uint32_t) (scenario >> 32)},
					w[4];

		Philox4x32(ctr, key, w);
		o0[j] = w[0];
		o1[j] = w[1];
		o2[j] = w[2];
		o3[j] = w[3];
	}
}

#ifdef __SSE2__
/* The list with SSE2: two independent groups of four lanes per step. */
static void
PhiloxListSse2(const uint32_t key[2], const uint32_t *c0, const uint32_t *c1,
			   uint64_t scenario, int n, uint32_t *o0, uint32_t *o1,
			   uint32_t *o2, uint32_t *o3)
{
	const __m128i m0 = _mm_set1_epi32((int) PHILOX_M0);
	const __m128i m1 = _mm_set1_epi32((int) PHILOX_M1);
	const __m128i lo_mask = _mm_set1_epi64x(0xFFFFFFFF);
	const __m128i s2 = _mm_set1_epi32((int) (uint32_t) scenario);
	const __m128i s3 = _mm_set1_epi32((int) (uint32_t) (scenario >> 32));
	int			j;

	for (j = 0; j < n; j += 8)
	{
		__m128i		a0 = _mm_loadu_si128((const __m128i *) (c0 + j)),
					a1 = _mm_loadu_si128((const __m128i *) (c1 + j)),
					a2 = s2,
					a3 = s3,
					b0 = _mm_loadu_si128((const __m128i *) (c0 + j + 4)),
					b1 = _mm_loadu_si128((const __m128i *) (c1 + j + 4)),
					b2 = s2,
					b3 = s3;
		uint32_t	k0 = key[0],
					k1 = key[1];
		int			r;


		for (r = 0; r < 10; r++)
		{
			__m128i		vk0 = _mm_set1_epi32((int) k0),
						vk1 = _mm_set1_epi32((int) k1);

			PHILOX_SSE_ROUND(a0, a1, a2, a3);
			PHILOX_SSE_ROUND(b0, b1, b2, b3);
			k0 += PHILOX_W0;
			k1 += PHILOX_W1;
		}
		_mm_storeu_si128((__m128i *) (o0 + j), a0);
		_mm_storeu_si128((__m128i *) (o1 + j), a1);
		_mm_storeu_si128((__m128i *) (o2 + j), a2);
		_mm_storeu_si128((__m128i *) (o3 + j), a3);
		_mm_storeu_si128((__m128i *) (o0 + j + 4), b0);
		_mm_storeu_si128((__m128i *) (o1 + j + 4), b1);
		_mm_storeu_si128((__m128i *) (o2 + j + 4), b2);
		_mm_storeu_si128((__m128i *) (o3 + j + 4), b3);
	}
}
#endif

#ifdef SCSM_HAVE_AVX2_PATH
/*
 * The list with AVX2, sixteen lanes per step (two chains of eight hide the
 * multiply latency).  High and low halves of the products are merged with
 * blends instead of and/or masks: fewer instructions, the same bits.
 */
__attribute__((target("avx2")))
static void
PhiloxListAvx2(const uint32_t key[2], const uint32_t *c0, const uint32_t *c1,
			   uint64_t scenario, int n, uint32_t *o0, uint32_t *o1,
			   uint32_t *o2, uint32_t *o3)
{
	const __m256i m0 = _mm256_set1_epi32((int) PHILOX_M0);
	const __m256i m1 = _mm256_set1_epi32((int) PHILOX_M1);
	const __m256i s2 = _mm256_set1_epi32((int) (uint32_t) scenario);
	const __m256i s3 = _mm256_set1_epi32((int) (uint32_t) (scenario >> 32));
	int			j;

	for (j = 0; j < n; j += 16)
	{
		__m256i		a0 = _mm256_loadu_si256((const __m256i *) (c0 + j)),
					a1 = _mm256_loadu_si256((const __m256i *) (c1 + j)),
					a2 = s2,
					a3 = s3,
					b0 = _mm256_loadu_si256((const __m256i *) (c0 + j + 8)),
					b1 = _mm256_loadu_si256((const __m256i *) (c1 + j + 8)),
					b2 = s2,
					b3 = s3;
		uint32_t	k0 = key[0],
					k1 = key[1];
		int			r;


		for (r = 0; r < 10; r++)
		{
			__m256i		vk0 = _mm256_set1_epi32((int) k0),
						vk1 = _mm256_set1_epi32((int) k1);

			PHILOX_AVX2_ROUND(a0, a1, a2, a3);
			PHILOX_AVX2_ROUND(b0, b1, b2, b3);
			k0 += PHILOX_W0;
			k1 += PHILOX_W1;
		}
		_mm256_storeu_si256((__m256i *) (o0 + j), a0);
		_mm256_storeu_si256((__m256i *) (o1 + j), a1);
		_mm256_storeu_si256((__m256i *) (o2 + j), a2);
		_mm256_storeu_si256((__m256i *) (o3 + j), a3);
		_mm256_storeu_si256((__m256i *) (o0 + j + 8), b0);
		_mm256_storeu_si256((__m256i *) (o1 + j + 8), b1);
		_mm256_storeu_si256((__m256i *) (o2 + j + 8), b2);
		_mm256_storeu_si256((__m256i *) (o3 + j + 8), b3);
	}
}
#endif

#ifdef SCSM_HAVE_AVX2_PATH
/*
 * The list with AVX-512F, sixteen lanes per vector and two chains.  The
 * high and low words of the products are put in place by one masked
 * in-lane shuffle each, and c ^ hi ^ k is one ternary-logic instruction.
 */
__attribute__((target("avx512f")))
static void
PhiloxListAvx512(const uint32_t key[2], const uint32_t *c0, const uint32_t *c1,
				 uint64_t scenario, int n, uint32_t *o0, uint32_t *o1,
				 uint32_t *o2, uint32_t *o3)
{
	const __m512i m0 = _mm512_set1_epi32((int) PHILOX_M0);
	const __m512i m1 = _mm512_set1_epi32((int) PHILOX_M1);
	const __m512i s2 = _mm512_set1_epi32((int) (uint32_t) scenario);
	const __m512i s3 = _mm512_set1_epi32((int) (uint32_t) (scenario >> 32));
	int			j;

	for (j = 0; j < n; j += 32)
	{
		__m512i		a0 = _mm512_loadu_si512((const void *) (c0 + j)),
					a1 = _mm512_loadu_si512((const void *) (c1 + j)),
					a2 = s2,
					a3 = s3,
					b0 = _mm512_loadu_si512((const void *) (c0 + j + 16)),
					b1 = _mm512_loadu_si512((const void *) (c1 + j + 16)),
					b2 = s2,
					b3 = s3;
		uint32_t	k0 = key[0],
					k1 = key[1];
		int			r;

		/*
		 * pe = products of the even lanes, po = of the odd lanes (as 64-bit
		 * lanes).  hi: even lanes take pe's high words (swapped down), odd
		 * lanes po's high words (in place); lo the other way round.
		 */
#define PHILOX_AVX512_ROUND(c0, c1, c2, c3) \
	do { \
		__m512i		pe0 = _mm512_mul_epu32(c0, m0), \
					po0 = _mm512_mul_epu32(_mm512_srli_epi64(c0, 32), m0), \
					pe1 = _mm512_mul_epu32(c2, m1), \
					po1 = _mm512_mul_epu32(_mm512_srli_epi64(c2, 32), m1); \
		__m512i		hi0 = _mm512_mask_shuffle_epi32(po0, 0x5555, pe0, _MM_PERM_CDAB), \
					lo0 = _mm512_mask_shuffle_epi32(pe0, 0xAAAA, po0, _MM_PERM_CDAB), \
					hi1 = _mm512_mask_shuffle_epi32(po1, 0x5555, pe1, _MM_PERM_CDAB), \
					lo1 = _mm512_mask_shuffle_epi32(pe1, 0xAAAA, po1, _MM_PERM_CDAB); \
		c0 = _mm512_ternarylogic_epi32(hi1, c1, vk0, 0x96); \
		c2 = _mm512_ternarylogic_epi32(hi0, c3, vk1, 0x96); \
		c1 = lo1; \
		c3 = lo0; \
	} while (0)

		for (r = 0; r < 10; r++)
		{
			__m512i		vk0 = _mm512_set1_epi32((int) k0),
						vk1 = _mm512_set1_epi32((int) k1);

			PHILOX_AVX512_ROUND(a0, a1, a2, a3);
			PHILOX_AVX512_ROUND(b0, b1, b2, b3);
			k0 += PHILOX_W0;
			k1 += PHILOX_W1;
		}
#undef PHILOX_AVX512_ROUND
		_mm512_storeu_si512((void *) (o0 + j), a0);
		_mm512_storeu_si512((void *) (o1 + j), a1);
		_mm512_storeu_si512((void *) (o2 + j), a2);
		_mm512_storeu_si512((void *) (o3 + j), a3);
		_mm512_storeu_si512((void *) (o0 + j + 16), b0);
		_mm512_storeu_si512((void *) (o1 + j + 16), b1);
		_mm512_storeu_si512((void *) (o2 + j + 16), b2);
		_mm512_storeu_si512((void *) (o3 + j + 16), b3);
	}
}
#endif

/* Does this CPU take the AVX-512 path?  Checked once per simulation call. */
static inline bool
RngHaveAvx512(void)
{
#ifdef SCSM_HAVE_AVX2_PATH
	return __builtin_cpu_supports("avx512f");
#else
	return false;
#endif
}

/* Does this CPU take the AVX2 path?  Checked once per simulation call. */
static inline bool
RngHaveAvx2(void)
{
#ifdef SCSM_HAVE_AVX2_PATH
	return __builtin_cpu_supports("avx2");
#else
	return false;
#endif
}

/* Block c0 = block of iterations i .. i+15. */
static inline void
RngBlocks16(const uint32_t key[2], uint32_t block, uint32_t iteration, uint64_t scenario,
			bool avx2, uint32_t out[16][4])
{
#ifdef SCSM_HAVE_AVX2_PATH
	if (avx2)
	{
		Philox4x32Batch16Avx2(key, block, iteration, scenario, out);
		return;
	}
#endif
	(void) avx2;
	Philox4x32Batch8(key, block, iteration, scenario, out);
	Philox4x32Batch8(key, block, iteration + 8, scenario, out + 8);
}

/*
 * Philox blocks of a counter list (see PhiloxListScalar): AVX-512 or AVX2
 * where asked for (simd, an RNG_SIMD_ level the CPU has), SSE2 otherwise on
 * x86-64, plain C elsewhere; all give the same words.  The arrays need
 * room for n rounded up to 32.
 */
static inline void
RngBlockList(const uint32_t key[2], const uint32_t *c0, const uint32_t *c1,
			 uint64_t scenario, int n, int simd, uint32_t *o0, uint32_t *o1,
			 uint32_t *o2, uint32_t *o3)
{
#ifdef SCSM_HAVE_AVX2_PATH
	if (simd >= RNG_SIMD_AVX512)
	{
		PhiloxListAvx512(key, c0, c1, scenario, n, o0, o1, o2, o3);
		return;
	}
	if (simd >= RNG_SIMD_AVX2)
	{
		PhiloxListAvx2(key, c0, c1, scenario, n, o0, o1, o2, o3);
		return;
	}
#endif
	(void) simd;
#ifdef __SSE2__
	PhiloxListSse2(key, c0, c1, scenario, n, o0, o1, o2, o3);
#else
	PhiloxListScalar(key, c0, c1, scenario, n, o0, o1, o2, o3);
#endif
}

/*
 * A stream of uniforms for one (seed, scenario, iteration): successive
 * Philox blocks with c0 = 0, 1, 2, ...  Each block yields two doubles.
 */
typedef struct RngStream
{
	uint32_t	key[2];
	uint32_t	ctr[4];
	uint32_t	buf[4];
	int			avail;			/* doubles left in buf: 2, 1 or 0 */
} RngStream;

static inline void
RngStreamInit(RngStream *s, uint64_t seed, uint64_t scenario, uint32_t iteration)
{
	s->key[0] = (uint32_t) seed;
	s->key[1] = (uint32_t) (seed >> 32);
	s->ctr[0] = 0;
	s->ctr[1] = iteration;
	s->ctr[2] = (uint32_t) scenario;
	s->ctr[3] = (uint32_t) (scenario >> 32);
	s->avail = 0;
}

/* Start a stream whose first block (c0 = 0) is already computed. */
static inline void
RngStreamInitWithBlock(RngStream *s, uint64_t seed, uint64_t scenario,
					   uint32_t iteration, const uint32_t block[4])
{
	RngStreamInit(s, seed, scenario, iteration);
	s->buf[0] = block[0];
	s->buf[1] = block[1];
	s->buf[2] = block[2];
	s->buf[3] = block[3];
	s->ctr[0] = 1;
	s->avail = 2;
}

/* 53 random bits from two words, mapped to the open interval (0, 1). */
static inline double
RngWordsToUnit(uint32_t hi, uint32_t lo)
{
	uint64_t	x = ((uint64_t) hi << 21) ^ (uint64_t) (lo >> 11);

	x &= (UINT64_C(1) << 53) - 1;
	return ((double) x + 0.5) * (1.0 / 9007199254740992.0);
}

/* Next uniform in (0, 1): never exactly 0 or 1, so log() is always finite. */
static inline double
RngUniform(RngStream *s)
{
	if (s->avail == 0)
	{
		Philox4x32(s->ctr, s->key, s->buf);
		s->ctr[0]++;
		s->avail = 2;
	}
	if (s->avail == 2)
	{
		s->avail = 1;
		return RngWordsToUnit(s->buf[0], s->buf[1]);
	}
	s->avail = 0;
	return RngWordsToUnit(s->buf[2], s->buf[3]);
}

/* the round macros serve the functions above only */
#undef PHILOX_SSE_ROUND
#undef PHILOX_AVX2_ROUND

#endif							/* SCSM_RNG_H */
