// SHA-512 block functions, written from FIPS 180-4 sections 4.1.3, 4.2.3, 6.4.2.
//
// Two kernels share the round function:
//   generic  portable C++; the message schedule is computed in the rounds, in a 16-word ring.
//   avx2     the schedule (W[t] + K[t] for all 80 rounds) is computed with 128-bit vectors into a stack
//            array, one block ahead and interleaved with the rounds of the current block, so it runs on
//            the vector units while the integer units run the rounds (which use BMI2's RORX and BMI1's
//            ANDN).
//
// Both unroll the 80 rounds completely through templates: round t renames the working variables by index
// instead of moving them, and every index is a compile-time constant so that they all stay in registers.
#include "crypto/internal/sha512.h"

#include <bit>
#include <utility>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace mig::crypto::internal {
namespace {

#define MIG_ALWAYS_INLINE __attribute__((always_inline)) inline

// clang-format off
alignas(64) constexpr uint64_t kK[80] = {
    0x428a2f98d728ae22, 0x7137449123ef65cd, 0xb5c0fbcfec4d3b2f, 0xe9b5dba58189dbbc,
    0x3956c25bf348b538, 0x59f111f1b605d019, 0x923f82a4af194f9b, 0xab1c5ed5da6d8118,
    0xd807aa98a3030242, 0x12835b0145706fbe, 0x243185be4ee4b28c, 0x550c7dc3d5ffb4e2,
    0x72be5d74f27b896f, 0x80deb1fe3b1696b1, 0x9bdc06a725c71235, 0xc19bf174cf692694,
    0xe49b69c19ef14ad2, 0xefbe4786384f25e3, 0x0fc19dc68b8cd5b5, 0x240ca1cc77ac9c65,
    0x2de92c6f592b0275, 0x4a7484aa6ea6e483, 0x5cb0a9dcbd41fbd4, 0x76f988da831153b5,
    0x983e5152ee66dfab, 0xa831c66d2db43210, 0xb00327c898fb213f, 0xbf597fc7beef0ee4,
    0xc6e00bf33da88fc2, 0xd5a79147930aa725, 0x06ca6351e003826f, 0x142929670a0e6e70,
    0x27b70a8546d22ffc, 0x2e1b21385c26c926, 0x4d2c6dfc5ac42aed, 0x53380d139d95b3df,
    0x650a73548baf63de, 0x766a0abb3c77b2a8, 0x81c2c92e47edaee6, 0x92722c851482353b,
    0xa2bfe8a14cf10364, 0xa81a664bbc423001, 0xc24b8b70d0f89791, 0xc76c51a30654be30,
    0xd192e819d6ef5218, 0xd69906245565a910, 0xf40e35855771202a, 0x106aa07032bbd1b8,
    0x19a4c116b8d2d0c8, 0x1e376c085141ab53, 0x2748774cdf8eeb99, 0x34b0bcb5e19b48a8,
    0x391c0cb3c5c95a63, 0x4ed8aa4ae3418acb, 0x5b9cca4f7763e373, 0x682e6ff3d6b2b8a3,
    0x748f82ee5defb2fc, 0x78a5636f43172f60, 0x84c87814a1f0ab72, 0x8cc702081a6439ec,
    0x90befffa23631e28, 0xa4506cebde82bde9, 0xbef9a3f7b2c67915, 0xc67178f2e372532b,
    0xca273eceea26619c, 0xd186b8c721c0c207, 0xeada7dd6cde0eb1e, 0xf57d4f7fee6ed178,
    0x06f067aa72176fba, 0x0a637dc5a2c898a6, 0x113f9804bef90dae, 0x1b710b35131c471b,
    0x28db77f523047d84, 0x32caab7b40c72493, 0x3c9ebe0a15c9bebc, 0x431d67c49c100d4c,
    0x4cc5d4becb3e42b6, 0x597f299cfc657e2a, 0x5fcb6fab3ad6faec, 0x6c44198c4a475817,
};
// clang-format on

inline uint64_t BigSigma0(uint64_t x) { return std::rotr(x, 28) ^ std::rotr(x, 34) ^ std::rotr(x, 39); }
inline uint64_t BigSigma1(uint64_t x) { return std::rotr(x, 14) ^ std::rotr(x, 18) ^ std::rotr(x, 41); }
inline uint64_t SmallSigma0(uint64_t x) { return std::rotr(x, 1) ^ std::rotr(x, 8) ^ (x >> 7); }
inline uint64_t SmallSigma1(uint64_t x) { return std::rotr(x, 19) ^ std::rotr(x, 61) ^ (x >> 6); }
// Ch(x, y, z) = (x & y) ^ (~x & z): three operations with BMI1's ANDN, and the same count as
// z ^ (x & (y ^ z)) without it.
template <bool kAndn>
inline uint64_t Ch(uint64_t x, uint64_t y, uint64_t z) {
  if constexpr (kAndn) return (x & y) ^ (~x & z);
  return z ^ (x & (y ^ z));
}

// The working variables of round t: a is v[-t mod 8], b is v[1 - t mod 8], ..., h is v[7 - t mod 8], so
// that the rotation at the end of a round is a renaming.
template <int t>
struct Vars {
  static constexpr int kA = (8 - t % 8) % 8;
  static constexpr int kB = (kA + 1) % 8;
  static constexpr int kD = (kA + 3) % 8;
  static constexpr int kE = (kA + 4) % 8;
  static constexpr int kF = (kA + 5) % 8;
  static constexpr int kG = (kA + 6) % 8;
  static constexpr int kH = (kA + 7) % 8;
};

// The compression round proper (FIPS 180-4 6.4.2 step 3), given W[t] + K[t]. `ab_prev` carries a ^ b of
// the previous round: Maj(a, b, c) = b ^ ((a ^ b) & (b ^ c)) and this round's b ^ c is the previous
// round's a ^ b, which saves an operation per round.
template <int t, bool kAndn>
MIG_ALWAYS_INLINE void Round(uint64_t* v, uint64_t& ab_prev, uint64_t wk) {
  using V = Vars<t>;
  uint64_t &a = v[V::kA], &b = v[V::kB], &d = v[V::kD], &e = v[V::kE], &f = v[V::kF], &g = v[V::kG], &h = v[V::kH];
  h += BigSigma1(e) + Ch<kAndn>(e, f, g) + wk;
  d += h;
  const uint64_t ab = a ^ b;
  h += BigSigma0(a) + (b ^ (ab & ab_prev));
  ab_prev = ab;
}

// Generic: round t with W[t] taken from (and, for t >= 16, computed into) the ring w.
template <int t>
MIG_ALWAYS_INLINE void GenericRound(uint64_t* v, uint64_t& ab_prev, uint64_t* w) {
  if constexpr (t >= 16) {
    w[t % 16] += SmallSigma1(w[(t - 2) % 16]) + w[(t - 7) % 16] + SmallSigma0(w[(t - 15) % 16]);
  }
  Round<t, false>(v, ab_prev, w[t % 16] + kK[t]);
}

template <int... t>
MIG_ALWAYS_INLINE void GenericRounds(std::integer_sequence<int, t...>, uint64_t* v, uint64_t* w) {
  uint64_t ab_prev = v[1] ^ v[2];
  (GenericRound<t>(v, ab_prev, w), ...);
}

}  // namespace

