// Message digests: MD5, SHA-1, SHA-2 (224/256/384/512) and SHA-3 (224/256/384/512), streaming and
// one-shot, with the fastest kernel this CPU offers chosen at run time (SHA-NI for SHA-1 and SHA-256, an
// AVX2 message schedule for SHA-384/512).
//
//   // Streaming: Update() any number of times, then Final().
//   mig::crypto::Digest digest(mig::crypto::DigestAlgorithm::kSha256);
//   digest.Update(chunk.data(), chunk.size());
//   std::string hex = digest.Final().ToHex();        // "ba7816bf..."
//
//   // One shot.
//   mig::crypto::DigestValue md5 = mig::crypto::ComputeDigest(DigestAlgorithm::kMd5, "abc");
//
//   // Several digests in one pass over the data (the file module's "only what was asked for").
//   mig::crypto::MultiDigest multi({DigestAlgorithm::kSha1, DigestAlgorithm::kSha3_256});
//   multi.Update(buffer, n);                          // once per chunk read
//   mig::crypto::DigestResults results = multi.Final();
//   results[DigestAlgorithm::kSha1].ToHex();
//
//   // Names as MIG spells them: "md5", "sha1", "sha256", "sha3_256", ...
//   absl::StatusOr<DigestAlgorithm> algorithm = mig::crypto::ParseDigestAlgorithm("sha3_256");
//
// Digest, MultiDigest and DigestValue never allocate (ToHex() aside); a Digest is a few hundred bytes of
// plain state and may be copied (to take the digest of a prefix and keep going, say). None of them is
// thread-safe; use one object per thread.
#ifndef MIG_CRYPTO_DIGEST_H_
#define MIG_CRYPTO_DIGEST_H_

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace mig::crypto {

enum class DigestAlgorithm : uint8_t {
  kMd5,
  kSha1,
  kSha224,
  kSha256,
  kSha384,
  kSha512,
  kSha3_224,
  kSha3_256,
  kSha3_384,
  kSha3_512,
};

inline constexpr int kNumDigestAlgorithms = 10;

inline constexpr DigestAlgorithm kAllDigestAlgorithms[kNumDigestAlgorithms] = {
    DigestAlgorithm::kMd5,      DigestAlgorithm::kSha1,     DigestAlgorithm::kSha224,   DigestAlgorithm::kSha256,
    DigestAlgorithm::kSha384,   DigestAlgorithm::kSha512,   DigestAlgorithm::kSha3_224, DigestAlgorithm::kSha3_256,
    DigestAlgorithm::kSha3_384, DigestAlgorithm::kSha3_512,
};

// The largest DigestSize() (SHA-512, SHA3-512).
inline constexpr size_t kMaxDigestSize = 64;

// Output size in bytes: 16 (MD5), 20 (SHA-1), 28, 32, 48, 64 (SHA-2 and SHA-3 by their bit length).
size_t DigestSize(DigestAlgorithm algorithm);

// Input block size in bytes: 64 (MD5, SHA-1, SHA-224/256), 128 (SHA-384/512), or the SHA-3 rate (144, 136,
// 104, 72).
size_t DigestBlockSize(DigestAlgorithm algorithm);

// The name MIG uses: "md5", "sha1", "sha224", "sha256", "sha384", "sha512", "sha3_224", "sha3_256",
// "sha3_384", "sha3_512".
std::string_view DigestName(DigestAlgorithm algorithm);

// The inverse of DigestName(), ignoring case. Also accepts the spellings of OpenSSL and the FIPS documents:
// "sha-1", "sha-256", "sha3-256", ... Unknown names give InvalidArgument naming the input.
absl::StatusOr<DigestAlgorithm> ParseDigestAlgorithm(std::string_view name);

// Which kernel computes `algorithm` on this CPU: "sha-ni" (x86 SHA extensions; SHA-1, SHA-224/256), "avx2"
// (SHA-384/512), "bmi1" (SHA-3) or "generic" (portable C++). For reports and benchmarks; results never
// depend on it.
std::string_view DigestImplementation(DigestAlgorithm algorithm);

// The bytes of one digest (up to kMaxDigestSize), held inline. Default-constructed it is empty.
class DigestValue {
 public:
  DigestValue() = default;
  // Copies `size` bytes; `size` must not exceed kMaxDigestSize (larger sizes are truncated).
  DigestValue(const uint8_t* bytes, size_t size);

  const uint8_t* data() const { return bytes_.data(); }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::span<const uint8_t> bytes() const { return {bytes_.data(), size_}; }
  uint8_t operator[](size_t i) const { return bytes_[i]; }

  // "d41d8cd98f00b204e9800998ecf8427e" and "D41D8CD98F00B204E9800998ECF8427E".
  std::string ToHex() const;
  std::string ToHexUpper() const;

  friend bool operator==(const DigestValue& a, const DigestValue& b) {
    return a.size_ == b.size_ && std::equal(a.bytes_.begin(), a.bytes_.begin() + a.size_, b.bytes_.begin());
  }

 private:
  std::array<uint8_t, kMaxDigestSize> bytes_{};
  uint8_t size_ = 0;
};

namespace internal {
// Per-algorithm block size, kernel and padding; defined in digest.cc.
struct DigestOps;
// The chaining state of any algorithm.
union DigestState {
  uint32_t w32[8];   // MD5, SHA-1, SHA-224/256
  uint64_t w64[25];  // SHA-384/512, Keccak lanes
};
// The largest DigestBlockSize(): SHA3-224's rate.
inline constexpr size_t kMaxDigestBlockSize = 144;
}  // namespace internal

// A streaming digest of one algorithm.
class Digest {
 public:
  explicit Digest(DigestAlgorithm algorithm);

  DigestAlgorithm algorithm() const { return algorithm_; }
  size_t size() const { return DigestSize(algorithm_); }

  void Update(const void* data, size_t len);
  void Update(std::string_view data) { Update(data.data(), data.size()); }

  // The digest of everything given to Update() since construction or the last Final()/Reset(). Leaves the
  // object reset, ready for a new message.
  DigestValue Final();

  // Forgets everything given to Update().
  void Reset();

 private:
  void Compress(const uint8_t* blocks, size_t num_blocks);

  const internal::DigestOps* ops_;
  DigestAlgorithm algorithm_;
  uint8_t buffered_ = 0;  // Bytes of buffer_ in use; always less than the block size.
  uint64_t length_ = 0;   // Bytes given to Update() in total (mod 2^64).
  internal::DigestState state_;
  alignas(8) uint8_t buffer_[internal::kMaxDigestBlockSize];  // One partial block.
};

// One-shot digests.
DigestValue ComputeDigest(DigestAlgorithm algorithm, const void* data, size_t len);
DigestValue ComputeDigest(DigestAlgorithm algorithm, std::string_view data);

// A set of algorithms, as a bit mask (bit i is kAllDigestAlgorithms[i]). Iterates in enum order.
class DigestSet {
 public:
  constexpr DigestSet() = default;
  constexpr DigestSet(std::initializer_list<DigestAlgorithm> algorithms) {
    for (DigestAlgorithm algorithm : algorithms) Add(algorithm);
  }
  static constexpr DigestSet All() { return FromBits((1u << kNumDigestAlgorithms) - 1); }
  // Bits at or above kNumDigestAlgorithms are dropped.
  static constexpr DigestSet FromBits(uint32_t bits) {
    DigestSet set;
    set.bits_ = bits & ((1u << kNumDigestAlgorithms) - 1);
    return set;
  }

  constexpr DigestSet& Add(DigestAlgorithm algorithm) {
    bits_ |= Bit(algorithm);
    return *this;
  }
  constexpr DigestSet& Remove(DigestAlgorithm algorithm) {
    bits_ &= ~Bit(algorithm);
    return *this;
  }
  constexpr bool Contains(DigestAlgorithm algorithm) const { return (bits_ & Bit(algorithm)) != 0; }
  constexpr bool empty() const { return bits_ == 0; }
  constexpr int size() const { return std::popcount(bits_); }
  constexpr uint32_t bits() const { return bits_; }

  // A forward iterator over the members, in enum order.
  class Iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = DigestAlgorithm;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = DigestAlgorithm;

    constexpr Iterator() = default;
    constexpr DigestAlgorithm operator*() const { return static_cast<DigestAlgorithm>(std::countr_zero(rest_)); }
    constexpr Iterator& operator++() {
      rest_ &= rest_ - 1;
      return *this;
    }
    constexpr Iterator operator++(int) {
      Iterator before = *this;
      ++*this;
      return before;
    }
    friend constexpr bool operator==(Iterator a, Iterator b) { return a.rest_ == b.rest_; }

   private:
    friend class DigestSet;
    constexpr explicit Iterator(uint32_t rest) : rest_(rest) {}
    uint32_t rest_ = 0;
  };
  constexpr Iterator begin() const { return Iterator(bits_); }
  constexpr Iterator end() const { return Iterator(0); }

  friend constexpr bool operator==(DigestSet a, DigestSet b) { return a.bits_ == b.bits_; }

 private:
  static constexpr uint32_t Bit(DigestAlgorithm algorithm) { return 1u << static_cast<unsigned>(algorithm); }
  uint32_t bits_ = 0;
};

