// MD5 compression (RFC 1321): the block function over 64-byte blocks. Padding and length encoding live in
// //crypto:digest.
//
//   uint32_t state[4] = {kMd5Init[0], ...};
//   Md5Kernels().front().blocks(state, data, num_blocks);
//
// Implementation detail of //crypto:digest; not part of its API.
#ifndef MIG_CRYPTO_INTERNAL_MD5_H_
#define MIG_CRYPTO_INTERNAL_MD5_H_

#include <cstddef>
#include <cstdint>
#include <span>

#include "crypto/internal/kernel.h"

namespace mig::crypto::internal {

inline constexpr size_t kMd5BlockSize = 64;
inline constexpr uint32_t kMd5Init[4] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};

// Portable C++; MD5 has no instruction-set help on any CPU we target.
void Md5BlocksGeneric(uint32_t* state, const uint8_t* data, size_t num_blocks);

// Every MD5 kernel this CPU can run, best first.
std::span<const BlockKernel<uint32_t>> Md5Kernels();

}  // namespace mig::crypto::internal

#endif  // MIG_CRYPTO_INTERNAL_MD5_H_
