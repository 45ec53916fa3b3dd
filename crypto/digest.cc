#include "crypto/digest.h"

#include <algorithm>
#include <cstring>
#include <iterator>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "crypto/internal/keccak.h"
#include "crypto/internal/kernel.h"
#include "crypto/internal/md5.h"
#include "crypto/internal/sha1.h"
#include "crypto/internal/sha256.h"
#include "crypto/internal/sha512.h"

namespace mig::crypto {
namespace internal {

// How the message is padded and the result read out of the chaining state.
enum class Padding : uint8_t {
  kMd5,    // 0x80, zeros, 64-bit little-endian bit length; little-endian 32-bit output words.
  kSha32,  // 0x80, zeros, 64-bit big-endian bit length; big-endian 32-bit output words.
  kSha64,  // 0x80, zeros, 128-bit big-endian bit length; big-endian 64-bit output words.
  kSha3,   // 0x06, zeros, 0x80 in the last byte of the block; little-endian lanes.
};

struct DigestOps {
  std::string_view name;
  uint8_t digest_size;
  uint8_t block_size;
  Padding padding;
  // Initial chaining values: init_words of init32 or of init64; none for SHA-3 (all zero).
  uint8_t init_words;
  const uint32_t* init32;
  const uint64_t* init64;
  void (*compress)(DigestState& state, const uint8_t* data, size_t num_blocks);
  std::string_view (*implementation)();
};

namespace {

// The best kernel of a family, chosen once (on first use) from the CPU features.
template <typename Word, std::span<const BlockKernel<Word>> (*kKernels)()>
const BlockKernel<Word>& Best() {
  static const BlockKernel<Word> kernel = kKernels().front();
  return kernel;
}

template <std::span<const BlockKernel<uint32_t>> (*kKernels)()>
struct Kernel32 {
  static void Compress(DigestState& state, const uint8_t* data, size_t num_blocks) {
    Best<uint32_t, kKernels>().blocks(state.w32, data, num_blocks);
  }
  static std::string_view Name() { return Best<uint32_t, kKernels>().name; }
};

template <std::span<const BlockKernel<uint64_t>> (*kKernels)()>
struct Kernel64 {
  static void Compress(DigestState& state, const uint8_t* data, size_t num_blocks) {
    Best<uint64_t, kKernels>().blocks(state.w64, data, num_blocks);
  }
  static std::string_view Name() { return Best<uint64_t, kKernels>().name; }
};

const KeccakKernel& BestKeccak() {
  static const KeccakKernel kernel = KeccakKernels().front();
  return kernel;
}

template <size_t kRate>
struct Sponge {
  static void Compress(DigestState& state, const uint8_t* data, size_t num_blocks) {
    BestKeccak().absorb(state.w64, data, num_blocks, kRate);
  }
  static std::string_view Name() { return BestKeccak().name; }
};

using Md5 = Kernel32<Md5Kernels>;
using Sha1 = Kernel32<Sha1Kernels>;
using Sha256 = Kernel32<Sha256Kernels>;
using Sha512 = Kernel64<Sha512Kernels>;

// Indexed by DigestAlgorithm.
constexpr DigestOps kOps[kNumDigestAlgorithms] = {
    {"md5", 16, 64, Padding::kMd5, 4, kMd5Init, nullptr, Md5::Compress, Md5::Name},
    {"sha1", 20, 64, Padding::kSha32, 5, kSha1Init, nullptr, Sha1::Compress, Sha1::Name},
    {"sha224", 28, 64, Padding::kSha32, 8, kSha224Init, nullptr, Sha256::Compress, Sha256::Name},
    {"sha256", 32, 64, Padding::kSha32, 8, kSha256Init, nullptr, Sha256::Compress, Sha256::Name},
    {"sha384", 48, 128, Padding::kSha64, 8, nullptr, kSha384Init, Sha512::Compress, Sha512::Name},
    {"sha512", 64, 128, Padding::kSha64, 8, nullptr, kSha512Init, Sha512::Compress, Sha512::Name},
    // SHA-3 rate = 200 - 2 * digest size.
    {"sha3_224", 28, 144, Padding::kSha3, 0, nullptr, nullptr, Sponge<144>::Compress, Sponge<144>::Name},
    {"sha3_256", 32, 136, Padding::kSha3, 0, nullptr, nullptr, Sponge<136>::Compress, Sponge<136>::Name},
    {"sha3_384", 48, 104, Padding::kSha3, 0, nullptr, nullptr, Sponge<104>::Compress, Sponge<104>::Name},
    {"sha3_512", 64, 72, Padding::kSha3, 0, nullptr, nullptr, Sponge<72>::Compress, Sponge<72>::Name},
};

static_assert(kMaxDigestBlockSize == 144);
static_assert(std::size(kMd5Init) == 4 && std::size(kSha1Init) == 5 && std::size(kSha224Init) == 8 &&
              std::size(kSha256Init) == 8 && std::size(kSha384Init) == 8 && std::size(kSha512Init) == 8);

}  // namespace
}  // namespace internal

namespace {

const internal::DigestOps& OpsOf(DigestAlgorithm algorithm) { return internal::kOps[static_cast<size_t>(algorithm)]; }

std::string Hex(std::span<const uint8_t> bytes, const char* digits) {
  std::string out(2 * bytes.size(), '\0');
  for (size_t i = 0; i < bytes.size(); ++i) {
    out[2 * i] = digits[bytes[i] >> 4];
    out[2 * i + 1] = digits[bytes[i] & 0xf];
  }
  return out;
}

}  // namespace

size_t DigestSize(DigestAlgorithm algorithm) { return OpsOf(algorithm).digest_size; }

size_t DigestBlockSize(DigestAlgorithm algorithm) { return OpsOf(algorithm).block_size; }

std::string_view DigestName(DigestAlgorithm algorithm) { return OpsOf(algorithm).name; }

std::string_view DigestImplementation(DigestAlgorithm algorithm) { return OpsOf(algorithm).implementation(); }

absl::StatusOr<DigestAlgorithm> ParseDigestAlgorithm(std::string_view name) {
  // Other accepted spellings, after lowercasing.
  struct Alias {
    std::string_view name;
    DigestAlgorithm algorithm;
  };
  static constexpr Alias kAliases[] = {
      {"sha-1", DigestAlgorithm::kSha1},        {"sha-224", DigestAlgorithm::kSha224},
      {"sha-256", DigestAlgorithm::kSha256},    {"sha-384", DigestAlgorithm::kSha384},
      {"sha-512", DigestAlgorithm::kSha512},    {"sha3-224", DigestAlgorithm::kSha3_224},
      {"sha3-256", DigestAlgorithm::kSha3_256}, {"sha3-384", DigestAlgorithm::kSha3_384},
      {"sha3-512", DigestAlgorithm::kSha3_512},
  };
  const std::string lower = absl::AsciiStrToLower(name);
  for (DigestAlgorithm algorithm : kAllDigestAlgorithms) {
    if (DigestName(algorithm) == lower) return algorithm;
  }
  for (const Alias& alias : kAliases) {
    if (alias.name == lower) return alias.algorithm;
  }
  std::string known;
  for (DigestAlgorithm algorithm : kAllDigestAlgorithms) {
    absl::StrAppend(&known, known.empty() ? "" : ", ", DigestName(algorithm));
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown digest algorithm \"", absl::CEscape(name), "\"; expected one of ", known));
}

