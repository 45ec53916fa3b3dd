#include "base/sandbox/seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include "absl/strings/str_cat.h"

namespace mig::sandbox {
namespace {

#if defined(__x86_64__)
constexpr uint32_t kArch = AUDIT_ARCH_X86_64;
#endif

enum class Rule : uint8_t {
  kAllow,    // always
  kNetwork,  // when the policy allows some socket family
  kNamed,    // forbidden; named here for messages
};

struct Syscall {
  int number;
  const char* name;
  Rule rule;
};

// Reading the host, memory, threads, time, signals, and the descriptors the process already has. Calls with
// arguments to check (open, openat, clone, socket, kill, tkill, tgkill, prlimit64, ioctl, prctl) are handled
// apart, in BuildFilter.
constexpr Syscall kSyscalls[] = {
    {SYS_read, "read", Rule::kAllow},
    {SYS_write, "write", Rule::kAllow},
    {SYS_readv, "readv", Rule::kAllow},
    {SYS_writev, "writev", Rule::kAllow},
    {SYS_pread64, "pread64", Rule::kAllow},
    {SYS_preadv, "preadv", Rule::kAllow},
    {SYS_preadv2, "preadv2", Rule::kAllow},
    {SYS_lseek, "lseek", Rule::kAllow},
    {SYS_close, "close", Rule::kAllow},
    {SYS_fstat, "fstat", Rule::kAllow},
    {SYS_stat, "stat", Rule::kAllow},
    {SYS_lstat, "lstat", Rule::kAllow},
    {SYS_newfstatat, "newfstatat", Rule::kAllow},
    {SYS_statx, "statx", Rule::kAllow},
    {SYS_statfs, "statfs", Rule::kAllow},
    {SYS_fstatfs, "fstatfs", Rule::kAllow},
    {SYS_getdents64, "getdents64", Rule::kAllow},
    {SYS_getdents, "getdents", Rule::kAllow},
    {SYS_readlink, "readlink", Rule::kAllow},
    {SYS_readlinkat, "readlinkat", Rule::kAllow},
    {SYS_access, "access", Rule::kAllow},
    {SYS_faccessat, "faccessat", Rule::kAllow},
    {SYS_faccessat2, "faccessat2", Rule::kAllow},
    {SYS_getcwd, "getcwd", Rule::kAllow},
    {SYS_getxattr, "getxattr", Rule::kAllow},
    {SYS_lgetxattr, "lgetxattr", Rule::kAllow},
    {SYS_fgetxattr, "fgetxattr", Rule::kAllow},
    {SYS_listxattr, "listxattr", Rule::kAllow},
    {SYS_llistxattr, "llistxattr", Rule::kAllow},
    {SYS_flistxattr, "flistxattr", Rule::kAllow},
    {SYS_fadvise64, "fadvise64", Rule::kAllow},
    {SYS_readahead, "readahead", Rule::kAllow},
    {SYS_fcntl, "fcntl", Rule::kAllow},
    {SYS_dup, "dup", Rule::kAllow},
    {SYS_dup2, "dup2", Rule::kAllow},
    {SYS_dup3, "dup3", Rule::kAllow},
    {SYS_pipe, "pipe", Rule::kAllow},
    {SYS_pipe2, "pipe2", Rule::kAllow},
    {SYS_poll, "poll", Rule::kAllow},
    {SYS_ppoll, "ppoll", Rule::kAllow},
    {SYS_select, "select", Rule::kAllow},
    {SYS_pselect6, "pselect6", Rule::kAllow},
    {SYS_mmap, "mmap", Rule::kAllow},
    {SYS_munmap, "munmap", Rule::kAllow},
    {SYS_mremap, "mremap", Rule::kAllow},
    {SYS_mprotect, "mprotect", Rule::kAllow},
    {SYS_madvise, "madvise", Rule::kAllow},
    {SYS_mincore, "mincore", Rule::kAllow},
    {SYS_brk, "brk", Rule::kAllow},
    {SYS_futex, "futex", Rule::kAllow},
    {SYS_set_robust_list, "set_robust_list", Rule::kAllow},
    {SYS_get_robust_list, "get_robust_list", Rule::kAllow},
    {SYS_set_tid_address, "set_tid_address", Rule::kAllow},
#ifdef SYS_rseq
    {SYS_rseq, "rseq", Rule::kAllow},
#endif
    {SYS_membarrier, "membarrier", Rule::kAllow},
    {SYS_rt_sigaction, "rt_sigaction", Rule::kAllow},
    {SYS_rt_sigprocmask, "rt_sigprocmask", Rule::kAllow},
    {SYS_rt_sigreturn, "rt_sigreturn", Rule::kAllow},
    {SYS_sigaltstack, "sigaltstack", Rule::kAllow},
    {SYS_restart_syscall, "restart_syscall", Rule::kAllow},
    {SYS_exit, "exit", Rule::kAllow},
    {SYS_exit_group, "exit_group", Rule::kAllow},
    {SYS_nanosleep, "nanosleep", Rule::kAllow},
    {SYS_clock_nanosleep, "clock_nanosleep", Rule::kAllow},
    {SYS_clock_gettime, "clock_gettime", Rule::kAllow},
    {SYS_clock_getres, "clock_getres", Rule::kAllow},
    {SYS_gettimeofday, "gettimeofday", Rule::kAllow},
    {SYS_time, "time", Rule::kAllow},
    {SYS_getpid, "getpid", Rule::kAllow},
    {SYS_gettid, "gettid", Rule::kAllow},
    {SYS_getppid, "getppid", Rule::kAllow},
    {SYS_getuid, "getuid", Rule::kAllow},
    {SYS_geteuid, "geteuid", Rule::kAllow},
    {SYS_getgid, "getgid", Rule::kAllow},
    {SYS_getegid, "getegid", Rule::kAllow},
    {SYS_getresuid, "getresuid", Rule::kAllow},
    {SYS_getresgid, "getresgid", Rule::kAllow},
    {SYS_getgroups, "getgroups", Rule::kAllow},
    {SYS_getpgrp, "getpgrp", Rule::kAllow},
    {SYS_getpriority, "getpriority", Rule::kAllow},
    {SYS_ioprio_get, "ioprio_get", Rule::kAllow},
    {SYS_sched_yield, "sched_yield", Rule::kAllow},
    {SYS_sched_getaffinity, "sched_getaffinity", Rule::kAllow},
    {SYS_getcpu, "getcpu", Rule::kAllow},
    {SYS_getrandom, "getrandom", Rule::kAllow},
    {SYS_uname, "uname", Rule::kAllow},
    {SYS_sysinfo, "sysinfo", Rule::kAllow},
    {SYS_getrlimit, "getrlimit", Rule::kAllow},
    {SYS_getrusage, "getrusage", Rule::kAllow},
    {SYS_times, "times", Rule::kAllow},
    {SYS_capget, "capget", Rule::kAllow},
    // Sockets, for the families a policy names (socket itself is checked apart).
    {SYS_connect, "connect", Rule::kNetwork},
    {SYS_bind, "bind", Rule::kNetwork},
    {SYS_sendto, "sendto", Rule::kNetwork},
    {SYS_recvfrom, "recvfrom", Rule::kNetwork},
    {SYS_sendmsg, "sendmsg", Rule::kNetwork},
    {SYS_recvmsg, "recvmsg", Rule::kNetwork},
    {SYS_sendmmsg, "sendmmsg", Rule::kNetwork},
    {SYS_recvmmsg, "recvmmsg", Rule::kNetwork},
    {SYS_getsockname, "getsockname", Rule::kNetwork},
    {SYS_getpeername, "getpeername", Rule::kNetwork},
    {SYS_getsockopt, "getsockopt", Rule::kNetwork},
    {SYS_setsockopt, "setsockopt", Rule::kNetwork},
    {SYS_shutdown, "shutdown", Rule::kNetwork},
    // Forbidden, named for the report.
    {SYS_open, "open", Rule::kNamed},
    {SYS_openat, "openat", Rule::kNamed},
    {SYS_creat, "creat", Rule::kNamed},
    {SYS_clone, "clone", Rule::kNamed},
    {SYS_clone3, "clone3", Rule::kNamed},
    {SYS_fork, "fork", Rule::kNamed},
    {SYS_vfork, "vfork", Rule::kNamed},
    {SYS_execve, "execve", Rule::kNamed},
    {SYS_execveat, "execveat", Rule::kNamed},
    {SYS_socket, "socket", Rule::kNamed},
    {SYS_socketpair, "socketpair", Rule::kNamed},
    {SYS_kill, "kill", Rule::kNamed},
    {SYS_tkill, "tkill", Rule::kNamed},
    {SYS_tgkill, "tgkill", Rule::kNamed},
    {SYS_ptrace, "ptrace", Rule::kNamed},
    {SYS_process_vm_readv, "process_vm_readv", Rule::kNamed},
    {SYS_process_vm_writev, "process_vm_writev", Rule::kNamed},
    {SYS_mount, "mount", Rule::kNamed},
    {SYS_umount2, "umount2", Rule::kNamed},
    {SYS_init_module, "init_module", Rule::kNamed},
    {SYS_finit_module, "finit_module", Rule::kNamed},
    {SYS_delete_module, "delete_module", Rule::kNamed},
    {SYS_kexec_load, "kexec_load", Rule::kNamed},
    {SYS_reboot, "reboot", Rule::kNamed},
    {SYS_unlink, "unlink", Rule::kNamed},
    {SYS_unlinkat, "unlinkat", Rule::kNamed},
    {SYS_rename, "rename", Rule::kNamed},
    {SYS_renameat, "renameat", Rule::kNamed},
    {SYS_renameat2, "renameat2", Rule::kNamed},
    {SYS_mkdir, "mkdir", Rule::kNamed},
    {SYS_mkdirat, "mkdirat", Rule::kNamed},
    {SYS_rmdir, "rmdir", Rule::kNamed},
    {SYS_link, "link", Rule::kNamed},
    {SYS_linkat, "linkat", Rule::kNamed},
    {SYS_symlink, "symlink", Rule::kNamed},
    {SYS_symlinkat, "symlinkat", Rule::kNamed},
    {SYS_chmod, "chmod", Rule::kNamed},
    {SYS_fchmod, "fchmod", Rule::kNamed},
    {SYS_fchmodat, "fchmodat", Rule::kNamed},
    {SYS_chown, "chown", Rule::kNamed},
    {SYS_fchown, "fchown", Rule::kNamed},
    {SYS_lchown, "lchown", Rule::kNamed},
    {SYS_fchownat, "fchownat", Rule::kNamed},
    {SYS_truncate, "truncate", Rule::kNamed},
    {SYS_ftruncate, "ftruncate", Rule::kNamed},
    {SYS_setuid, "setuid", Rule::kNamed},
    {SYS_setgid, "setgid", Rule::kNamed},
    {SYS_setreuid, "setreuid", Rule::kNamed},
    {SYS_setresuid, "setresuid", Rule::kNamed},
    {SYS_setns, "setns", Rule::kNamed},
    {SYS_unshare, "unshare", Rule::kNamed},
    {SYS_chroot, "chroot", Rule::kNamed},
    {SYS_pivot_root, "pivot_root", Rule::kNamed},
    {SYS_bpf, "bpf", Rule::kNamed},
    {SYS_perf_event_open, "perf_event_open", Rule::kNamed},
    {SYS_userfaultfd, "userfaultfd", Rule::kNamed},
    {SYS_keyctl, "keyctl", Rule::kNamed},
    {SYS_add_key, "add_key", Rule::kNamed},
    {SYS_settimeofday, "settimeofday", Rule::kNamed},
    {SYS_clock_settime, "clock_settime", Rule::kNamed},
    {SYS_setpriority, "setpriority", Rule::kNamed},
    {SYS_setrlimit, "setrlimit", Rule::kNamed},
    {SYS_prlimit64, "prlimit64", Rule::kNamed},
    {SYS_ioctl, "ioctl", Rule::kNamed},
    {SYS_prctl, "prctl", Rule::kNamed},
    {SYS_swapon, "swapon", Rule::kNamed},
    {SYS_acct, "acct", Rule::kNamed},
    {SYS_io_uring_setup, "io_uring_setup", Rule::kNamed},
    {SYS_memfd_create, "memfd_create", Rule::kNamed},
    {SYS_mknod, "mknod", Rule::kNamed},
    {SYS_mknodat, "mknodat", Rule::kNamed},
    {SYS_utimensat, "utimensat", Rule::kNamed},
    {SYS_wait4, "wait4", Rule::kNamed},
    {SYS_seccomp, "seccomp", Rule::kNamed},
};

// O_TMPFILE includes O_DIRECTORY: only its own bit counts, or every directory open would look like a write.
constexpr uint32_t kWriteFlags = O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND | (O_TMPFILE & ~O_DIRECTORY);

// A small assembler with labels: jumps name where they go (a label, or kNext: the next instruction), and
// the offsets BPF wants are worked out once the program is complete, so that an edit cannot silently send a
// rule to the wrong instruction. Every jump goes forward, at most 255 instructions (BPF's limit); a label that
// is never bound, or a jump that breaks either rule, aborts the build of the filter (a programming error,
// caught by every test that enters the sandbox).
class Program {
 public:
  struct Label {
    size_t id;
  };
  // Falls through to the next instruction.
  static constexpr Label kNext = {~size_t{0}};

