// ThreadSanitizer's suppressions, compiled into every binary and test of the --config=tsan build (mig.bzl adds
// this library there): reports inside third-party code that is correct but does not tell TSan why. Each entry
// says what it hides; mig's own code is never suppressed.
extern "C" const char* __tsan_default_suppressions() {
  return
      // Abseil 20220623 (Debian's): a thread's identity (its per-thread semaphore) is recycled through a
      // freelist guarded by a spinlock TSan does not see as a lock, so the next thread's first Post() looks like
      // a race with the previous owner's initialisation.
      "race:absl::*synchronization_internal::Waiter::Post\n"
      "race:absl::*synchronization_internal::Waiter::Waiter\n"
      "race:absl::*synchronization_internal::Waiter::Wait\n";
}