void Sha512BlocksGeneric(uint64_t* state, const uint8_t* data, size_t num_blocks) {
  for (size_t n = 0; n < num_blocks; ++n, data += kSha512BlockSize) {
    uint64_t w[16];
    for (int i = 0; i < 16; ++i) w[i] = LoadBe64(data + 8 * i);
    uint64_t v[8];
    for (int i = 0; i < 8; ++i) v[i] = state[i];
    GenericRounds(std::make_integer_sequence<int, 80>(), v, w);
    for (int i = 0; i < 8; ++i) state[i] += v[i];
  }
}

#if defined(__x86_64__)
#define MIG_SHA512_AVX2 __attribute__((target("avx2,bmi,bmi2")))

namespace {

// 64-bit rotation of both lanes (AVX2 has no vector rotate for 64-bit lanes).
template <int n>
MIG_SHA512_AVX2 MIG_ALWAYS_INLINE __m128i Rotr(__m128i x) {
  return _mm_or_si128(_mm_srli_epi64(x, n), _mm_slli_epi64(x, 64 - n));
}

// Step s (0..39) of the message schedule: computes W[2s], W[2s+1] into x[s % 8] (a ring of eight
// 2-word vectors) and stores W + K for rounds 2s, 2s+1 into wk. For s >= 8,
//   W[t] = sigma1(W[t-2]) + W[t-7] + sigma0(W[t-15]) + W[t-16]   (t = 2s, 2s+1)
// where W[t-16..t-15] is pair s-8 (the slot being replaced), W[t-2..t-1] is pair s-1, and the odd offsets
// 15 and 7 straddle two pairs and are put together with PALIGNR.
template <int s>
MIG_SHA512_AVX2 MIG_ALWAYS_INLINE void ScheduleStep(__m128i* x, uint64_t* wk, const uint8_t* block) {
  if constexpr (s < 8) {
    const __m128i swap64 = _mm_set_epi64x(0x08090a0b0c0d0e0f, 0x0001020304050607);
    x[s] = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(block + 16 * s)), swap64);
  } else {
    const __m128i w15 = _mm_alignr_epi8(x[(s - 7) % 8], x[s % 8], 8);
    const __m128i w7 = _mm_alignr_epi8(x[(s - 3) % 8], x[(s - 4) % 8], 8);
    const __m128i w2 = x[(s - 1) % 8];
    const __m128i sigma0 = _mm_xor_si128(_mm_xor_si128(Rotr<1>(w15), Rotr<8>(w15)), _mm_srli_epi64(w15, 7));
    const __m128i sigma1 = _mm_xor_si128(_mm_xor_si128(Rotr<19>(w2), Rotr<61>(w2)), _mm_srli_epi64(w2, 6));
    x[s % 8] = _mm_add_epi64(_mm_add_epi64(x[s % 8], sigma0), _mm_add_epi64(w7, sigma1));
  }
  _mm_store_si128(reinterpret_cast<__m128i*>(wk + 2 * s),
                  _mm_add_epi64(x[s % 8], _mm_load_si128(reinterpret_cast<const __m128i*>(kK + 2 * s))));
}

