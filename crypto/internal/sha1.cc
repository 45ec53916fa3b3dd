// SHA-1 block functions, written from FIPS 180-4 sections 5.3.1, 6.1.2 and 4.1.1.
#include "crypto/internal/sha1.h"

#include <bit>
#include <utility>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace mig::crypto::internal {
namespace {

// Ch, Parity and Maj of FIPS 180-4 4.1.1, in forms with short dependency chains through x.
inline uint32_t Ch(uint32_t x, uint32_t y, uint32_t z) { return z ^ (x & (y ^ z)); }
inline uint32_t Parity(uint32_t x, uint32_t y, uint32_t z) { return x ^ y ^ z; }
inline uint32_t Maj(uint32_t x, uint32_t y, uint32_t z) { return (x & y) | (z & (x | y)); }

// One round with the working variables renamed instead of moved: the caller rotates the argument order.
#define MIG_SHA1_ROUND(f, k, a, b, c, d, e, w)   \
  e += std::rotl(a, 5) + f(b, c, d) + (k) + (w); \
  b = std::rotl(b, 30);

void Sha1Block(uint32_t* state, const uint8_t* p) {
  uint32_t w[16];
  for (int i = 0; i < 16; ++i) w[i] = LoadBe32(p + 4 * i);
  // W[t] for t >= 16, kept in a 16-word ring.
  auto next = [&w](int t) {
    uint32_t v = std::rotl(w[(t - 3) & 15] ^ w[(t - 8) & 15] ^ w[(t - 14) & 15] ^ w[t & 15], 1);
    w[t & 15] = v;
    return v;
  };

  uint32_t a = state[0], b = state[1], c = state[2], d = state[3], e = state[4];
  int t = 0;
  for (; t < 15; t += 5) {
    MIG_SHA1_ROUND(Ch, 0x5a827999, a, b, c, d, e, w[t])
    MIG_SHA1_ROUND(Ch, 0x5a827999, e, a, b, c, d, w[t + 1])
    MIG_SHA1_ROUND(Ch, 0x5a827999, d, e, a, b, c, w[t + 2])
    MIG_SHA1_ROUND(Ch, 0x5a827999, c, d, e, a, b, w[t + 3])
    MIG_SHA1_ROUND(Ch, 0x5a827999, b, c, d, e, a, w[t + 4])
  }
  MIG_SHA1_ROUND(Ch, 0x5a827999, a, b, c, d, e, w[15])
  MIG_SHA1_ROUND(Ch, 0x5a827999, e, a, b, c, d, next(16))
  MIG_SHA1_ROUND(Ch, 0x5a827999, d, e, a, b, c, next(17))
  MIG_SHA1_ROUND(Ch, 0x5a827999, c, d, e, a, b, next(18))
  MIG_SHA1_ROUND(Ch, 0x5a827999, b, c, d, e, a, next(19))
  for (t = 20; t < 40; t += 5) {
    MIG_SHA1_ROUND(Parity, 0x6ed9eba1, a, b, c, d, e, next(t))
    MIG_SHA1_ROUND(Parity, 0x6ed9eba1, e, a, b, c, d, next(t + 1))
    MIG_SHA1_ROUND(Parity, 0x6ed9eba1, d, e, a, b, c, next(t + 2))
    MIG_SHA1_ROUND(Parity, 0x6ed9eba1, c, d, e, a, b, next(t + 3))
    MIG_SHA1_ROUND(Parity, 0x6ed9eba1, b, c, d, e, a, next(t + 4))
  }
  for (; t < 60; t += 5) {
    MIG_SHA1_ROUND(Maj, 0x8f1bbcdc, a, b, c, d, e, next(t))
    MIG_SHA1_ROUND(Maj, 0x8f1bbcdc, e, a, b, c, d, next(t + 1))
    MIG_SHA1_ROUND(Maj, 0x8f1bbcdc, d, e, a, b, c, next(t + 2))
    MIG_SHA1_ROUND(Maj, 0x8f1bbcdc, c, d, e, a, b, next(t + 3))
    MIG_SHA1_ROUND(Maj, 0x8f1bbcdc, b, c, d, e, a, next(t + 4))
  }
  for (; t < 80; t += 5) {
    MIG_SHA1_ROUND(Parity, 0xca62c1d6, a, b, c, d, e, next(t))
    MIG_SHA1_ROUND(Parity, 0xca62c1d6, e, a, b, c, d, next(t + 1))
    MIG_SHA1_ROUND(Parity, 0xca62c1d6, d, e, a, b, c, next(t + 2))
    MIG_SHA1_ROUND(Parity, 0xca62c1d6, c, d, e, a, b, next(t + 3))
    MIG_SHA1_ROUND(Parity, 0xca62c1d6, b, c, d, e, a, next(t + 4))
  }

  state[0] += a;
  state[1] += b;
  state[2] += c;
  state[3] += d;
  state[4] += e;
}

#undef MIG_SHA1_ROUND

}  // namespace

void Sha1BlocksGeneric(uint32_t* state, const uint8_t* data, size_t num_blocks) {
  for (size_t i = 0; i < num_blocks; ++i) Sha1Block(state, data + i * kSha1BlockSize);
}