  Label NewLabel() {
    bound_at_.push_back(kUnbound);
    return {bound_at_.size() - 1};
  }
  // The next instruction appended is where `label` leads.
  void Bind(Label label) { bound_at_[label.id] = code_.size(); }

  void Load(uint32_t offset) { Append(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offset), kNext, kNext); }
  void Return(uint32_t action) { Append(BPF_STMT(BPF_RET | BPF_K, action), kNext, kNext); }
  void JumpIfEqual(uint32_t k, Label if_equal, Label otherwise) {
    Append(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, k, 0, 0), if_equal, otherwise);
  }
  void JumpIfAnyBit(uint32_t mask, Label if_any, Label otherwise) {
    Append(BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, mask, 0, 0), if_any, otherwise);
  }
  void JumpIfAtLeast(uint32_t k, Label if_at_least, Label otherwise) {
    Append(BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, k, 0, 0), if_at_least, otherwise);
  }

  std::vector<sock_filter> Take() && {
    for (size_t i = 0; i < code_.size(); ++i) {
      code_[i].jt = Offset(i, targets_[i].first);
      code_[i].jf = Offset(i, targets_[i].second);
    }
    return std::move(code_);
  }

 private:
  static constexpr size_t kUnbound = ~size_t{0};

  void Append(sock_filter instruction, Label if_true, Label if_false) {
    code_.push_back(instruction);
    targets_.emplace_back(if_true, if_false);
  }

  uint8_t Offset(size_t from, Label to) const {
    if (to.id == kNext.id) return 0;
    const size_t at = bound_at_[to.id];
    if (at == kUnbound || at <= from || at - from - 1 > 255) {
      std::fprintf(stderr, "seccomp filter: instruction %zu jumps to an unbound, backward or distant label\n", from);
      std::abort();
    }
    return static_cast<uint8_t>(at - from - 1);
  }

  std::vector<sock_filter> code_;
  std::vector<std::pair<Label, Label>> targets_;  // per instruction: where it goes if true, if false
  std::vector<size_t> bound_at_;                  // per label: the instruction it leads to
};

