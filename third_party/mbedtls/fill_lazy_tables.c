// mbedTLS 2.28 fills some tables on first use through unguarded statics (the curve, cipher and ciphersuite
// lists, and whether the CPU has AES-NI): two threads making their first TLS configuration at once race on
// them (ThreadSanitizer saw it in the scheduler, whose relay workers connect at the same time). Filling them
// before main(), while the process has one thread, makes every later use a read. AES's own tables are compiled
// in instead (MBEDTLS_AES_ROM_TABLES, mig_mbedtls_config.h).
#include "mbedtls/aesni.h"
#include "mbedtls/cipher.h"
#include "mbedtls/ecp.h"
#include "mbedtls/ssl_ciphersuites.h"

__attribute__((constructor)) static void mig_mbedtls_fill_lazy_tables(void) {
  (void)mbedtls_ecp_grp_id_list();
  (void)mbedtls_cipher_list();
  (void)mbedtls_ssl_list_ciphersuites();
#if defined(MBEDTLS_AESNI_C)
  (void)mbedtls_aesni_has_support(MBEDTLS_AESNI_AES);
#endif
}
