// The module sandbox: after sandbox::Enter, this process (every thread of it) can no longer gain privileges
// (PR_SET_NO_NEW_PRIVS) and runs under a seccomp-BPF allow-list built from a Policy:
//   - allowed: reading (open/openat read-only, read, stat, getdents, readlink, mmap ...), memory, threads
//     (clone with CLONE_THREAD only), time, signals to itself, writing to the descriptors it already has
//     (its stdout and stderr pipes), and the socket calls of the families the policy names;
//   - forbidden, and fatal: open for writing or creating, exec, fork, ptrace, mount, module loading,
//     unlink/rename/chmod/chown, kill of another process, identity changes, bpf, and everything not listed.
// A forbidden call raises SIGSYS; the handler writes "sandbox: forbidden system call NAME ..." on stderr
// and exits with kViolationExitStatus, so the parent reports what the module tried, by name. A call made
// while every signal is blocked (musl blocks them around fork() and raise()) cannot reach the handler: the
// kernel kills the process with SIGSYS instead, and the parent can only say that the sandbox stopped it.
//
//   MIG_RETURN_IF_ERROR(sandbox::Enter(module->sandbox_policy()));   // then run the module
#ifndef MIG_BASE_SANDBOX_SECCOMP_H_
#define MIG_BASE_SANDBOX_SECCOMP_H_

#include <linux/filter.h>
#include <sys/types.h>

#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "base/sandbox/policy.h"

namespace mig::sandbox {

// The exit status of a process the sandbox stopped.
inline constexpr int kViolationExitStatus = 97;
// The line it writes on stderr starts with this.
inline constexpr std::string_view kViolationPrefix = "sandbox: ";

// The BPF program for `policy` in a process whose pid is `self` (signals only to itself).
std::vector<sock_filter> BuildFilter(const Policy& policy, pid_t self);

// Installs the SIGSYS reporter, NO_NEW_PRIVS and the filter on all threads. Unimplemented on an
// architecture other than x86-64; FailedPrecondition when the kernel refuses (no seccomp).
absl::Status Enter(const Policy& policy);

// The name of a system call number, for messages ("openat"); "syscall N" for one this table lacks.
std::string_view SyscallName(int number);

}  // namespace mig::sandbox

#endif  // MIG_BASE_SANDBOX_SECCOMP_H_