DigestValue::DigestValue(const uint8_t* bytes, size_t size)
    : size_(static_cast<uint8_t>(std::min(size, kMaxDigestSize))) {
  if (size_ > 0) std::memcpy(bytes_.data(), bytes, size_);
}

std::string DigestValue::ToHex() const { return Hex(bytes(), "0123456789abcdef"); }

std::string DigestValue::ToHexUpper() const { return Hex(bytes(), "0123456789ABCDEF"); }

Digest::Digest(DigestAlgorithm algorithm) : ops_(&OpsOf(algorithm)), algorithm_(algorithm) { Reset(); }

void Digest::Reset() {
  buffered_ = 0;
  length_ = 0;
  std::memset(&state_, 0, sizeof(state_));
  if (ops_->init32 != nullptr) std::memcpy(state_.w32, ops_->init32, ops_->init_words * sizeof(uint32_t));
  if (ops_->init64 != nullptr) std::memcpy(state_.w64, ops_->init64, ops_->init_words * sizeof(uint64_t));
}

void Digest::Compress(const uint8_t* blocks, size_t num_blocks) { ops_->compress(state_, blocks, num_blocks); }

void Digest::Update(const void* data, size_t len) {
  if (len == 0) return;  // `data` may then be null, which memcpy does not allow.
  const uint8_t* p = static_cast<const uint8_t*>(data);
  const size_t block_size = ops_->block_size;
  length_ += len;
  if (buffered_ > 0) {
    const size_t take = std::min(len, block_size - buffered_);
    std::memcpy(buffer_ + buffered_, p, take);
    buffered_ += take;
    p += take;
    len -= take;
    if (buffered_ < block_size) return;
    Compress(buffer_, 1);
    buffered_ = 0;
  }
  if (len >= block_size) {
    const size_t num_blocks = len / block_size;
    Compress(p, num_blocks);
    p += num_blocks * block_size;
    len -= num_blocks * block_size;
  }
  if (len > 0) {
    std::memcpy(buffer_, p, len);
    buffered_ = static_cast<uint8_t>(len);
  }
}