using Label = Program::Label;
constexpr Label kNext = Program::kNext;

constexpr uint32_t kNr = offsetof(struct seccomp_data, nr);
constexpr uint32_t ArgLow(int i) { return offsetof(struct seccomp_data, args) + 8 * i; }
constexpr uint32_t ArgHigh(int i) { return ArgLow(i) + 4; }
constexpr uint32_t kAllow = SECCOMP_RET_ALLOW;
constexpr uint32_t kTrap = SECCOMP_RET_TRAP;
constexpr uint32_t Errno(int e) { return SECCOMP_RET_ERRNO | (static_cast<uint32_t>(e) & SECCOMP_RET_DATA); }

// syscall `number`: allowed when argument `arg` (low 32 bits) is one of `values`, else trapped. Other
// numbers jump over the block with the accumulator still holding the number.
void AllowWhenArgumentIn(Program& p, int number, int arg, const std::vector<uint32_t>& values) {
  Label other_call = p.NewLabel(), allow = p.NewLabel();
  p.JumpIfEqual(static_cast<uint32_t>(number), kNext, other_call);
  p.Load(ArgLow(arg));
  for (uint32_t v : values) p.JumpIfEqual(v, allow, kNext);
  p.Return(kTrap);
  p.Bind(allow);
  p.Return(kAllow);
  p.Bind(other_call);
}

