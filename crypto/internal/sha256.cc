// SHA-256 block functions, written from FIPS 180-4 sections 4.1.2, 4.2.2, 6.2.2.
#include "crypto/internal/sha256.h"

#include <bit>
#include <utility>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace mig::crypto::internal {
namespace {

alignas(64) constexpr uint32_t kK[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

inline uint32_t BigSigma0(uint32_t x) { return std::rotr(x, 2) ^ std::rotr(x, 13) ^ std::rotr(x, 22); }
inline uint32_t BigSigma1(uint32_t x) { return std::rotr(x, 6) ^ std::rotr(x, 11) ^ std::rotr(x, 25); }
inline uint32_t SmallSigma0(uint32_t x) { return std::rotr(x, 7) ^ std::rotr(x, 18) ^ (x >> 3); }
inline uint32_t SmallSigma1(uint32_t x) { return std::rotr(x, 17) ^ std::rotr(x, 19) ^ (x >> 10); }
inline uint32_t Ch(uint32_t x, uint32_t y, uint32_t z) { return z ^ (x & (y ^ z)); }

#define MIG_ALWAYS_INLINE __attribute__((always_inline)) inline

// Round t of the portable kernel, fully unrolled through templates: the working variables live in v[]
// and are renamed by index instead of moved (a is v[-t mod 8], b is v[1 - t mod 8], ...), W[t] is
// computed in the 16-word ring w, and `ab_prev` carries a ^ b of the previous round, because
// Maj(a, b, c) = b ^ ((a ^ b) & (b ^ c)) and this round's b ^ c is the previous round's a ^ b.
template <int t>
MIG_ALWAYS_INLINE void Round(uint32_t* v, uint32_t& ab_prev, uint32_t* w) {
  constexpr int kA = (8 - t % 8) % 8;
  uint32_t &a = v[kA], &b = v[(kA + 1) % 8], &d = v[(kA + 3) % 8], &e = v[(kA + 4) % 8], &f = v[(kA + 5) % 8],
           &g = v[(kA + 6) % 8], &h = v[(kA + 7) % 8];
  if constexpr (t >= 16) {
    w[t % 16] += SmallSigma1(w[(t - 2) % 16]) + w[(t - 7) % 16] + SmallSigma0(w[(t - 15) % 16]);
  }
  h += BigSigma1(e) + Ch(e, f, g) + kK[t] + w[t % 16];
  d += h;
  const uint32_t ab = a ^ b;
  h += BigSigma0(a) + (b ^ (ab & ab_prev));
  ab_prev = ab;
}

template <int... t>
MIG_ALWAYS_INLINE void Rounds(std::integer_sequence<int, t...>, uint32_t* v, uint32_t* w) {
  uint32_t ab_prev = v[1] ^ v[2];
  (Round<t>(v, ab_prev, w), ...);
}

#undef MIG_ALWAYS_INLINE

}  // namespace

void Sha256BlocksGeneric(uint32_t* state, const uint8_t* data, size_t num_blocks) {
  for (size_t n = 0; n < num_blocks; ++n, data += kSha256BlockSize) {
    uint32_t w[16];
    for (int i = 0; i < 16; ++i) w[i] = LoadBe32(data + 4 * i);
    uint32_t v[8];
    for (int i = 0; i < 8; ++i) v[i] = state[i];
    Rounds(std::make_integer_sequence<int, 64>(), v, w);
    for (int i = 0; i < 8; ++i) state[i] += v[i];
  }
}

#if defined(__x86_64__)
// SHA-NI. SHA256RNDS2 runs two rounds on the state split as {A, B, E, F} and {C, D, G, H} (lanes 3..0),
// taking W[t] + K[t] for the two rounds in lanes 0 and 1 of a third register; after two rounds the old
// {A, B, E, F} is the new {C, D, G, H}, so the two halves swap roles between calls.
//
// The 64 rounds run as 16 groups of four; M[g] holds W[4g .. 4g+3] in lanes 0..3. For g >= 4:
//   M[g] = SHA256MSG2(SHA256MSG1(M[g-4], M[g-3]) + {W[4g-7] .. W[4g-4]}, M[g-1])
// where SHA256MSG1 adds sigma0(W[t-15]) to W[t-16], the middle term is W[t-7] taken across M[g-2] and
// M[g-1] with PALIGNR, and SHA256MSG2 adds sigma1(W[t-2]).
#define MIG_SHA256_TARGET __attribute__((target("sha,sse4.1,ssse3")))

namespace {

template <int g>
MIG_SHA256_TARGET inline void Group(__m128i& abef, __m128i& cdgh, __m128i* msg) {
  constexpr int i = g & 3;
  if constexpr (g >= 4) {
    // msg[i] holds SHA256MSG1(M[g-4], M[g-3]) from group g-2.
    const __m128i w_minus_7 = _mm_alignr_epi8(msg[(g - 1) & 3], msg[(g - 2) & 3], 4);
    msg[i] = _mm_sha256msg2_epu32(_mm_add_epi32(msg[i], w_minus_7), msg[(g - 1) & 3]);
  }
  const __m128i wk = _mm_add_epi32(msg[i], _mm_load_si128(reinterpret_cast<const __m128i*>(kK + 4 * g)));
  cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk);
  abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_unpackhi_epi64(wk, wk));
  // M[g+2] starts with SHA256MSG1(M[g-2], M[g-1]); M[g-2] was last needed at the top of this group.
  if constexpr (g >= 2 && g + 2 < 16) {
    msg[(g - 2) & 3] = _mm_sha256msg1_epu32(msg[(g - 2) & 3], msg[(g - 1) & 3]);
  }
}

