// Overrides of mbedTLS 2.28's default configuration (include/mbedtls/config.h) for mig.
//
// mbedTLS only uses getrandom() on glibc; on musl it falls back to /dev/urandom, which does not exist in an
// empty chroot. Entropy comes from our own getrandom()-based source instead (entropy_getrandom.c).
#ifndef MIG_THIRD_PARTY_MBEDTLS_MIG_MBEDTLS_CONFIG_H_
#define MIG_THIRD_PARTY_MBEDTLS_MIG_MBEDTLS_CONFIG_H_

#define MBEDTLS_NO_PLATFORM_ENTROPY
#define MBEDTLS_ENTROPY_HARDWARE_ALT

// One connection per thread, but the RNG and session caches may be shared.
#define MBEDTLS_THREADING_C
#define MBEDTLS_THREADING_PTHREAD

// The library's self tests are never run; with them compiled in, ecp.c counts point operations in unguarded
// globals, a data race whenever two threads do elliptic-curve arithmetic (ThreadSanitizer reports it).
#undef MBEDTLS_SELF_TEST

// AES's tables compiled in rather than generated on first use by whichever thread gets there first (an
// unguarded static; fill_lazy_tables.c does the same for the tables that have no such option).
#define MBEDTLS_AES_ROM_TABLES

#endif  // MIG_THIRD_PARTY_MBEDTLS_MIG_MBEDTLS_CONFIG_H_