template <int... s>
MIG_SHA512_AVX2 MIG_ALWAYS_INLINE void Schedule(std::integer_sequence<int, s...>, uint64_t* wk, const uint8_t* block) {
  __m128i x[8];
  (ScheduleStep<s>(x, wk, block), ...);
}

// Round t from the precomputed wk; with kScheduleNext, every other round also runs one step of the next
// block's schedule into wk_next.
template <int t, bool kScheduleNext>
MIG_SHA512_AVX2 MIG_ALWAYS_INLINE void Avx2Round(uint64_t* v, uint64_t& ab_prev, const uint64_t* wk, __m128i* x,
                                                 uint64_t* wk_next, const uint8_t* next) {
  if constexpr (kScheduleNext && t % 2 == 0) ScheduleStep<t / 2>(x, wk_next, next);
  Round<t, true>(v, ab_prev, wk[t]);
}

template <bool kScheduleNext, int... t>
MIG_SHA512_AVX2 MIG_ALWAYS_INLINE void Avx2Rounds(std::integer_sequence<int, t...>, uint64_t* v, const uint64_t* wk,
                                                  uint64_t* wk_next, const uint8_t* next) {
  uint64_t ab_prev = v[1] ^ v[2];
  __m128i x[8];
  (Avx2Round<t, kScheduleNext>(v, ab_prev, wk, x, wk_next, next), ...);
}

}  // namespace

MIG_SHA512_AVX2 void Sha512BlocksAvx2(uint64_t* state, const uint8_t* data, size_t num_blocks) {
  if (num_blocks == 0) return;
  // W + K of the current block and of the next one, alternately.
  alignas(16) uint64_t wk[2][80];
  Schedule(std::make_integer_sequence<int, 40>(), wk[0], data);
  uint64_t v[8];
  for (int i = 0; i < 8; ++i) v[i] = state[i];
  for (size_t n = 0; n < num_blocks; ++n) {
    if (n + 1 < num_blocks) {
      Avx2Rounds<true>(std::make_integer_sequence<int, 80>(), v, wk[n & 1], wk[(n + 1) & 1],
                       data + (n + 1) * kSha512BlockSize);
    } else {
      Avx2Rounds<false>(std::make_integer_sequence<int, 80>(), v, wk[n & 1], nullptr, nullptr);
    }
    for (int i = 0; i < 8; ++i) v[i] = state[i] += v[i];
  }
}

#undef MIG_SHA512_AVX2
#endif  // defined(__x86_64__)

#undef MIG_ALWAYS_INLINE

std::span<const BlockKernel<uint64_t>> Sha512Kernels() {
  static constexpr BlockKernel<uint64_t> kGeneric[] = {{"generic", Sha512BlocksGeneric}};
#if defined(__x86_64__)
  static constexpr BlockKernel<uint64_t> kAvx2[] = {{"avx2", Sha512BlocksAvx2}, {"generic", Sha512BlocksGeneric}};
  const CpuFeatures& cpu = GetCpuFeatures();
  if (cpu.avx2 && cpu.bmi1 && cpu.bmi2) return kAvx2;
#endif
  return kGeneric;
}

}  // namespace mig::crypto::internal