template <int... g>
MIG_SHA256_TARGET inline void AllGroups(std::integer_sequence<int, g...>, __m128i& abef, __m128i& cdgh, __m128i* msg) {
  (Group<g>(abef, cdgh, msg), ...);
}

}  // namespace

MIG_SHA256_TARGET void Sha256BlocksShaNi(uint32_t* state, const uint8_t* data, size_t num_blocks) {
  const __m128i swap_words = _mm_set_epi64x(0x0c0d0e0f08090a0b, 0x0405060700010203);
  // {a, b, c, d} and {e, f, g, h} in lanes 0..3 become {f, e, b, a} and {h, g, d, c}.
  const __m128i dcba = _mm_loadu_si128(reinterpret_cast<const __m128i*>(state));
  const __m128i hgfe = _mm_loadu_si128(reinterpret_cast<const __m128i*>(state + 4));
  const __m128i cdab = _mm_shuffle_epi32(dcba, 0xb1);  // lanes 0..3: b, a, d, c
  const __m128i efgh = _mm_shuffle_epi32(hgfe, 0x1b);  // lanes 0..3: h, g, f, e
  __m128i abef = _mm_alignr_epi8(cdab, efgh, 8);       // f, e, b, a
  __m128i cdgh = _mm_blend_epi16(efgh, cdab, 0xf0);    // h, g, d, c

  for (size_t n = 0; n < num_blocks; ++n, data += kSha256BlockSize) {
    const __m128i abef_save = abef;
    const __m128i cdgh_save = cdgh;
    __m128i msg[4];
    for (int i = 0; i < 4; ++i) {
      msg[i] = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(data + 16 * i)), swap_words);
    }
    AllGroups(std::make_integer_sequence<int, 16>(), abef, cdgh, msg);
    abef = _mm_add_epi32(abef, abef_save);
    cdgh = _mm_add_epi32(cdgh, cdgh_save);
  }

  const __m128i feba = _mm_shuffle_epi32(abef, 0x1b);  // lanes 0..3: a, b, e, f
  const __m128i dchg = _mm_shuffle_epi32(cdgh, 0xb1);  // lanes 0..3: g, h, c, d
  _mm_storeu_si128(reinterpret_cast<__m128i*>(state), _mm_blend_epi16(feba, dchg, 0xf0));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(state + 4), _mm_alignr_epi8(dchg, feba, 8));
}

#undef MIG_SHA256_TARGET
#endif  // defined(__x86_64__)

std::span<const BlockKernel<uint32_t>> Sha256Kernels() {
  static constexpr BlockKernel<uint32_t> kGeneric[] = {{"generic", Sha256BlocksGeneric}};
#if defined(__x86_64__)
  static constexpr BlockKernel<uint32_t> kShaNi[] = {{"sha-ni", Sha256BlocksShaNi}, {"generic", Sha256BlocksGeneric}};
  if (GetCpuFeatures().sha) return kShaNi;
#endif
  return kGeneric;
}

}  // namespace mig::crypto::internal