#if defined(__x86_64__)
// SHA-NI. The 80 rounds run as 20 groups of four (SHA1RNDS4). In a register, A..D sit in lanes 3..0 and E
// (plus the group's message words) in lane 3 of a second register; the message words of a group sit in
// lanes 3..0 in order W[4g], ..., W[4g+3], which is the byte reversal of the 16 loaded bytes.
//
// Message schedule for a group g >= 4 (W[t] = rotl1(W[t-3] ^ W[t-8] ^ W[t-14] ^ W[t-16])):
//   SHA1MSG1(M[g-4], M[g-3]) gives W[t-16] ^ W[t-14], XOR with M[g-2] adds W[t-8], and SHA1MSG2 with
//   M[g-1] adds W[t-3] (including the word computed within the same group) and rotates.
// E for group g > 0 is rotl30 of A at the start of group g-1, added to the message by SHA1NEXTE.
#define MIG_SHA1_TARGET __attribute__((target("sha,sse4.1,ssse3")))

namespace {

template <int kFunction>
MIG_SHA1_TARGET inline __m128i Rounds4(__m128i abcd, __m128i e_plus_w) {
  return _mm_sha1rnds4_epu32(abcd, e_plus_w, kFunction);
}

// Runs group `g` (rounds 4g .. 4g+3). `msg` holds M[g % 4] on entry, which is computed here for g >= 4;
// `abcd_prev` is A..D at the start of the previous group.
template <int g>
MIG_SHA1_TARGET inline void Group(__m128i& abcd, __m128i& abcd_prev, __m128i& e0, __m128i* msg) {
  constexpr int i = g & 3;
  if constexpr (g >= 4) {
    // msg[i] holds SHA1MSG1(M[g-4], M[g-3]) ^ M[g-2], prepared by groups g-3 and g-2 (below).
    msg[i] = _mm_sha1msg2_epu32(msg[i], msg[(g - 1) & 3]);
  }
  __m128i e_plus_w;
  if constexpr (g == 0) {
    e_plus_w = _mm_add_epi32(e0, msg[0]);
  } else {
    e_plus_w = _mm_sha1nexte_epu32(abcd_prev, msg[i]);
  }
  abcd_prev = abcd;
  abcd = Rounds4<g / 5>(abcd, e_plus_w);
  // Prepare later groups' message words while this group's rounds execute: SHA1MSG1(M[g-1], M[g]) for
  // M[g+3], and the XOR with M[g] for M[g+2] (whose SHA1MSG1 part group g-1 computed).
  if constexpr (g >= 1 && g + 3 < 20) {
    msg[(g - 1) & 3] = _mm_sha1msg1_epu32(msg[(g - 1) & 3], msg[i]);
  }
  if constexpr (g >= 2 && g + 2 < 20) {
    msg[(g - 2) & 3] = _mm_xor_si128(msg[(g - 2) & 3], msg[i]);
  }
}

template <int... g>
MIG_SHA1_TARGET inline void AllGroups(std::integer_sequence<int, g...>, __m128i& abcd, __m128i& abcd_prev, __m128i& e0,
                                      __m128i* msg) {
  (Group<g>(abcd, abcd_prev, e0, msg), ...);
}

}  // namespace

MIG_SHA1_TARGET void Sha1BlocksShaNi(uint32_t* state, const uint8_t* data, size_t num_blocks) {
  const __m128i reverse_bytes = _mm_set_epi64x(0x0001020304050607, 0x08090a0b0c0d0e0f);
  // A in lane 3 ... D in lane 0.
  __m128i abcd = _mm_shuffle_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(state)), 0x1b);
  __m128i e0 = _mm_set_epi32(static_cast<int>(state[4]), 0, 0, 0);

  for (size_t n = 0; n < num_blocks; ++n, data += kSha1BlockSize) {
    const __m128i abcd_save = abcd;
    const __m128i e_save = e0;
    __m128i msg[4];
    for (int i = 0; i < 4; ++i) {
      msg[i] = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(data + 16 * i)), reverse_bytes);
    }
    __m128i abcd_prev = abcd;
    AllGroups(std::make_integer_sequence<int, 20>(), abcd, abcd_prev, e0, msg);
    // E after the last group is rotl30(A at the start of group 19), added to the saved E.
    e0 = _mm_sha1nexte_epu32(abcd_prev, e_save);
    abcd = _mm_add_epi32(abcd, abcd_save);
  }

  _mm_storeu_si128(reinterpret_cast<__m128i*>(state), _mm_shuffle_epi32(abcd, 0x1b));
  state[4] = static_cast<uint32_t>(_mm_extract_epi32(e0, 3));
}

#undef MIG_SHA1_TARGET
#endif  // defined(__x86_64__)

std::span<const BlockKernel<uint32_t>> Sha1Kernels() {
  static constexpr BlockKernel<uint32_t> kGeneric[] = {{"generic", Sha1BlocksGeneric}};
#if defined(__x86_64__)
  static constexpr BlockKernel<uint32_t> kShaNi[] = {{"sha-ni", Sha1BlocksShaNi}, {"generic", Sha1BlocksGeneric}};
  if (GetCpuFeatures().sha) return kShaNi;
#endif
  return kGeneric;
}

}  // namespace mig::crypto::internal