DigestValue Digest::Final() {
  const size_t block_size = ops_->block_size;
  uint8_t out[kMaxDigestSize];
  size_t pos = buffered_;
  switch (ops_->padding) {
    case internal::Padding::kMd5:
    case internal::Padding::kSha32:
    case internal::Padding::kSha64: {
      // 0x80, then zeros up to the length field at the end of a block (spilling into a second block when
      // the length does not fit after the 0x80).
      const size_t length_size = ops_->padding == internal::Padding::kSha64 ? 16 : 8;
      buffer_[pos++] = 0x80;
      if (pos > block_size - length_size) {
        std::memset(buffer_ + pos, 0, block_size - pos);
        Compress(buffer_, 1);
        pos = 0;
      }
      std::memset(buffer_ + pos, 0, block_size - pos);
      uint8_t* length_field = buffer_ + block_size - 8;
      const uint64_t bits = length_ << 3;
      if (ops_->padding == internal::Padding::kMd5) {
        internal::StoreLe64(length_field, bits);
      } else {
        // For SHA-384/512 the upper 64 bits of the 128-bit length hold the bits shifted out above; lengths
        // are counted mod 2^64 bytes, so only the top three bits of length_ can reach them.
        if (ops_->padding == internal::Padding::kSha64) internal::StoreBe64(length_field - 8, length_ >> 61);
        internal::StoreBe64(length_field, bits);
      }
      Compress(buffer_, 1);
      break;
    }
    case internal::Padding::kSha3:
      // SHA-3 domain separation bits 01 then pad10*1 (FIPS 202 B.2): 0x06 ... 0x80, or 0x86 for a single
      // byte of padding.
      std::memset(buffer_ + pos, 0, block_size - pos);
      buffer_[pos] = 0x06;
      buffer_[block_size - 1] |= 0x80;
      Compress(buffer_, 1);
      break;
  }

  const size_t size = ops_->digest_size;
  switch (ops_->padding) {
    case internal::Padding::kMd5:
      for (size_t i = 0; i < size / 4; ++i) internal::StoreLe32(out + 4 * i, state_.w32[i]);
      break;
    case internal::Padding::kSha32:
      for (size_t i = 0; i < size / 4; ++i) internal::StoreBe32(out + 4 * i, state_.w32[i]);
      break;
    case internal::Padding::kSha64:
      for (size_t i = 0; i < size / 8; ++i) internal::StoreBe64(out + 8 * i, state_.w64[i]);
      break;
    case internal::Padding::kSha3: {
      // The digest is shorter than the rate, so one squeeze suffices. SHA3-224's 28 bytes end mid-lane.
      uint8_t lanes[kMaxDigestSize];
      for (size_t i = 0; i < kMaxDigestSize / 8; ++i) internal::StoreLe64(lanes + 8 * i, state_.w64[i]);
      std::memcpy(out, lanes, size);
      break;
    }
  }
  Reset();
  return DigestValue(out, size);
}

DigestValue ComputeDigest(DigestAlgorithm algorithm, const void* data, size_t len) {
  Digest digest(algorithm);
  digest.Update(data, len);
  return digest.Final();
}

DigestValue ComputeDigest(DigestAlgorithm algorithm, std::string_view data) {
  return ComputeDigest(algorithm, data.data(), data.size());
}

MultiDigest::MultiDigest(DigestSet algorithms) : algorithms_(algorithms) {
  for (DigestAlgorithm algorithm : algorithms_) digests_[count_++].emplace(algorithm);
}

void MultiDigest::Update(const void* data, size_t len) {
  // Slices small enough to stay in the L1 cache while every digest reads them.
  constexpr size_t kSlice = 8192;
  const uint8_t* p = static_cast<const uint8_t*>(data);
  while (len > 0) {
    const size_t n = std::min(len, kSlice);
    for (int i = 0; i < count_; ++i) digests_[i]->Update(p, n);
    p += n;
    len -= n;
  }
}

DigestResults MultiDigest::Final() {
  DigestResults results;
  results.algorithms_ = algorithms_;
  for (int i = 0; i < count_; ++i) {
    results.values_[static_cast<size_t>(digests_[i]->algorithm())] = digests_[i]->Final();
  }
  return results;
}

void MultiDigest::Reset() {
  for (int i = 0; i < count_; ++i) digests_[i]->Reset();
}

}  // namespace mig::crypto