// ---- the SIGSYS reporter: async-signal-safe, no allocation ----

struct Message {
  char text[512];
  size_t size = 0;
  void Add(const char* s) {
    while (*s != '\0' && size < sizeof(text) - 1) text[size++] = *s++;
  }
  void AddNumber(long value) {
    char digits[24];
    int n = 0;
    bool negative = value < 0;
    unsigned long v = negative ? -static_cast<unsigned long>(value) : static_cast<unsigned long>(value);
    do {
      digits[n++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v != 0 && n < 23);
    if (negative) Add("-");
    while (n > 0 && size < sizeof(text) - 1) text[size++] = digits[--n];
  }
  void AddPath(const char* path) {
    Add("\"");
    for (int i = 0; path != nullptr && path[i] != '\0' && i < 200; ++i) {
      char c[2] = {path[i], '\0'};
      Add(c);
    }
    Add("\"");
  }
};

void OnSigsys(int, siginfo_t* info, void* context) {
  int number = info->si_syscall;
  long args[6] = {};
#if defined(__x86_64__) && defined(REG_RDI)
  const greg_t* regs = static_cast<ucontext_t*>(context)->uc_mcontext.gregs;
  args[0] = regs[REG_RDI];
  args[1] = regs[REG_RSI];
  args[2] = regs[REG_RDX];
#endif
  Message m;
  m.Add(kViolationPrefix.data());
  m.Add("forbidden system call ");
  std::string_view name = SyscallName(number);
  char name_text[40] = {};
  memcpy(name_text, name.data(), name.size() < 39 ? name.size() : 39);
  m.Add(name_text);
  if (number == SYS_openat) {
    m.Add(" ");
    m.AddPath(reinterpret_cast<const char*>(args[1]));
    m.Add(" for writing");
  } else if (number == SYS_open || number == SYS_creat) {
    m.Add(" ");
    m.AddPath(reinterpret_cast<const char*>(args[0]));
    m.Add(" for writing");
  } else if (number == SYS_execve || number == SYS_unlink || number == SYS_mkdir || number == SYS_chmod ||
             number == SYS_rename) {
    m.Add(" ");
    m.AddPath(reinterpret_cast<const char*>(args[0]));
  } else if (number == SYS_socket) {
    m.Add(" (address family ");
    m.AddNumber(args[0]);
    m.Add(")");
  } else if (number == SYS_kill || number == SYS_tgkill || number == SYS_tkill || number == SYS_ptrace) {
    m.Add(" on process ");
    m.AddNumber(number == SYS_ptrace ? args[1] : args[0]);
  }
  m.Add(": modules only read the host\n");
  ssize_t ignored = write(STDERR_FILENO, m.text, m.size);
  (void)ignored;
  _exit(kViolationExitStatus);
}

}  // namespace

