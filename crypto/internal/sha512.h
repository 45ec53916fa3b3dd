// SHA-512 compression (FIPS 180-4 section 6.4), also used by SHA-384: the block function over 128-byte
// blocks, portable and with an AVX2 message schedule. Padding and length encoding live in //crypto:digest.
//
//   uint64_t state[8] = {kSha512Init[0], ...};
//   Sha512Kernels().front().blocks(state, data, num_blocks);
//
// Implementation detail of //crypto:digest; not part of its API.
#ifndef MIG_CRYPTO_INTERNAL_SHA512_H_
#define MIG_CRYPTO_INTERNAL_SHA512_H_

#include <cstddef>
#include <cstdint>
#include <span>

#include "crypto/internal/kernel.h"

namespace mig::crypto::internal {

inline constexpr size_t kSha512BlockSize = 128;
// clang-format off
inline constexpr uint64_t kSha512Init[8] = {
    0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b, 0xa54ff53a5f1d36f1,
    0x510e527fade682d1, 0x9b05688c2b3e6c1f, 0x1f83d9abfb41bd6b, 0x5be0cd19137e2179,
};
inline constexpr uint64_t kSha384Init[8] = {
    0xcbbb9d5dc1059ed8, 0x629a292a367cd507, 0x9159015a3070dd17, 0x152fecd8f70e5939,
    0x67332667ffc00b31, 0x8eb44a8768581511, 0xdb0c2e0d64f98fa7, 0x47b5481dbefa4fa4,
};
// clang-format on

void Sha512BlocksGeneric(uint64_t* state, const uint8_t* data, size_t num_blocks);

#if defined(__x86_64__)
// Requires CpuFeatures::avx2, bmi1 and bmi2.
void Sha512BlocksAvx2(uint64_t* state, const uint8_t* data, size_t num_blocks);
#endif

// Every SHA-512 kernel this CPU can run, best first.
std::span<const BlockKernel<uint64_t>> Sha512Kernels();

}  // namespace mig::crypto::internal

#endif  // MIG_CRYPTO_INTERNAL_SHA512_H_