// The digests a MultiDigest computed, by algorithm.
class DigestResults {
 public:
  DigestSet algorithms() const { return algorithms_; }
  bool Contains(DigestAlgorithm algorithm) const { return algorithms_.Contains(algorithm); }
  // An empty DigestValue for an algorithm that was not computed.
  const DigestValue& operator[](DigestAlgorithm algorithm) const { return values_[static_cast<size_t>(algorithm)]; }

 private:
  friend class MultiDigest;
  DigestSet algorithms_;
  std::array<DigestValue, kNumDigestAlgorithms> values_;
};

// Feeds the same bytes to several digests at once, so a file is read once whatever was asked of it.
class MultiDigest {
 public:
  explicit MultiDigest(DigestSet algorithms);

  DigestSet algorithms() const { return algorithms_; }

  void Update(const void* data, size_t len);
  void Update(std::string_view data) { Update(data.data(), data.size()); }

  // The digest of each algorithm; like Digest::Final(), leaves the object reset.
  DigestResults Final();
  void Reset();

 private:
  DigestSet algorithms_;
  int count_ = 0;  // digests_[0, count_) are engaged, in enum order.
  std::array<std::optional<Digest>, kNumDigestAlgorithms> digests_;
};

}  // namespace mig::crypto

#endif  // MIG_CRYPTO_DIGEST_H_