std::string_view SyscallName(int number) {
  for (const Syscall& s : kSyscalls) {
    if (s.number == number) return s.name;
  }
  return "(unlisted)";
}

// Each block below is self-contained: it returns, or jumps to its own end with the accumulator still holding
// the system call's number for the next block, so every jump stays short.
std::vector<sock_filter> BuildFilter(const Policy& policy, pid_t self) {
  Program p;
#if defined(__x86_64__)
  {
    Label arch_ok = p.NewLabel(), native = p.NewLabel();
    p.Load(offsetof(struct seccomp_data, arch));
    p.JumpIfEqual(kArch, arch_ok, kNext);
    p.Return(kTrap);
    p.Bind(arch_ok);
    p.Load(kNr);
    // x32 system calls (bit 30) would be other numbers for the same calls.
    p.JumpIfAtLeast(0x40000000u, kNext, native);
    p.Return(kTrap);
    p.Bind(native);
  }
#endif
  bool network = !policy.socket_families.empty();
  for (const Syscall& s : kSyscalls) {
    if (s.rule == Rule::kAllow || (s.rule == Rule::kNetwork && network)) {
      Label other_call = p.NewLabel();
      p.JumpIfEqual(static_cast<uint32_t>(s.number), kNext, other_call);
      p.Return(kAllow);
      p.Bind(other_call);
    }
  }
  // open/openat: reading only.
  for (auto [number, flags_arg] : {std::pair{SYS_open, 1}, std::pair{SYS_openat, 2}}) {
    Label other_call = p.NewLabel(), writes = p.NewLabel();
    p.JumpIfEqual(static_cast<uint32_t>(number), kNext, other_call);
    p.Load(ArgLow(flags_arg));
    p.JumpIfAnyBit(kWriteFlags, writes, kNext);
    p.Return(kAllow);
    p.Bind(writes);
    p.Return(kTrap);
    p.Bind(other_call);
  }
  // Newer calls the C library may try first and fall back from.
  for (int number : {
#ifdef SYS_openat2
           SYS_openat2,
#endif
           SYS_clone3}) {
    Label other_call = p.NewLabel();
    p.JumpIfEqual(static_cast<uint32_t>(number), kNext, other_call);
    p.Return(Errno(ENOSYS));
    p.Bind(other_call);
  }
  // clone: threads only, never a new process.
  {
    Label other_call = p.NewLabel(), thread = p.NewLabel();
    p.JumpIfEqual(SYS_clone, kNext, other_call);
    p.Load(ArgLow(0));
    p.JumpIfAnyBit(CLONE_THREAD, thread, kNext);
    p.Return(kTrap);
    p.Bind(thread);
    p.Return(kAllow);
    p.Bind(other_call);
  }
  // Signals: to this process only. tkill, which takes any thread id (another process's too), is forbidden:
  // musl's raise() and abort() use it, so a module that aborts is stopped by the sandbox either way.
  AllowWhenArgumentIn(p, SYS_kill, 0, {static_cast<uint32_t>(self)});
  AllowWhenArgumentIn(p, SYS_tgkill, 0, {static_cast<uint32_t>(self)});
  // prlimit64: reading limits (new limit NULL), never setting them.
  {
    Label other_call = p.NewLabel(), low_zero = p.NewLabel(), sets = p.NewLabel();
    p.JumpIfEqual(SYS_prlimit64, kNext, other_call);
    p.Load(ArgLow(2));
    p.JumpIfEqual(0, low_zero, sets);
    p.Bind(low_zero);
    p.Load(ArgHigh(2));
    p.JumpIfEqual(0, kNext, sets);
    p.Return(kAllow);
    p.Bind(sets);
    p.Return(kTrap);
    p.Bind(other_call);
  }
  // ioctl: what isatty and FIONREAD need; anything else (TIOCSTI on a terminal ...) fails harmlessly.
  {
    Label other_call = p.NewLabel(), allowed = p.NewLabel();
    p.JumpIfEqual(SYS_ioctl, kNext, other_call);
    p.Load(ArgLow(1));
    for (uint32_t request : {uint32_t{TCGETS}, uint32_t{TIOCGWINSZ}, uint32_t{FIONREAD}}) {
      p.JumpIfEqual(request, allowed, kNext);
    }
    p.Return(Errno(ENOTTY));
    p.Bind(allowed);
    p.Return(kAllow);
    p.Bind(other_call);
  }
  // prctl: thread names only.
  AllowWhenArgumentIn(p, SYS_prctl, 0, {PR_SET_NAME, PR_GET_NAME});
  // socket: the policy's families. A local (AF_UNIX) socket fails without stopping the module: glibc's
  // resolver tries nscd's before DNS, and a module must not reach local daemons (docker.sock ...).
  if (network) {
    Label other_call = p.NewLabel(), allowed = p.NewLabel(), local = p.NewLabel();
    p.JumpIfEqual(SYS_socket, kNext, other_call);
    p.Load(ArgLow(0));
    for (int family : policy.socket_families) p.JumpIfEqual(static_cast<uint32_t>(family), allowed, kNext);
    p.JumpIfEqual(AF_UNIX, local, kNext);
    p.Return(kTrap);
    p.Bind(local);
    p.Return(Errno(EACCES));
    p.Bind(allowed);
    p.Return(kAllow);
    p.Bind(other_call);
  }
  // Whatever is left.
  p.Return(kTrap);
  return std::move(p).Take();
}

