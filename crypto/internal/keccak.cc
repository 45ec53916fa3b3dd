// Keccak-f[1600] (FIPS 202 sections 3.2 and 3.3) and sponge absorption.
//
// Each round applies theta, rho and pi, chi and iota. The rotation offsets of rho and the lane
// permutation of pi are folded into constant indices: B[y, 2x + 3y] = ROT(A[x, y] ^ D[x], r[x, y]).
//
// The permutation is compiled twice: portable, and with BMI1 (x86), whose ANDN computes chi's ~b & c in
// one instruction; that removes 25 of the ~150 operations of a round.
#include "crypto/internal/keccak.h"

#include <bit>

#include "crypto/internal/kernel.h"

namespace mig::crypto::internal {
namespace {

// RC[i] of FIPS 202 section 3.2.5 (the output of the rc(t) LFSR placed at bit positions 2^j - 1).
// clang-format off
constexpr uint64_t kRoundConstants[24] = {
    0x0000000000000001, 0x0000000000008082, 0x800000000000808a, 0x8000000080008000,
    0x000000000000808b, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
    0x000000000000008a, 0x0000000000000088, 0x0000000080008009, 0x000000008000000a,
    0x000000008000808b, 0x800000000000008b, 0x8000000000008089, 0x8000000000008003,
    0x8000000000008002, 0x8000000000000080, 0x000000000000800a, 0x800000008000000a,
    0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
};
// clang-format on

#define MIG_ALWAYS_INLINE __attribute__((always_inline)) inline

MIG_ALWAYS_INLINE void Permute(uint64_t* state) {
  // A local copy with constant indices lets the compiler keep lanes in registers across rounds.
  uint64_t a[kKeccakStateWords];
  for (size_t i = 0; i < kKeccakStateWords; ++i) a[i] = state[i];
  for (int round = 0; round < 24; ++round) {
    // theta
    const uint64_t c0 = a[0] ^ a[5] ^ a[10] ^ a[15] ^ a[20];
    const uint64_t c1 = a[1] ^ a[6] ^ a[11] ^ a[16] ^ a[21];
    const uint64_t c2 = a[2] ^ a[7] ^ a[12] ^ a[17] ^ a[22];
    const uint64_t c3 = a[3] ^ a[8] ^ a[13] ^ a[18] ^ a[23];
    const uint64_t c4 = a[4] ^ a[9] ^ a[14] ^ a[19] ^ a[24];
    const uint64_t d0 = c4 ^ std::rotl(c1, 1);
    const uint64_t d1 = c0 ^ std::rotl(c2, 1);
    const uint64_t d2 = c1 ^ std::rotl(c3, 1);
    const uint64_t d3 = c2 ^ std::rotl(c4, 1);
    const uint64_t d4 = c3 ^ std::rotl(c0, 1);
    // rho and pi
    const uint64_t b0 = a[0] ^ d0;
    const uint64_t b1 = std::rotl(a[6] ^ d1, 44);
    const uint64_t b2 = std::rotl(a[12] ^ d2, 43);
    const uint64_t b3 = std::rotl(a[18] ^ d3, 21);
    const uint64_t b4 = std::rotl(a[24] ^ d4, 14);
    const uint64_t b5 = std::rotl(a[3] ^ d3, 28);
    const uint64_t b6 = std::rotl(a[9] ^ d4, 20);
    const uint64_t b7 = std::rotl(a[10] ^ d0, 3);
    const uint64_t b8 = std::rotl(a[16] ^ d1, 45);
    const uint64_t b9 = std::rotl(a[22] ^ d2, 61);
    const uint64_t b10 = std::rotl(a[1] ^ d1, 1);
    const uint64_t b11 = std::rotl(a[7] ^ d2, 6);
    const uint64_t b12 = std::rotl(a[13] ^ d3, 25);
    const uint64_t b13 = std::rotl(a[19] ^ d4, 8);
    const uint64_t b14 = std::rotl(a[20] ^ d0, 18);
    const uint64_t b15 = std::rotl(a[4] ^ d4, 27);
    const uint64_t b16 = std::rotl(a[5] ^ d0, 36);
    const uint64_t b17 = std::rotl(a[11] ^ d1, 10);
    const uint64_t b18 = std::rotl(a[17] ^ d2, 15);
    const uint64_t b19 = std::rotl(a[23] ^ d3, 56);
    const uint64_t b20 = std::rotl(a[2] ^ d2, 62);
    const uint64_t b21 = std::rotl(a[8] ^ d3, 55);
    const uint64_t b22 = std::rotl(a[14] ^ d4, 39);
    const uint64_t b23 = std::rotl(a[15] ^ d0, 41);
    const uint64_t b24 = std::rotl(a[21] ^ d1, 2);
    // chi
    a[0] = b0 ^ (~b1 & b2);
    a[1] = b1 ^ (~b2 & b3);
    a[2] = b2 ^ (~b3 & b4);
    a[3] = b3 ^ (~b4 & b0);
    a[4] = b4 ^ (~b0 & b1);
    a[5] = b5 ^ (~b6 & b7);
    a[6] = b6 ^ (~b7 & b8);
    a[7] = b7 ^ (~b8 & b9);
    a[8] = b8 ^ (~b9 & b5);
    a[9] = b9 ^ (~b5 & b6);
    a[10] = b10 ^ (~b11 & b12);
    a[11] = b11 ^ (~b12 & b13);
    a[12] = b12 ^ (~b13 & b14);
    a[13] = b13 ^ (~b14 & b10);
    a[14] = b14 ^ (~b10 & b11);
    a[15] = b15 ^ (~b16 & b17);
    a[16] = b16 ^ (~b17 & b18);
    a[17] = b17 ^ (~b18 & b19);
    a[18] = b18 ^ (~b19 & b15);
    a[19] = b19 ^ (~b15 & b16);
    a[20] = b20 ^ (~b21 & b22);
    a[21] = b21 ^ (~b22 & b23);
    a[22] = b22 ^ (~b23 & b24);
    a[23] = b23 ^ (~b24 & b20);
    a[24] = b24 ^ (~b20 & b21);
    // iota
    a[0] ^= kRoundConstants[round];
  }
  for (size_t i = 0; i < kKeccakStateWords; ++i) state[i] = a[i];
}

MIG_ALWAYS_INLINE void Absorb(uint64_t* state, const uint8_t* data, size_t num_blocks, size_t rate_bytes) {
  for (size_t n = 0; n < num_blocks; ++n, data += rate_bytes) {
    for (size_t i = 0; i < rate_bytes / 8; ++i) state[i] ^= LoadLe64(data + 8 * i);
    Permute(state);
  }
}

}  // namespace

void KeccakF1600(uint64_t* state) { Permute(state); }

void KeccakAbsorbGeneric(uint64_t* state, const uint8_t* data, size_t num_blocks, size_t rate_bytes) {
  Absorb(state, data, num_blocks, rate_bytes);
}

#if defined(__x86_64__)
__attribute__((target("bmi"))) void KeccakAbsorbBmi1(uint64_t* state, const uint8_t* data, size_t num_blocks,
                                                     size_t rate_bytes) {
  Absorb(state, data, num_blocks, rate_bytes);
}
#endif

#undef MIG_ALWAYS_INLINE

std::span<const KeccakKernel> KeccakKernels() {
  static constexpr KeccakKernel kGeneric[] = {{"generic", KeccakAbsorbGeneric}};
#if defined(__x86_64__)
  static constexpr KeccakKernel kBmi1[] = {{"bmi1", KeccakAbsorbBmi1}, {"generic", KeccakAbsorbGeneric}};
  if (GetCpuFeatures().bmi1) return kBmi1;
#endif
  return kGeneric;
}

}  // namespace mig::crypto::internal
