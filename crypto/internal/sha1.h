// SHA-1 compression (FIPS 180-4 section 6.1): the block function over 64-byte blocks, portable and with
// the x86 SHA extensions. Padding and length encoding live in //crypto:digest.
//
//   uint32_t state[5] = {kSha1Init[0], ...};
//   Sha1Kernels().front().blocks(state, data, num_blocks);   // SHA-NI when the CPU has it
//
// Implementation detail of //crypto:digest; not part of its API.
#ifndef MIG_CRYPTO_INTERNAL_SHA1_H_
#define MIG_CRYPTO_INTERNAL_SHA1_H_

#include <cstddef>
#include <cstdint>
#include <span>

#include "crypto/internal/kernel.h"

namespace mig::crypto::internal {

inline constexpr size_t kSha1BlockSize = 64;
inline constexpr uint32_t kSha1Init[5] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0};

void Sha1BlocksGeneric(uint32_t* state, const uint8_t* data, size_t num_blocks);

#if defined(__x86_64__)
// Requires CpuFeatures::sha (SHA-NI with SSSE3 and SSE4.1).
void Sha1BlocksShaNi(uint32_t* state, const uint8_t* data, size_t num_blocks);
#endif

// Every SHA-1 kernel this CPU can run, best first.
std::span<const BlockKernel<uint32_t>> Sha1Kernels();

}  // namespace mig::crypto::internal

#endif  // MIG_CRYPTO_INTERNAL_SHA1_H_
