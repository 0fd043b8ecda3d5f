/*
 * Popcount kernels of the PDQ index, chosen at run time: AVX-512 VPOPCNTDQ
 * (16 bucket entries per instruction), POPCNT, or portable C. Only this file
 * carries target attributes, so the rest of the library runs on any x86-64
 * (and non-x86) CPU.
 */
#include "index_kernels.h"

static const uint8_t pop5[32] = {0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4,
                                 1, 2, 2, 3, 2, 3, 3, 4, 2, 3, 3, 4, 3, 4, 4, 5};

static unsigned popcount64_portable(uint64_t x)
{
	x = x - ((x >> 1) & 0x5555555555555555ULL);
	x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
	return (unsigned)((x * 0x0101010101010101ULL) >> 56);
}

static unsigned dist256_portable(const uint64_t *a, const uint64_t *b)
{
	return popcount64_portable(a[0] ^ b[0]) + popcount64_portable(a[1] ^ b[1]) +
	       popcount64_portable(a[2] ^ b[2]) + popcount64_portable(a[3] ^ b[3]);
}

/* Entries are key_low(5) << 27 | id(27): keep ids whose low key bits are within
 * budget of the query's. */
static size_t scan_portable(const uint32_t *e, size_t n, uint32_t qlow, unsigned budget,
                            uint32_t *out)
{
	size_t k = 0;
	if (budget >= 5) {
		for (size_t i = 0; i < n; i++) {
			out[i] = e[i] & HFI_ID_MASK;
		}
		return n;
	}
	for (size_t i = 0; i < n; i++) {
		uint32_t v = e[i];
		out[k] = v & HFI_ID_MASK;
		k += pop5[(v >> HFI_ID_BITS) ^ qlow] <= budget; /* branch-free */
	}
	return k;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define HF_HAVE_X86 1

__attribute__((target("popcnt"))) static unsigned dist256_popcnt(const uint64_t *a,
                                                                 const uint64_t *b)
{
	return (unsigned)(__builtin_popcountll(a[0] ^ b[0]) + __builtin_popcountll(a[1] ^ b[1]) +
	                  __builtin_popcountll(a[2] ^ b[2]) + __builtin_popcountll(a[3] ^ b[3]));
}

__attribute__((target("avx512f,avx512vpopcntdq"))) static size_t
scan_avx512(const uint32_t *e, size_t n, uint32_t qlow, unsigned budget, uint32_t *out)
{
	const __m512i q = _mm512_set1_epi32((int)qlow);
	const __m512i lim = _mm512_set1_epi32((int)budget);
	const __m512i idm = _mm512_set1_epi32((int)HFI_ID_MASK);
	size_t k = 0, i = 0;
	for (; i + 16 <= n; i += 16) {
		__m512i v = _mm512_loadu_si512((const void *)(e + i));
		__m512i x = _mm512_xor_si512(_mm512_srli_epi32(v, HFI_ID_BITS), q);
		__mmask16 m = _mm512_cmple_epu32_mask(_mm512_popcnt_epi32(x), lim);
		/* Compress in a register, then one plain store: vpcompressd to
		 * memory is microcoded (~100+ cycles) on AMD Zen 4. */
		_mm512_storeu_si512((void *)(out + k),
		                    _mm512_maskz_compress_epi32(m, _mm512_and_si512(v, idm)));
		k += (size_t)__builtin_popcount((unsigned)m);
	}
	if (i < n) {
		__mmask16 tail = (__mmask16)((1u << (n - i)) - 1u);
		__m512i v = _mm512_maskz_loadu_epi32(tail, (const void *)(e + i));
		__m512i x = _mm512_xor_si512(_mm512_srli_epi32(v, HFI_ID_BITS), q);
		__mmask16 m = _mm512_mask_cmple_epu32_mask(tail, _mm512_popcnt_epi32(x), lim);
		_mm512_storeu_si512((void *)(out + k),
		                    _mm512_maskz_compress_epi32(m, _mm512_and_si512(v, idm)));
		k += (size_t)__builtin_popcount((unsigned)m);
	}
	return k;
}
#endif

void hfi_kernels_select(hfi_kernels *k, bool portable_only)
{
	k->dist256 = dist256_portable;
	k->scan = scan_portable;
	k->name = "portable";
#ifdef HF_HAVE_X86
	if (portable_only) {
		return;
	}
	__builtin_cpu_init();
	if (__builtin_cpu_supports("popcnt")) {
		k->dist256 = dist256_popcnt;
		k->name = "popcnt";
	}
	if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vpopcntdq")) {
		k->scan = scan_avx512;
		k->name = "avx512-vpopcntdq";
	}
#else
	(void)portable_only;
#endif
}
