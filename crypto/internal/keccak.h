// Keccak-f[1600] and the sponge absorption behind SHA-3 (FIPS 202). Padding (the SHA-3 domain bits 01
// followed by pad10*1, i.e. the byte 0x06 ... 0x80) and squeezing live in //crypto:digest.
//
//   uint64_t state[kKeccakStateWords] = {};
//   KeccakKernels().front().absorb(state, data, num_blocks, 136);   // SHA3-256: rate 136 bytes
//
// Implementation detail of //crypto:digest; not part of its API.
#ifndef MIG_CRYPTO_INTERNAL_KECCAK_H_
#define MIG_CRYPTO_INTERNAL_KECCAK_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace mig::crypto::internal {

inline constexpr size_t kKeccakStateWords = 25;

// The permutation, on lanes A[x, y] stored at state[x + 5 * y] (FIPS 202 section 3.1.2, with each lane's
// bits in little-endian order). Portable.
void KeccakF1600(uint64_t* state);

// Absorption: XORs each of `num_blocks` blocks of `rate_bytes` into the state (as little-endian lanes) and
// permutes. `rate_bytes` is a multiple of 8 below 200 (144, 136, 104 or 72 for SHA-3).
struct KeccakKernel {
  std::string_view name;
  void (*absorb)(uint64_t* state, const uint8_t* data, size_t num_blocks, size_t rate_bytes);
};

void KeccakAbsorbGeneric(uint64_t* state, const uint8_t* data, size_t num_blocks, size_t rate_bytes);

#if defined(__x86_64__)
// Requires CpuFeatures::bmi1.
void KeccakAbsorbBmi1(uint64_t* state, const uint8_t* data, size_t num_blocks, size_t rate_bytes);
#endif

// Every Keccak kernel this CPU can run, best first.
std::span<const KeccakKernel> KeccakKernels();

}  // namespace mig::crypto::internal

#endif  // MIG_CRYPTO_INTERNAL_KECCAK_H_
