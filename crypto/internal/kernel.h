// Shared plumbing of the digest kernels: the description of a block-compression kernel, byte-order loads
// and stores, and the CPU features that choose between kernels at run time.
//
//   for (const BlockKernel<uint32_t>& kernel : Sha256Kernels()) {  // what this CPU can run, best first
//     kernel.blocks(state, data, num_blocks);
//   }
//   if (GetCpuFeatures().sha) ...
//
// Implementation detail of //crypto:digest; not part of its API.
#ifndef MIG_CRYPTO_INTERNAL_KERNEL_H_
#define MIG_CRYPTO_INTERNAL_KERNEL_H_

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace mig::crypto::internal {

// A compression function: folds `num_blocks` consecutive blocks at `data` into the chaining state.
// `Word` is the state's word type (uint32_t for MD5/SHA-1/SHA-256, uint64_t for SHA-512 and Keccak).
template <typename Word>
struct BlockKernel {
  std::string_view name;  // "generic", "sha-ni", "avx2", ...; reported by DigestImplementation().
  void (*blocks)(Word* state, const uint8_t* data, size_t num_blocks);
};

// The x86 features the kernels care about, as reported by CPUID and enabled by the OS (XGETBV). All false
// on other architectures.
struct CpuFeatures {
  bool ssse3 = false;
  bool sse41 = false;
  bool avx = false;
  bool avx2 = false;
  bool bmi1 = false;
  bool bmi2 = false;
  bool sha = false;       // SHA-NI: SHA1RNDS4, SHA256RNDS2, ...
  bool avx512vl = false;  // AVX-512 F + VL usable on 128/256-bit registers.
};

// Detected once; thread-safe.
const CpuFeatures& GetCpuFeatures();

inline constexpr bool kLittleEndian = std::endian::native == std::endian::little;

inline uint32_t LoadBe32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof(v));
  return kLittleEndian ? __builtin_bswap32(v) : v;
}

inline uint64_t LoadBe64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof(v));
  return kLittleEndian ? __builtin_bswap64(v) : v;
}

inline uint32_t LoadLe32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof(v));
  return kLittleEndian ? v : __builtin_bswap32(v);
}

inline uint64_t LoadLe64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof(v));
  return kLittleEndian ? v : __builtin_bswap64(v);
}

inline void StoreBe32(uint8_t* p, uint32_t v) {
  if (kLittleEndian) v = __builtin_bswap32(v);
  std::memcpy(p, &v, sizeof(v));
}

inline void StoreBe64(uint8_t* p, uint64_t v) {
  if (kLittleEndian) v = __builtin_bswap64(v);
  std::memcpy(p, &v, sizeof(v));
}

inline void StoreLe32(uint8_t* p, uint32_t v) {
  if (!kLittleEndian) v = __builtin_bswap32(v);
  std::memcpy(p, &v, sizeof(v));
}

inline void StoreLe64(uint8_t* p, uint64_t v) {
  if (!kLittleEndian) v = __builtin_bswap64(v);
  std::memcpy(p, &v, sizeof(v));
}

}  // namespace mig::crypto::internal

#endif  // MIG_CRYPTO_INTERNAL_KERNEL_H_
