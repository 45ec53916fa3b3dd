// Run-time CPU feature detection for the digest kernels.
#include "crypto/internal/kernel.h"

#if defined(__x86_64__)
#include <cpuid.h>
#endif

namespace mig::crypto::internal {
namespace {

#if defined(__x86_64__)
// XCR0: which register states the OS saves on context switch.
uint64_t ReadXcr0() {
  uint32_t eax, edx;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<uint64_t>(edx) << 32) | eax;
}
#endif

CpuFeatures DetectCpuFeatures() {
  CpuFeatures features;
#if defined(__x86_64__)
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return features;
  features.ssse3 = (ecx >> 9) & 1;
  features.sse41 = (ecx >> 19) & 1;
  const bool osxsave = (ecx >> 27) & 1;
  const bool cpu_avx = (ecx >> 28) & 1;
  const uint64_t xcr0 = osxsave ? ReadXcr0() : 0;
  const bool os_ymm = (xcr0 & 0x6) == 0x6;    // XMM and YMM state.
  const bool os_zmm = (xcr0 & 0xe6) == 0xe6;  // plus opmask and ZMM state.
  features.avx = cpu_avx && os_ymm;

  unsigned max_leaf = __get_cpuid_max(0, nullptr);
  if (max_leaf >= 7) {
    __cpuid_count(7, 0, eax, ebx, ecx, edx);
    features.avx2 = features.avx && ((ebx >> 5) & 1);
    features.bmi1 = (ebx >> 3) & 1;
    features.bmi2 = (ebx >> 8) & 1;
    // SHA-NI kernels also use SSSE3 (PSHUFB) and SSE4.1 (PBLENDW).
    features.sha = ((ebx >> 29) & 1) && features.ssse3 && features.sse41;
    const bool avx512f = (ebx >> 16) & 1;
    const bool avx512vl = (ebx >> 31) & 1;
    features.avx512vl = features.avx2 && os_zmm && avx512f && avx512vl;
  }
#endif
  return features;
}

}  // namespace

const CpuFeatures& GetCpuFeatures() {
  static const CpuFeatures features = DetectCpuFeatures();
  return features;
}

}  // namespace mig::crypto::internal
