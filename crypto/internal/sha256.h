// SHA-256 compression (FIPS 180-4 section 6.2), also used by SHA-224: the block function over 64-byte
// blocks, portable and with the x86 SHA extensions. Padding and length encoding live in //crypto:digest.
//
//   uint32_t state[8] = {kSha256Init[0], ...};
//   Sha256Kernels().front().blocks(state, data, num_blocks);   // SHA-NI when the CPU has it
//
// Implementation detail of //crypto:digest; not part of its API.
#ifndef MIG_CRYPTO_INTERNAL_SHA256_H_
#define MIG_CRYPTO_INTERNAL_SHA256_H_

#include <cstddef>
#include <cstdint>
#include <span>

#include "crypto/internal/kernel.h"

namespace mig::crypto::internal {

inline constexpr size_t kSha256BlockSize = 64;
inline constexpr uint32_t kSha256Init[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                            0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
inline constexpr uint32_t kSha224Init[8] = {0xc1059ed8, 0x367cd507, 0x3070dd17, 0xf70e5939,
                                            0xffc00b31, 0x68581511, 0x64f98fa7, 0xbefa4fa4};

void Sha256BlocksGeneric(uint32_t* state, const uint8_t* data, size_t num_blocks);

#if defined(__x86_64__)
// Requires CpuFeatures::sha (SHA-NI with SSSE3 and SSE4.1).
void Sha256BlocksShaNi(uint32_t* state, const uint8_t* data, size_t num_blocks);
#endif

// Every SHA-256 kernel this CPU can run, best first.
std::span<const BlockKernel<uint32_t>> Sha256Kernels();

}  // namespace mig::crypto::internal

#endif  // MIG_CRYPTO_INTERNAL_SHA256_H_
