// The entropy source of mbedTLS (MBEDTLS_ENTROPY_HARDWARE_ALT): the kernel's getrandom(2), which needs no
// file system, so TLS works in an empty chroot.
#include <errno.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mbedtls/entropy.h"
#include "mbedtls/entropy_poll.h"

int mbedtls_hardware_poll(void* data, unsigned char* output, size_t len, size_t* olen) {
  (void)data;
  size_t filled = 0;
  while (filled < len) {
    long got = syscall(SYS_getrandom, output + filled, len - filled, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      return MBEDTLS_ERR_ENTROPY_SOURCE_FAILED;
    }
    filled += (size_t)got;
  }
  *olen = filled;
  return 0;
}
