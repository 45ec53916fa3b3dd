// Throughput of every digest on 16 KiB buffers, per kernel, next to `openssl speed -evp` on the same
// machine when the openssl command is available. Prints a table; asserts nothing.
//
//   digest_bench                      all algorithms, 1 s each, with openssl
//   digest_bench --seconds=3 sha256   only the named algorithms
//   digest_bench --no-openssl
//   digest_bench --repeat=3           best of 3 interleaved runs, of ours and of openssl's alike (for noisy
//                                     machines: VMs, CPU frequency changes)
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/digest.h"
#include "crypto/internal/keccak.h"
#include "crypto/internal/kernel.h"
#include "crypto/internal/md5.h"
#include "crypto/internal/sha1.h"
#include "crypto/internal/sha256.h"
#include "crypto/internal/sha512.h"

namespace mig::crypto {
namespace {

constexpr size_t kBufferSize = 16384;

using Clock = std::chrono::steady_clock;

// Runs `hash_buffer` (which hashes kBufferSize bytes) repeatedly for about `seconds`; returns MB/s
// (10^6 bytes per second, as openssl prints kB as 1000 bytes).
template <typename F>
double MeasureMbPerSecond(double seconds, F hash_buffer) {
  for (int i = 0; i < 16; ++i) hash_buffer();  // Warm caches, branch predictors and the CPU clock.
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration<double>(seconds);
  uint64_t iterations = 0;
  Clock::time_point now;
  do {
    for (int i = 0; i < 32; ++i) hash_buffer();
    iterations += 32;
    now = Clock::now();
  } while (now < deadline);
  const double elapsed = std::chrono::duration<double>(now - start).count();
  return static_cast<double>(iterations) * kBufferSize / elapsed / 1e6;
}

// The best of `repeat` measurements.
template <typename F>
double BestMbPerSecond(int repeat, double seconds, F hash_buffer) {
  double best = 0;
  for (int i = 0; i < repeat; ++i) best = std::max(best, MeasureMbPerSecond(seconds, hash_buffer));
  return best;
}

// OpenSSL's spelling of an algorithm for `openssl speed -evp`.
std::string OpensslName(DigestAlgorithm algorithm) {
  std::string name(DigestName(algorithm));
  for (char& c : name) {
    if (c == '_') c = '-';
  }
  return name;
}

// `openssl speed -evp <alg> -bytes 16384 -seconds N`, in MB/s; negative when it cannot run.
double OpensslMbPerSecond(DigestAlgorithm algorithm, int seconds) {
  const std::string command = "openssl speed -evp " + OpensslName(algorithm) + " -bytes 16384 -seconds " +
                              std::to_string(seconds) + " 2>/dev/null";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return -1;
  // The result is the last line: "<name>  <n>k", n in 1000s of bytes per second.
  char line[512];
  std::string last;
  while (std::fgets(line, sizeof(line), pipe) != nullptr) {
    if (line[0] != '\n') last = line;
  }
  if (pclose(pipe) != 0) return -1;
  const size_t k = last.rfind('k');
  const size_t space = last.find_last_of(" \t", k);
  if (k == std::string::npos || space == std::string::npos) return -1;
  return std::strtod(last.c_str() + space + 1, nullptr) * 1000 / 1e6;
}

// The kernels of a family other than the one Digest uses, each measured on its own.
template <typename Word>
void PrintOtherKernels(std::string_view name, std::span<const internal::BlockKernel<Word>> kernels, size_t block_size,
                       const std::vector<uint8_t>& buffer, int repeat, double seconds) {
  for (size_t i = 1; i < kernels.size(); ++i) {
    Word state[25] = {};  // Large enough for any family; the starting value does not matter here.
    const double mbps = BestMbPerSecond(repeat, seconds, [&] {
      kernels[i].blocks(state, buffer.data(), buffer.size() / block_size);
      asm volatile("" : : "r"(state) : "memory");
    });
    std::printf("%-9s %-9s %9.0f\n", std::string(name).c_str(), std::string(kernels[i].name).c_str(), mbps);
  }
}

int Main(int argc, char** argv) {
  double seconds = 1;
  int repeat = 1;
  bool with_openssl = true;
  DigestSet selected;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg.starts_with("--seconds=")) {
      seconds = std::atof(argv[i] + 10);
    } else if (arg.starts_with("--repeat=")) {
      repeat = std::max(1, std::atoi(argv[i] + 9));
    } else if (arg == "--no-openssl") {
      with_openssl = false;
    } else if (auto algorithm = ParseDigestAlgorithm(arg); algorithm.ok()) {
      selected.Add(*algorithm);
    } else {
      std::fprintf(stderr, "usage: %s [--seconds=N] [--repeat=N] [--no-openssl] [algorithm...]\n%s\n", argv[0],
                   algorithm.status().ToString().c_str());
      return 2;
    }
  }
  if (selected.empty()) selected = DigestSet::All();
  const int openssl_seconds = seconds < 2 ? 2 : static_cast<int>(seconds);

