#include "crypto/digest.h"

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "catch2/catch.hpp"
#include "crypto/internal/keccak.h"
#include "crypto/internal/kernel.h"
#include "crypto/internal/md5.h"
#include "crypto/internal/sha1.h"
#include "crypto/internal/sha256.h"
#include "crypto/internal/sha512.h"

namespace mig::crypto {
namespace {

// A test message: `text` repeated `repeat` times.
struct Message {
  std::string_view text;
  int repeat = 1;

  std::string Expand() const {
    std::string out;
    out.reserve(text.size() * repeat);
    for (int i = 0; i < repeat; ++i) out.append(text);
    return out;
  }
};

constexpr Message kEmpty = {""};
constexpr Message kAbc = {"abc"};
// FIPS 180-2 appendix messages (also used by the FIPS 202 examples).
constexpr Message k448Bits = {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"};
constexpr Message k896Bits = {
    "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrst"
    "nopqrstu"};
constexpr Message kMillionA = {"a", 1000000};

struct KnownAnswer {
  DigestAlgorithm algorithm;
  Message message;
  std::string_view hex;
};

// FIPS 180-4 / FIPS 202 example values and RFC 1321 section A.5 (cross-checked with OpenSSL and Python's
// hashlib when written).
constexpr KnownAnswer kKnownAnswers[] = {
    {DigestAlgorithm::kMd5, kEmpty, "d41d8cd98f00b204e9800998ecf8427e"},
    {DigestAlgorithm::kSha1, kEmpty, "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
    {DigestAlgorithm::kSha224, kEmpty, "d14a028c2a3a2bc9476102bb288234c415a2b01f828ea62ac5b3e42f"},
    {DigestAlgorithm::kSha256, kEmpty, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
    {DigestAlgorithm::kSha384, kEmpty,
     "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b"},
    {DigestAlgorithm::kSha512, kEmpty,
     "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931b"
     "d47417a81a538327af927da3e"},
    {DigestAlgorithm::kSha3_224, kEmpty, "6b4e03423667dbb73b6e15454f0eb1abd4597f9a1b078e3f5b5a6bc7"},
    {DigestAlgorithm::kSha3_256, kEmpty, "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a"},
    {DigestAlgorithm::kSha3_384, kEmpty,
     "0c63a75b845e4f7d01107d852e4c2485c51a50aaaa94fc61995e71bbee983a2ac3713831264adb47fb6bd1e058d5f004"},
    {DigestAlgorithm::kSha3_512, kEmpty,
     "a69f73cca23a9ac5c8b567dc185a756e97c982164fe25859e0d1dcc1475c80a615b2123af1f5f94c11e3e9402c3ac558f500199"
     "d95b6d3e301758586281dcd26"},
    {DigestAlgorithm::kMd5, kAbc, "900150983cd24fb0d6963f7d28e17f72"},
    {DigestAlgorithm::kSha1, kAbc, "a9993e364706816aba3e25717850c26c9cd0d89d"},
    {DigestAlgorithm::kSha224, kAbc, "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7"},
    {DigestAlgorithm::kSha256, kAbc, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
    {DigestAlgorithm::kSha384, kAbc,
     "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"},
    {DigestAlgorithm::kSha512, kAbc,
     "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d442"
     "3643ce80e2a9ac94fa54ca49f"},
    {DigestAlgorithm::kSha3_224, kAbc, "e642824c3f8cf24ad09234ee7d3c766fc9a3a5168d0c94ad73b46fdf"},
    {DigestAlgorithm::kSha3_256, kAbc, "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532"},
    {DigestAlgorithm::kSha3_384, kAbc,
     "ec01498288516fc926459f58e2c6ad8df9b473cb0fc08c2596da7cf0e49be4b298d88cea927ac7f539f1edf228376d25"},
    {DigestAlgorithm::kSha3_512, kAbc,
     "b751850b1a57168a5693cd924b6b096e08f621827444f70d884f5d0240d2712e10e116e9192af3c91a7ec57647e3934057340b4"
     "cf408d5a56592f8274eec53f0"},
    {DigestAlgorithm::kMd5, k448Bits, "8215ef0796a20bcaaae116d3876c664a"},
    {DigestAlgorithm::kSha1, k448Bits, "84983e441c3bd26ebaae4aa1f95129e5e54670f1"},
    {DigestAlgorithm::kSha224, k448Bits, "75388b16512776cc5dba5da1fd890150b0c6455cb4f58b1952522525"},
    {DigestAlgorithm::kSha256, k448Bits, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    {DigestAlgorithm::kSha384, k448Bits,
     "3391fdddfc8dc7393707a65b1b4709397cf8b1d162af05abfe8f450de5f36bc6b0455a8520bc4e6f5fe95b1fe3c8452b"},
    {DigestAlgorithm::kSha512, k448Bits,
     "204a8fc6dda82f0a0ced7beb8e08a41657c16ef468b228a8279be331a703c33596fd15c13b1b07f9aa1d3bea57789ca031ad85c"
     "7a71dd70354ec631238ca3445"},
    {DigestAlgorithm::kSha3_224, k448Bits, "8a24108b154ada21c9fd5574494479ba5c7e7ab76ef264ead0fcce33"},
    {DigestAlgorithm::kSha3_256, k448Bits, "41c0dba2a9d6240849100376a8235e2c82e1b9998a999e21db32dd97496d3376"},
    {DigestAlgorithm::kSha3_384, k448Bits,
     "991c665755eb3a4b6bbdfb75c78a492e8c56a22c5c4d7e429bfdbc32b9d4ad5aa04a1f076e62fea19eef51acd0657c22"},
    {DigestAlgorithm::kSha3_512, k448Bits,
     "04a371e84ecfb5b8b77cb48610fca8182dd457ce6f326a0fd3d7ec2f1e91636dee691fbe0c985302ba1b0d8dc78c086346b533b"
     "49c030d99a27daf1139d6e75e"},
    {DigestAlgorithm::kMd5, k896Bits, "03dd8807a93175fb062dfb55dc7d359c"},
    {DigestAlgorithm::kSha1, k896Bits, "a49b2446a02c645bf419f995b67091253a04a259"},
    {DigestAlgorithm::kSha224, k896Bits, "c97ca9a559850ce97a04a96def6d99a9e0e0e2ab14e6b8df265fc0b3"},
    {DigestAlgorithm::kSha256, k896Bits, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
    {DigestAlgorithm::kSha384, k896Bits,
     "09330c33f71147e83d192fc782cd1b4753111b173b3b05d22fa08086e3b0f712fcc7c71a557e2db966c3e9fa91746039"},
    {DigestAlgorithm::kSha512, k896Bits,
     "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4b5433ac7d329e"
     "eb6dd26545e96e55b874be909"},
    {DigestAlgorithm::kSha3_224, k896Bits, "543e6868e1666c1a643630df77367ae5a62a85070a51c14cbf665cbc"},
    {DigestAlgorithm::kSha3_256, k896Bits, "916f6061fe879741ca6469b43971dfdb28b1a32dc36cb3254e812be27aad1d18"},
    {DigestAlgorithm::kSha3_384, k896Bits,
     "79407d3b5916b59c3e30b09822974791c313fb9ecc849e406f23592d04f625dc8c709b98b43b3852b337216179aa7fc7"},
    {DigestAlgorithm::kSha3_512, k896Bits,
     "afebb2ef542e6579c50cad06d2e578f9f8dd6881d7dc824d26360feebf18a4fa73e3261122948efcfd492e74e82e2189ed0fb44"
     "0d187f382270cb455f21dd185"},
    {DigestAlgorithm::kMd5, kMillionA, "7707d6ae4e027c70eea2a935c2296f21"},
    {DigestAlgorithm::kSha1, kMillionA, "34aa973cd4c4daa4f61eeb2bdbad27316534016f"},
    {DigestAlgorithm::kSha224, kMillionA, "20794655980c91d8bbb4c1ea97618a4bf03f42581948b2ee4ee7ad67"},
    {DigestAlgorithm::kSha256, kMillionA, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
    {DigestAlgorithm::kSha384, kMillionA,
     "9d0e1809716474cb086e834e310a4a1ced149e9c00f248527972cec5704c2a5b07b8b3dc38ecc4ebae97ddd87f3d8985"},
    {DigestAlgorithm::kSha512, kMillionA,
     "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973ebde0ff244877ea60a4cb0432ce577c31beb009c5"
     "c2c49aa2e4eadb217ad8cc09b"},
    {DigestAlgorithm::kSha3_224, kMillionA, "d69335b93325192e516a912e6d19a15cb51c6ed5c15243e7a7fd653c"},
    {DigestAlgorithm::kSha3_256, kMillionA, "5c8875ae474a3634ba4fd55ec85bffd661f32aca75c6d699d0cdcb6c115891c1"},
    {DigestAlgorithm::kSha3_384, kMillionA,
     "eee9e24d78c1855337983451df97c8ad9eedf256c6334f8e948d252d5e0e76847aa0774ddb90a842190d2c558b4b8340"},
    {DigestAlgorithm::kSha3_512, kMillionA,
     "3c3a876da14034ab60627c077bb98f7e120a2a5370212dffb3385a18d4f38859ed311d0a9d5141ce9cc5c66ee689b266a8aa18a"
     "ce8282a0e0db596c90b0a7b87"},
    {DigestAlgorithm::kMd5, {"a"}, "0cc175b9c0f1b6a831c399e269772661"},
    {DigestAlgorithm::kMd5, {"message digest"}, "f96b697d7cb7938d525a2f31aaf161d0"},
    {DigestAlgorithm::kMd5, {"abcdefghijklmnopqrstuvwxyz"}, "c3fcd3d76192e4007dfb496cca67e13b"},
    {DigestAlgorithm::kMd5,
     {"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"},
     "d174ab98d277d9f5a5611c2c9f419d9f"},
    {DigestAlgorithm::kMd5,
     {"12345678901234567890123456789012345678901234567890123456789012345678901234567890"},
     "57edf4a22be3c955ac49da2e2107b67a"},
};

std::vector<uint8_t> RandomBytes(size_t n, uint64_t seed) {
  std::mt19937_64 random(seed);
  std::vector<uint8_t> out(n);
  for (uint8_t& byte : out) byte = static_cast<uint8_t>(random());
  return out;
}

std::string AlgorithmName(DigestAlgorithm algorithm) { return std::string(DigestName(algorithm)); }

TEST_CASE("Known answers", "[digest]") {
  for (const KnownAnswer& c : kKnownAnswers) {
    const std::string message = c.message.Expand();
    INFO(AlgorithmName(c.algorithm) << " of " << message.size() << " bytes starting \"" << message.substr(0, 16)
                                    << "\"");
    CHECK(ComputeDigest(c.algorithm, message).ToHex() == c.hex);
  }
}

TEST_CASE("Every algorithm has a known answer for each standard message", "[digest]") {
  for (DigestAlgorithm algorithm : kAllDigestAlgorithms) {
    int count = 0;
    for (const KnownAnswer& c : kKnownAnswers) count += c.algorithm == algorithm;
    INFO(AlgorithmName(algorithm));
    CHECK(count >= 5);
  }
}

TEST_CASE("Sizes and names", "[digest]") {
  struct Case {
    DigestAlgorithm algorithm;
    std::string_view name;
    size_t size;
    size_t block_size;
  };
  constexpr Case kCases[] = {
      {DigestAlgorithm::kMd5, "md5", 16, 64},
      {DigestAlgorithm::kSha1, "sha1", 20, 64},
      {DigestAlgorithm::kSha224, "sha224", 28, 64},
      {DigestAlgorithm::kSha256, "sha256", 32, 64},
      {DigestAlgorithm::kSha384, "sha384", 48, 128},
      {DigestAlgorithm::kSha512, "sha512", 64, 128},
      {DigestAlgorithm::kSha3_224, "sha3_224", 28, 144},
      {DigestAlgorithm::kSha3_256, "sha3_256", 32, 136},
      {DigestAlgorithm::kSha3_384, "sha3_384", 48, 104},
      {DigestAlgorithm::kSha3_512, "sha3_512", 64, 72},
  };
  STATIC_REQUIRE(std::size(kCases) == kNumDigestAlgorithms);
  for (const Case& c : kCases) {
    INFO(c.name);
    CHECK(DigestName(c.algorithm) == c.name);
    CHECK(DigestSize(c.algorithm) == c.size);
    CHECK(DigestBlockSize(c.algorithm) == c.block_size);
    CHECK(Digest(c.algorithm).size() == c.size);
    CHECK(ComputeDigest(c.algorithm, "").size() == c.size);
    absl::StatusOr<DigestAlgorithm> parsed = ParseDigestAlgorithm(c.name);
    REQUIRE(parsed.ok());
    CHECK(*parsed == c.algorithm);
  }
}

TEST_CASE("ParseDigestAlgorithm accepts other spellings and rejects unknown names", "[digest]") {
  struct Case {
    std::string_view name;
    std::optional<DigestAlgorithm> want;
  };
  const Case kCases[] = {
      {"MD5", DigestAlgorithm::kMd5},
      {"SHA1", DigestAlgorithm::kSha1},
      {"sha-1", DigestAlgorithm::kSha1},
      {"SHA-256", DigestAlgorithm::kSha256},
      {"sha-512", DigestAlgorithm::kSha512},
      {"Sha3_384", DigestAlgorithm::kSha3_384},
      {"sha3-256", DigestAlgorithm::kSha3_256},
      {"SHA3-512", DigestAlgorithm::kSha3_512},
      {"", std::nullopt},
      {"sha", std::nullopt},
      {"sha3", std::nullopt},
      {"sha257", std::nullopt},
      {"md5 ", std::nullopt},
      {"shake128", std::nullopt},
  };
  for (const Case& c : kCases) {
    INFO("\"" << c.name << "\"");
    absl::StatusOr<DigestAlgorithm> got = ParseDigestAlgorithm(c.name);
    if (c.want.has_value()) {
      REQUIRE(got.ok());
      CHECK(*got == *c.want);
    } else {
      REQUIRE_FALSE(got.ok());
      CHECK(got.status().code() == absl::StatusCode::kInvalidArgument);
      CHECK(got.status().message().find("\"" + std::string(c.name) + "\"") != std::string_view::npos);
    }
  }
}

TEST_CASE("DigestImplementation names the kernel this CPU runs", "[digest]") {
  const bool sha_ni = internal::GetCpuFeatures().sha;
  for (DigestAlgorithm algorithm : kAllDigestAlgorithms) {
    INFO(AlgorithmName(algorithm));
    CHECK_FALSE(DigestImplementation(algorithm).empty());
  }
  CHECK(DigestImplementation(DigestAlgorithm::kSha1) == (sha_ni ? "sha-ni" : "generic"));
  CHECK(DigestImplementation(DigestAlgorithm::kSha256) == (sha_ni ? "sha-ni" : "generic"));
  CHECK(DigestImplementation(DigestAlgorithm::kSha224) == DigestImplementation(DigestAlgorithm::kSha256));
  CHECK(DigestImplementation(DigestAlgorithm::kSha384) == DigestImplementation(DigestAlgorithm::kSha512));
  CHECK(DigestImplementation(DigestAlgorithm::kMd5) == "generic");
  if (!sha_ni) WARN("this CPU has no SHA-NI: only the generic SHA-1/SHA-256 kernels are exercised");
}

TEST_CASE("Hex output", "[digest]") {
  const DigestValue md5 = ComputeDigest(DigestAlgorithm::kMd5, "abc");
  CHECK(md5.ToHex() == "900150983cd24fb0d6963f7d28e17f72");
  CHECK(md5.ToHexUpper() == "900150983CD24FB0D6963F7D28E17F72");
  CHECK(DigestValue().ToHex().empty());
  const uint8_t bytes[] = {0x00, 0x0f, 0xa0, 0xff};
  CHECK(DigestValue(bytes, sizeof(bytes)).ToHex() == "000fa0ff");
  CHECK(DigestValue(bytes, sizeof(bytes)).ToHexUpper() == "000FA0FF");
}

TEST_CASE("DigestValue equality compares size and bytes", "[digest]") {
  const uint8_t bytes[] = {1, 2, 3};
  CHECK(DigestValue(bytes, 3) == DigestValue(bytes, 3));
  CHECK_FALSE(DigestValue(bytes, 3) == DigestValue(bytes, 2));
  CHECK(DigestValue() == DigestValue());
  CHECK_FALSE(ComputeDigest(DigestAlgorithm::kSha256, "a") == ComputeDigest(DigestAlgorithm::kSha256, "b"));
  const DigestValue value = ComputeDigest(DigestAlgorithm::kSha1, "abc");
  CHECK(value.bytes().size() == 20);
  CHECK(value[0] == 0xa9);
  CHECK(value.data()[19] == 0x9d);
}

// Lengths around every padding boundary: the length field fits after the 0x80 byte (or the SHA-3 padding
// fits in the block) or spills into an extra block.
std::vector<size_t> BoundaryLengths() {
  std::vector<size_t> lengths;
  for (size_t block : {64, 72, 104, 128, 136, 144}) {
    for (size_t multiple : {1, 2}) {
      for (int delta = -18; delta <= 2; ++delta) lengths.push_back(block * multiple + delta);
    }
  }
  return lengths;
}

TEST_CASE("Any split of the input across Update calls gives the same digest", "[digest]") {
  const std::vector<uint8_t> data = RandomBytes(2 * 144 + 17, 1);
  for (DigestAlgorithm algorithm : kAllDigestAlgorithms) {
    INFO(AlgorithmName(algorithm));
    const DigestValue want = ComputeDigest(algorithm, data.data(), data.size());

    SECTION("two calls, every split point") {
      for (size_t split = 0; split <= data.size(); ++split) {
        INFO("split at " << split);
        Digest digest(algorithm);
        digest.Update(data.data(), split);
        digest.Update(data.data() + split, data.size() - split);
        CHECK(digest.Final() == want);
      }
    }

    SECTION("one byte at a time, with empty updates in between") {
      Digest digest(algorithm);
      for (uint8_t byte : data) {
        digest.Update(&byte, 1);
        digest.Update(nullptr, 0);
      }
      CHECK(digest.Final() == want);
    }

    SECTION("chunks straddling block boundaries") {
      constexpr size_t kChunkSizes[] = {1,   7,   63,  64,  65,  71,  72,  73,  103, 104, 105,
                                        127, 128, 129, 135, 136, 137, 143, 144, 145, 200};
      for (size_t chunk : kChunkSizes) {
        INFO("chunks of " << chunk);
        Digest digest(algorithm);
        for (size_t pos = 0; pos < data.size(); pos += chunk) {
          digest.Update(data.data() + pos, std::min(chunk, data.size() - pos));
        }
        CHECK(digest.Final() == want);
      }
    }

    SECTION("lengths around the padding boundaries, in two calls and at once") {
      for (size_t length : BoundaryLengths()) {
        INFO("length " << length);
        const DigestValue once = ComputeDigest(algorithm, data.data(), length);
        Digest digest(algorithm);
        digest.Update(data.data(), length / 3);
        digest.Update(data.data() + length / 3, length - length / 3);
        CHECK(digest.Final() == once);
      }
    }
  }
}

TEST_CASE("Final resets the digest; copies continue independently", "[digest]") {
  for (DigestAlgorithm algorithm : kAllDigestAlgorithms) {
    INFO(AlgorithmName(algorithm));
    Digest digest(algorithm);
    digest.Update("hello ");
    Digest copy = digest;
    digest.Update("world");
    CHECK(digest.Final() == ComputeDigest(algorithm, "hello world"));
    // Reused after Final().
    digest.Update("abc");
    CHECK(digest.Final() == ComputeDigest(algorithm, "abc"));
    CHECK(digest.Final() == ComputeDigest(algorithm, ""));
    // The copy kept its own state.
    copy.Update("there");
    CHECK(copy.Final() == ComputeDigest(algorithm, "hello there"));
    // Reset() forgets.
    digest.Update("garbage");
    digest.Reset();
    digest.Update("abc");
    CHECK(digest.Final() == ComputeDigest(algorithm, "abc"));
  }
}

TEST_CASE("DigestSet", "[digest]") {
  DigestSet set = {DigestAlgorithm::kSha3_512, DigestAlgorithm::kMd5, DigestAlgorithm::kSha256};
  CHECK(set.size() == 3);
  CHECK(set.Contains(DigestAlgorithm::kMd5));
  CHECK_FALSE(set.Contains(DigestAlgorithm::kSha1));
  std::vector<DigestAlgorithm> order(set.begin(), set.end());
  CHECK(order ==
        std::vector<DigestAlgorithm>{DigestAlgorithm::kMd5, DigestAlgorithm::kSha256, DigestAlgorithm::kSha3_512});
  set.Remove(DigestAlgorithm::kMd5).Add(DigestAlgorithm::kSha1);
  CHECK(set == DigestSet({DigestAlgorithm::kSha1, DigestAlgorithm::kSha256, DigestAlgorithm::kSha3_512}));
  CHECK(DigestSet().empty());
  CHECK(DigestSet::All().size() == kNumDigestAlgorithms);
  CHECK(DigestSet::FromBits(0xffffffff) == DigestSet::All());
  STATIC_REQUIRE(DigestSet{DigestAlgorithm::kSha1}.bits() == 2);
}

TEST_CASE("MultiDigest as the header shows it", "[digest]") {
  MultiDigest multi({DigestAlgorithm::kSha1, DigestAlgorithm::kSha3_256});
  multi.Update("ab");
  multi.Update(std::string_view("c"));
  const DigestResults results = multi.Final();
  CHECK(results[DigestAlgorithm::kSha1].ToHex() == "a9993e364706816aba3e25717850c26c9cd0d89d");
  CHECK(results[DigestAlgorithm::kSha3_256].ToHex() ==
        "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532");
  CHECK(results[DigestAlgorithm::kMd5].empty());
}

TEST_CASE("MultiDigest equals the individual digests", "[digest]") {
  // Larger than MultiDigest's internal slice, so updates are split inside it too.
  const std::vector<uint8_t> data = RandomBytes(3 * 8192 + 1234, 2);
  std::mt19937 random(3);
  const DigestSet kSets[] = {
      DigestSet::All(),
      DigestSet{DigestAlgorithm::kSha256},
      DigestSet{DigestAlgorithm::kMd5, DigestAlgorithm::kSha1, DigestAlgorithm::kSha256},
      DigestSet{DigestAlgorithm::kSha3_224, DigestAlgorithm::kSha512},
      DigestSet::FromBits(static_cast<uint32_t>(random())),
      DigestSet::FromBits(static_cast<uint32_t>(random())),
      DigestSet(),
  };
  for (const DigestSet& set : kSets) {
    INFO("set bits " << set.bits());
    MultiDigest multi(set);
    CHECK(multi.algorithms() == set);
    // Uneven chunks, some larger than the slice.
    for (size_t pos = 0; pos < data.size();) {
      const size_t n = std::min<size_t>(random() % 20000, data.size() - pos);
      multi.Update(data.data() + pos, n);
      pos += n;
    }
    const DigestResults results = multi.Final();
    CHECK(results.algorithms() == set);
    for (DigestAlgorithm algorithm : kAllDigestAlgorithms) {
      INFO(AlgorithmName(algorithm));
      if (set.Contains(algorithm)) {
        CHECK(results.Contains(algorithm));
        CHECK(results[algorithm] == ComputeDigest(algorithm, data.data(), data.size()));
      } else {
        CHECK_FALSE(results.Contains(algorithm));
        CHECK(results[algorithm].empty());
      }
    }
    // Final() reset it.
    multi.Update("abc");
    const DigestResults again = multi.Final();
    for (DigestAlgorithm algorithm : set) CHECK(again[algorithm] == ComputeDigest(algorithm, "abc"));
  }
}

// Runs every kernel of a family on the same random states and inputs (many block counts, unaligned
// buffers) and compares each with the generic one.
template <typename Word>
void CheckKernelsAgree(std::string_view family, std::span<const internal::BlockKernel<Word>> kernels,
                       size_t state_words, size_t block_size) {
  REQUIRE(!kernels.empty());
  const internal::BlockKernel<Word>& generic = kernels.back();
  REQUIRE(generic.name == "generic");
  if (kernels.size() == 1) {
    WARN(family << ": only the generic kernel runs on this CPU; nothing to compare");
    return;
  }
  std::mt19937_64 random(4);
  const std::vector<uint8_t> data = RandomBytes(block_size * 40 + 8, 5);
  for (const internal::BlockKernel<Word>& kernel : kernels.first(kernels.size() - 1)) {
    for (size_t num_blocks = 0; num_blocks <= 33; ++num_blocks) {
      for (size_t offset : {0, 1, 3, 8}) {
        INFO(family << " kernel " << kernel.name << ", " << num_blocks << " blocks at offset " << offset);
        Word want[8], got[8];
        for (size_t i = 0; i < state_words; ++i) want[i] = got[i] = static_cast<Word>(random());
        generic.blocks(want, data.data() + offset, num_blocks);
        kernel.blocks(got, data.data() + offset, num_blocks);
        CHECK(std::memcmp(want, got, state_words * sizeof(Word)) == 0);
      }
    }
  }
}

TEST_CASE("Accelerated kernels agree with the generic ones", "[digest][kernels]") {
  CheckKernelsAgree<uint32_t>("sha1", internal::Sha1Kernels(), 5, 64);
  CheckKernelsAgree<uint32_t>("sha256", internal::Sha256Kernels(), 8, 64);
  CheckKernelsAgree<uint64_t>("sha512", internal::Sha512Kernels(), 8, 128);
}

TEST_CASE("Accelerated Keccak kernels agree with the generic one", "[digest][kernels]") {
  const std::span<const internal::KeccakKernel> kernels = internal::KeccakKernels();
  REQUIRE(kernels.back().name == "generic");
  if (kernels.size() == 1) {
    WARN("keccak: only the generic kernel runs on this CPU; nothing to compare");
    return;
  }
  std::mt19937_64 random(7);
  const std::vector<uint8_t> data = RandomBytes(168 * 20 + 8, 8);  // Room for the largest rate.
  for (const internal::KeccakKernel& kernel : kernels.first(kernels.size() - 1)) {
    for (size_t rate : {144, 136, 104, 72, 168}) {
      for (size_t num_blocks = 0; num_blocks <= 19; ++num_blocks) {
        const size_t offset = num_blocks % 5;
        INFO("keccak kernel " << kernel.name << ", rate " << rate << ", " << num_blocks << " blocks");
        uint64_t want[internal::kKeccakStateWords], got[internal::kKeccakStateWords];
        for (size_t i = 0; i < internal::kKeccakStateWords; ++i) want[i] = got[i] = random();
        internal::KeccakAbsorbGeneric(want, data.data() + offset, num_blocks, rate);
        kernel.absorb(got, data.data() + offset, num_blocks, rate);
        CHECK(std::memcmp(want, got, sizeof(want)) == 0);
      }
    }
  }
}

TEST_CASE("Kernel lists match the CPU", "[digest][kernels]") {
  const internal::CpuFeatures& cpu = internal::GetCpuFeatures();
  CHECK(internal::Sha1Kernels().front().name == (cpu.sha ? "sha-ni" : "generic"));
  CHECK(internal::Sha256Kernels().front().name == (cpu.sha ? "sha-ni" : "generic"));
  CHECK(internal::Sha512Kernels().front().name == (cpu.avx2 && cpu.bmi1 && cpu.bmi2 ? "avx2" : "generic"));
  CHECK(internal::KeccakKernels().front().name == (cpu.bmi1 ? "bmi1" : "generic"));
  CHECK(DigestImplementation(DigestAlgorithm::kSha3_256) == internal::KeccakKernels().front().name);
}

TEST_CASE("Keccak-f[1600] on the zero state", "[digest][kernels]") {
  // The first lanes of Keccak-f[1600] applied once and twice to the all-zero state (the Keccak team's
  // KeccakF-1600-IntermediateValues.txt).
  uint64_t state[internal::kKeccakStateWords] = {};
  internal::KeccakF1600(state);
  CHECK(state[0] == 0xf1258f7940e1dde7);
  CHECK(state[1] == 0x84d5ccf933c0478a);
  internal::KeccakF1600(state);
  CHECK(state[0] == 0x2d5c954df96ecb3c);
  CHECK(state[1] == 0x6a332cd07057b56d);
}

// --- Against the system's tools -----------------------------------------------------------------------

struct Tool {
  DigestAlgorithm algorithm;
  std::string_view command;  // Prints "<hex> <file>" per file argument.
};

constexpr Tool kTools[] = {
    {DigestAlgorithm::kMd5, "md5sum"},
    {DigestAlgorithm::kSha1, "sha1sum"},
    {DigestAlgorithm::kSha224, "sha224sum"},
    {DigestAlgorithm::kSha256, "sha256sum"},
    {DigestAlgorithm::kSha384, "sha384sum"},
    {DigestAlgorithm::kSha512, "sha512sum"},
    {DigestAlgorithm::kSha3_224, "openssl dgst -sha3-224 -r"},
    {DigestAlgorithm::kSha3_256, "openssl dgst -sha3-256 -r"},
    {DigestAlgorithm::kSha3_384, "openssl dgst -sha3-384 -r"},
    {DigestAlgorithm::kSha3_512, "openssl dgst -sha3-512 -r"},
};

bool HaveCommand(std::string_view command) {
  const std::string program(command.substr(0, command.find(' ')));
  return std::system(("command -v " + program + " >/dev/null 2>&1").c_str()) == 0;
}

// Output of `command`, or nullopt when it fails.
std::optional<std::string> Run(const std::string& command) {
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return std::nullopt;
  std::string out;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) out.append(buffer, n);
  if (pclose(pipe) != 0) return std::nullopt;
  return out;
}

std::filesystem::path TempDir() {
  if (const char* dir = std::getenv("TEST_TMPDIR")) return dir;  // Set by Bazel.
  return std::filesystem::temp_directory_path();
}

TEST_CASE("Digests agree with md5sum, sha*sum and openssl dgst", "[digest][external]") {
  const std::filesystem::path dir = TempDir() / ("mig_digest_test_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);

  // Files of random sizes (some larger than any buffer), plus the padding boundaries of every block size.
  std::mt19937 random(6);
  std::vector<size_t> sizes = {0, 1, 1000000};
  for (int i = 0; i < 6; ++i) sizes.push_back(random() % 300000);
  for (size_t length : BoundaryLengths()) sizes.push_back(length);
  std::map<std::string, std::vector<uint8_t>> files;  // name -> contents
  std::string names;
  for (size_t i = 0; i < sizes.size(); ++i) {
    const std::string name = "f" + std::to_string(i) + "_" + std::to_string(sizes[i]);
    std::vector<uint8_t> contents = RandomBytes(sizes[i], 100 + i);
    std::ofstream(dir / name, std::ios::binary)
        .write(reinterpret_cast<const char*>(contents.data()), static_cast<std::streamsize>(contents.size()));
    files[name] = std::move(contents);
    names += " " + name;
  }

  for (const Tool& tool : kTools) {
    INFO(tool.command);
    if (!HaveCommand(tool.command)) {
      WARN("skipping " << DigestName(tool.algorithm) << ": " << tool.command << " is not installed");
      continue;
    }
    const std::optional<std::string> out = Run("cd '" + dir.string() + "' && " + std::string(tool.command) + names);
    if (!out.has_value()) {
      WARN("skipping " << DigestName(tool.algorithm) << ": " << tool.command << " failed");
      continue;
    }
    // Lines are "<hex> <name>" (coreutils) or "<hex> *<name>" (openssl -r, binary mode).
    size_t checked = 0;
    size_t pos = 0;
    while (pos < out->size()) {
      size_t end = out->find('\n', pos);
      if (end == std::string::npos) end = out->size();
      const std::string line = out->substr(pos, end - pos);
      pos = end + 1;
      const size_t space = line.find(' ');
      if (space == std::string::npos) continue;
      std::string name = line.substr(space + 1);
      while (!name.empty() && (name[0] == ' ' || name[0] == '*')) name.erase(0, 1);
      auto it = files.find(name);
      REQUIRE(it != files.end());
      INFO(name);
      CHECK(ComputeDigest(tool.algorithm, it->second.data(), it->second.size()).ToHex() == line.substr(0, space));
      ++checked;
    }
    CHECK(checked == files.size());
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace mig::crypto