absl::Status Enter(const Policy& policy) {
#if !defined(__x86_64__)
  return absl::UnimplementedError("the module sandbox is built for x86-64 only");
#else
  struct sigaction action = {};
  action.sa_sigaction = OnSigsys;
  action.sa_flags = SA_SIGINFO;
  sigemptyset(&action.sa_mask);
  if (sigaction(SIGSYS, &action, nullptr) != 0) {
    return absl::InternalError(absl::StrCat("sigaction(SIGSYS): ", strerror(errno)));
  }
  // SIGSYS must reach the handler even if the module blocked signals.
  sigset_t sigsys;
  sigemptyset(&sigsys);
  sigaddset(&sigsys, SIGSYS);
  sigprocmask(SIG_UNBLOCK, &sigsys, nullptr);
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    return absl::FailedPreconditionError(absl::StrCat("prctl(PR_SET_NO_NEW_PRIVS): ", strerror(errno)));
  }
  std::vector<sock_filter> filter = BuildFilter(policy, getpid());
  sock_fprog program = {.len = static_cast<unsigned short>(filter.size()), .filter = filter.data()};
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &program) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("seccomp(SECCOMP_SET_MODE_FILTER): ", strerror(errno), " (a kernel without seccomp-BPF?)"));
  }
  return absl::OkStatus();
#endif
}

}  // namespace mig::sandbox