  std::vector<uint8_t> buffer(kBufferSize);
  std::mt19937_64 random(42);
  for (uint8_t& byte : buffer) byte = static_cast<uint8_t>(random());

  std::printf("16 KiB buffers, MB/s = 10^6 bytes/s, one core, best of %d\n", repeat);
  std::printf("%-9s %-9s %9s %9s %7s\n", "algorithm", "kernel", "mig", "openssl", "ratio");
  for (DigestAlgorithm algorithm : selected) {
    Digest digest(algorithm);
    double mbps = 0;
    double openssl = -1;
    for (int i = 0; i < repeat; ++i) {
      mbps = std::max(mbps, MeasureMbPerSecond(seconds, [&] {
                        digest.Update(buffer.data(), buffer.size());
                        DigestValue value = digest.Final();
                        asm volatile("" : : "r"(&value) : "memory");
                      }));
      if (with_openssl) openssl = std::max(openssl, OpensslMbPerSecond(algorithm, openssl_seconds));
    }
    const std::string name(DigestName(algorithm));
    if (openssl > 0) {
      std::printf("%-9s %-9s %9.0f %9.0f %6.0f%%\n", name.c_str(), std::string(DigestImplementation(algorithm)).c_str(),
                  mbps, openssl, 100 * mbps / openssl);
    } else {
      std::printf("%-9s %-9s %9.0f %9s\n", name.c_str(), std::string(DigestImplementation(algorithm)).c_str(), mbps,
                  "-");
    }
    std::fflush(stdout);
    switch (algorithm) {
      case DigestAlgorithm::kSha1:
        PrintOtherKernels<uint32_t>(name, internal::Sha1Kernels(), 64, buffer, repeat, seconds);
        break;
      case DigestAlgorithm::kSha256:
        PrintOtherKernels<uint32_t>(name, internal::Sha256Kernels(), 64, buffer, repeat, seconds);
        break;
      case DigestAlgorithm::kSha512:
        PrintOtherKernels<uint64_t>(name, internal::Sha512Kernels(), 128, buffer, repeat, seconds);
        break;
      case DigestAlgorithm::kSha3_256: {
        const std::span<const internal::KeccakKernel> kernels = internal::KeccakKernels();
        for (size_t i = 1; i < kernels.size(); ++i) {
          uint64_t state[internal::kKeccakStateWords] = {};
          const double kernel_mbps = BestMbPerSecond(repeat, seconds, [&] {
            kernels[i].absorb(state, buffer.data(), buffer.size() / 136, 136);
            asm volatile("" : : "r"(state) : "memory");
          });
          std::printf("%-9s %-9s %9.0f\n", name.c_str(), std::string(kernels[i].name).c_str(), kernel_mbps);
        }
        break;
      }
      default:
        break;
    }
  }
  return 0;
}

}  // namespace
}  // namespace mig::crypto

int main(int argc, char** argv) { return mig::crypto::Main(argc, argv); }
