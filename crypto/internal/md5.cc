// MD5 block function, written from RFC 1321 section 3.4.
//
// All 64 steps are unrolled with constant shifts and sine constants. Each step is a chain of dependent
// operations through `b`, the previous step's result, so the code keeps that chain short: a + X[k] + T[i]
// is summed first (off the chain), and the auxiliary functions are written so that F, H and I need at
// most two operations after `b` is known and G only one (its two disjoint terms are added separately).
#include "crypto/internal/md5.h"

#include <bit>

namespace mig::crypto::internal {
namespace {

// F(x, y, z) = (x & y) | (~x & z)
inline uint32_t F(uint32_t x, uint32_t y, uint32_t z) { return z ^ (x & (y ^ z)); }
// H(x, y, z) = x ^ y ^ z
inline uint32_t H(uint32_t x, uint32_t y, uint32_t z) { return x ^ (y ^ z); }
// I(x, y, z) = y ^ (x | ~z)
inline uint32_t I(uint32_t x, uint32_t y, uint32_t z) { return y ^ (x | ~z); }

// Keeps the compiler from reassociating the sum across it. Without it, clang adds the step constant
// after F(b, c, d), which puts one more addition on the critical path of every step (600 instead of 750
// MB/s here).
#define MIG_MD5_BARRIER(v) __asm__("" : "+r"(v))

// a = b + ((a + F(b, c, d) + x + t) <<< s), and likewise for H and I.
#define MIG_MD5_STEP(f, a, b, c, d, x, t, s) \
  a += (x) + (t);                            \
  MIG_MD5_BARRIER(a);                        \
  a += f(b, c, d);                           \
  a = std::rotl(a, s) + b;

// G(x, y, z) = (x & z) | (y & ~z). The two terms never share a bit, so their sum equals their OR, and the
// one that does not involve b (the previous step's result), c & ~d, is added first.
#define MIG_MD5_STEP_G(a, b, c, d, x, t, s) \
  a += (c & ~d) + (x) + (t);                \
  MIG_MD5_BARRIER(a);                       \
  a += b & d;                               \
  a = std::rotl(a, s) + b;

void Md5Block(uint32_t* state, const uint8_t* p) {
  // Message words are read where they are used: keeping all 16 in registers would spill them anyway.
  auto x = [p](int i) { return LoadLe32(p + 4 * i); };

  uint32_t a = state[0], b = state[1], c = state[2], d = state[3];

  // Round 1: X[i], shifts 7 12 17 22.
  MIG_MD5_STEP(F, a, b, c, d, x(0), 0xd76aa478, 7)
  MIG_MD5_STEP(F, d, a, b, c, x(1), 0xe8c7b756, 12)
  MIG_MD5_STEP(F, c, d, a, b, x(2), 0x242070db, 17)
  MIG_MD5_STEP(F, b, c, d, a, x(3), 0xc1bdceee, 22)
  MIG_MD5_STEP(F, a, b, c, d, x(4), 0xf57c0faf, 7)
  MIG_MD5_STEP(F, d, a, b, c, x(5), 0x4787c62a, 12)
  MIG_MD5_STEP(F, c, d, a, b, x(6), 0xa8304613, 17)
  MIG_MD5_STEP(F, b, c, d, a, x(7), 0xfd469501, 22)
  MIG_MD5_STEP(F, a, b, c, d, x(8), 0x698098d8, 7)
  MIG_MD5_STEP(F, d, a, b, c, x(9), 0x8b44f7af, 12)
  MIG_MD5_STEP(F, c, d, a, b, x(10), 0xffff5bb1, 17)
  MIG_MD5_STEP(F, b, c, d, a, x(11), 0x895cd7be, 22)
  MIG_MD5_STEP(F, a, b, c, d, x(12), 0x6b901122, 7)
  MIG_MD5_STEP(F, d, a, b, c, x(13), 0xfd987193, 12)
  MIG_MD5_STEP(F, c, d, a, b, x(14), 0xa679438e, 17)
  MIG_MD5_STEP(F, b, c, d, a, x(15), 0x49b40821, 22)

  // Round 2: X[(1 + 5i) mod 16], shifts 5 9 14 20.
  MIG_MD5_STEP_G(a, b, c, d, x(1), 0xf61e2562, 5)
  MIG_MD5_STEP_G(d, a, b, c, x(6), 0xc040b340, 9)
  MIG_MD5_STEP_G(c, d, a, b, x(11), 0x265e5a51, 14)
  MIG_MD5_STEP_G(b, c, d, a, x(0), 0xe9b6c7aa, 20)
  MIG_MD5_STEP_G(a, b, c, d, x(5), 0xd62f105d, 5)
  MIG_MD5_STEP_G(d, a, b, c, x(10), 0x02441453, 9)
  MIG_MD5_STEP_G(c, d, a, b, x(15), 0xd8a1e681, 14)
  MIG_MD5_STEP_G(b, c, d, a, x(4), 0xe7d3fbc8, 20)
  MIG_MD5_STEP_G(a, b, c, d, x(9), 0x21e1cde6, 5)
  MIG_MD5_STEP_G(d, a, b, c, x(14), 0xc33707d6, 9)
  MIG_MD5_STEP_G(c, d, a, b, x(3), 0xf4d50d87, 14)
  MIG_MD5_STEP_G(b, c, d, a, x(8), 0x455a14ed, 20)
  MIG_MD5_STEP_G(a, b, c, d, x(13), 0xa9e3e905, 5)
  MIG_MD5_STEP_G(d, a, b, c, x(2), 0xfcefa3f8, 9)
  MIG_MD5_STEP_G(c, d, a, b, x(7), 0x676f02d9, 14)
  MIG_MD5_STEP_G(b, c, d, a, x(12), 0x8d2a4c8a, 20)

  // Round 3: X[(5 + 3i) mod 16], shifts 4 11 16 23.
  MIG_MD5_STEP(H, a, b, c, d, x(5), 0xfffa3942, 4)
  MIG_MD5_STEP(H, d, a, b, c, x(8), 0x8771f681, 11)
  MIG_MD5_STEP(H, c, d, a, b, x(11), 0x6d9d6122, 16)
  MIG_MD5_STEP(H, b, c, d, a, x(14), 0xfde5380c, 23)
  MIG_MD5_STEP(H, a, b, c, d, x(1), 0xa4beea44, 4)
  MIG_MD5_STEP(H, d, a, b, c, x(4), 0x4bdecfa9, 11)
  MIG_MD5_STEP(H, c, d, a, b, x(7), 0xf6bb4b60, 16)
  MIG_MD5_STEP(H, b, c, d, a, x(10), 0xbebfbc70, 23)
  MIG_MD5_STEP(H, a, b, c, d, x(13), 0x289b7ec6, 4)
  MIG_MD5_STEP(H, d, a, b, c, x(0), 0xeaa127fa, 11)
  MIG_MD5_STEP(H, c, d, a, b, x(3), 0xd4ef3085, 16)
  MIG_MD5_STEP(H, b, c, d, a, x(6), 0x04881d05, 23)
  MIG_MD5_STEP(H, a, b, c, d, x(9), 0xd9d4d039, 4)
  MIG_MD5_STEP(H, d, a, b, c, x(12), 0xe6db99e5, 11)
  MIG_MD5_STEP(H, c, d, a, b, x(15), 0x1fa27cf8, 16)
  MIG_MD5_STEP(H, b, c, d, a, x(2), 0xc4ac5665, 23)

  // Round 4: X[7i mod 16], shifts 6 10 15 21.
  MIG_MD5_STEP(I, a, b, c, d, x(0), 0xf4292244, 6)
  MIG_MD5_STEP(I, d, a, b, c, x(7), 0x432aff97, 10)
  MIG_MD5_STEP(I, c, d, a, b, x(14), 0xab9423a7, 15)
  MIG_MD5_STEP(I, b, c, d, a, x(5), 0xfc93a039, 21)
  MIG_MD5_STEP(I, a, b, c, d, x(12), 0x655b59c3, 6)
  MIG_MD5_STEP(I, d, a, b, c, x(3), 0x8f0ccc92, 10)
  MIG_MD5_STEP(I, c, d, a, b, x(10), 0xffeff47d, 15)
  MIG_MD5_STEP(I, b, c, d, a, x(1), 0x85845dd1, 21)
  MIG_MD5_STEP(I, a, b, c, d, x(8), 0x6fa87e4f, 6)
  MIG_MD5_STEP(I, d, a, b, c, x(15), 0xfe2ce6e0, 10)
  MIG_MD5_STEP(I, c, d, a, b, x(6), 0xa3014314, 15)
  MIG_MD5_STEP(I, b, c, d, a, x(13), 0x4e0811a1, 21)
  MIG_MD5_STEP(I, a, b, c, d, x(4), 0xf7537e82, 6)
  MIG_MD5_STEP(I, d, a, b, c, x(11), 0xbd3af235, 10)
  MIG_MD5_STEP(I, c, d, a, b, x(2), 0x2ad7d2bb, 15)
  MIG_MD5_STEP(I, b, c, d, a, x(9), 0xeb86d391, 21)

  state[0] += a;
  state[1] += b;
  state[2] += c;
  state[3] += d;
}

#undef MIG_MD5_STEP
#undef MIG_MD5_STEP_G
#undef MIG_MD5_BARRIER

}  // namespace

void Md5BlocksGeneric(uint32_t* state, const uint8_t* data, size_t num_blocks) {
  for (size_t i = 0; i < num_blocks; ++i) Md5Block(state, data + i * kMd5BlockSize);
}

std::span<const BlockKernel<uint32_t>> Md5Kernels() {
  static constexpr BlockKernel<uint32_t> kKernels[] = {{"generic", Md5BlocksGeneric}};
  return kKernels;
}

}  // namespace mig::crypto::internal
