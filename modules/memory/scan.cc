#include "modules/memory/scan.h"

#include <dirent.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "base/go_format.h"
#include "base/json/writer.h"
#include "modules/result.h"
#include "re2/re2.h"

namespace mig::modules::memory {
namespace {

constexpr int kMaxThreads = 16;

struct CompiledCheck {
  CheckKind kind;
  std::string value;
  std::unique_ptr<RE2> regex;  // names, libraries, contents
  std::string bytes;           // bytes, decoded
};

struct CompiledSearch {
  const Search* search;
  std::vector<CompiledCheck> checks;  // in CheckOrder
};

std::vector<CompiledSearch> Compile(const Parameters& parameters) {
  std::vector<CompiledSearch> compiled;
  for (const auto& [label, search] : parameters.searches) {
    CompiledSearch c{&search, {}};
    for (CheckRef ref : CheckOrder(search)) {
      CompiledCheck check{ref.kind, *ref.value, nullptr, ""};
      if (ref.kind == CheckKind::kBytes) {
        check.bytes = DecodeHex(*ref.value).value();  // validated with the parameters
      } else {
        check.regex = std::make_unique<RE2>(*ref.value, RegexOptions());
      }
      c.checks.push_back(std::move(check));
    }
    compiled.push_back(std::move(c));
  }
  return compiled;
}

bool IsMemoryCheck(CheckKind kind) { return kind == CheckKind::kContent || kind == CheckKind::kBytes; }

std::vector<pid_t> ListPids() {
  std::vector<pid_t> pids;
  DIR* dir = opendir("/proc");
  if (dir == nullptr) return pids;
  while (struct dirent* entry = readdir(dir)) {
    int pid = 0;
    if (absl::SimpleAtoi(entry->d_name, &pid) && pid > 0) pids.push_back(pid);
  }
  closedir(dir);
  std::sort(pids.begin(), pids.end());
  return pids;
}

struct FileId {
  dev_t device = 0;
  ino_t inode = 0;
  bool valid = false;
};

FileId ExecutableId(const std::string& exe_link) {
  struct stat st;
  if (stat(exe_link.c_str(), &st) != 0) return {};
  return {st.st_dev, st.st_ino, true};
}

// What the inspection of one process found, recorded in the outcome at once.
struct ProcessReport {
  std::vector<std::vector<bool>> matched;  // by search, by check
  bool gone = false;
  uint64_t failure_count = 0;
  std::vector<std::string> failures;  // the ones to list
  uint64_t bytes_read = 0;
};

// What one search needs while one process's memory is walked.
struct MemoryScanState {
  size_t search_index;
  uint64_t offset;
  uint64_t max_length;  // 0: no limit
  uint64_t consumed = 0;
  std::vector<size_t> pending;  // memory checks not matched yet
  bool done = false;
};

class Scanner {
 public:
  Scanner(const Parameters& parameters, const RunContext& context, const ScanOptions& options)
      : context_(context), options_(options), searches_(Compile(parameters)) {
    outcome_.searches.resize(searches_.size());
    for (size_t s = 0; s < searches_.size(); ++s) outcome_.searches[s].per_check.resize(searches_[s].checks.size());
  }

  ScanOutcome Run() {
    absl::Time start = absl::Now();
    pids_ = options_.only_pids ? *options_.only_pids : ListPids();
    if (pids_.empty() && !options_.only_pids) {
      absl::MutexLock lock(&mutex_);
      outcome_.errors.push_back("cannot list processes in /proc");
    }
    if (options_.skip_self) self_ = ExecutableId("/proc/self/exe");
    int threads = context_.threads > 0 ? context_.threads : static_cast<int>(std::thread::hardware_concurrency());
    threads = std::clamp(threads, 1, kMaxThreads);
    threads = std::max(1, std::min(threads, static_cast<int>(pids_.size())));
    std::vector<std::thread> pool;
    for (int i = 1; i < threads; ++i) pool.emplace_back([this] { WorkerLoop(); });
    WorkerLoop();
    for (std::thread& t : pool) t.join();
    absl::MutexLock lock(&mutex_);
    if (context_.ShouldStop()) {
      outcome_.incomplete = true;
      outcome_.errors.push_back(absl::Now() >= context_.deadline
                                    ? "the module reached its deadline: results are incomplete"
                                    : "the module was cancelled: results are incomplete");
    }
    for (SearchOutcome& search : outcome_.searches) {
      auto by_pid = [](const MatchedProcess& a, const MatchedProcess& b) { return a.pid < b.pid; };
      std::sort(search.processes.begin(), search.processes.end(), by_pid);
      for (auto& list : search.per_check) std::sort(list.begin(), list.end(), by_pid);
    }
    outcome_.exec_time = absl::Now() - start;
    return std::move(outcome_);
  }

 private:
  void WorkerLoop() {
    MemoryWalker walker(options_.walk);
    while (!context_.ShouldStop()) {
      size_t i = next_.fetch_add(1);
      if (i >= pids_.size()) return;
      InspectProcess(pids_[i], walker);
      if (context_.progress != nullptr) context_.progress->items.fetch_add(1, std::memory_order_relaxed);
    }
  }

  bool IsSelf(pid_t pid) const {
    if (!options_.skip_self) return false;
    if (pid == getpid()) return true;
    FileId id = ExecutableId(absl::StrCat("/proc/", pid, "/exe"));
    return self_.valid && id.valid && id.device == self_.device && id.inode == self_.inode;
  }

  void InspectProcess(pid_t pid, MemoryWalker& walker) {
    if (IsSelf(pid)) return;
    absl::StatusOr<std::string> name = ProcessName(pid);
    if (!name.ok()) {
      if (absl::IsNotFound(name.status())) {
        Gone();
      } else {
        Fail(absl::StrCat("process ", pid, ": ", name.status().message()));
      }
      return;
    }
    ProcessReport report;
    std::vector<std::vector<bool>>& matched = report.matched;
    matched.resize(searches_.size());
    std::vector<bool> active(searches_.size(), true);

    bool needs_mappings = false;
    for (size_t s = 0; s < searches_.size(); ++s) {
      const CompiledSearch& search = searches_[s];
      matched[s].assign(search.checks.size(), false);
      for (size_t c = 0; c < search.checks.size(); ++c) {
        const CompiledCheck& check = search.checks[c];
        if (check.kind != CheckKind::kName) continue;
        matched[s][c] = RE2::PartialMatch(*name, *check.regex);
        if (!matched[s][c] && search.search->options.match_all) active[s] = false;
      }
      needs_mappings =
          needs_mappings || (active[s] && (!search.search->libraries.empty() || search.search->ReadsMemory()));
    }

    if (needs_mappings) {
      absl::StatusOr<std::vector<Mapping>> mappings = ReadMappings(pid);
      if (!mappings.ok()) {
        if (absl::IsNotFound(mappings.status())) {
          report.gone = true;
        } else {
          ++report.failure_count;
          report.failures.push_back(std::string(mappings.status().message()));
        }
      } else {
        CheckLibraries(*name, *mappings, matched, active);
        ScanMemory(pid, *mappings, walker, active, report);
      }
    }
    Record(pid, *name, report);
  }

  void CheckLibraries(const std::string& name, const std::vector<Mapping>& mappings,
                      std::vector<std::vector<bool>>& matched, std::vector<bool>& active) const {
    std::vector<std::string> libraries;
    bool listed = false;
    for (size_t s = 0; s < searches_.size(); ++s) {
      const CompiledSearch& search = searches_[s];
      if (!active[s]) continue;
      for (size_t c = 0; c < search.checks.size(); ++c) {
        const CompiledCheck& check = search.checks[c];
        if (check.kind != CheckKind::kLibrary) continue;
        if (!listed) {
          libraries = LoadedLibraries(mappings, name);
          listed = true;
        }
        for (const std::string& library : libraries) {
          if (RE2::PartialMatch(library, *check.regex)) {
            matched[s][c] = true;
            break;
          }
        }
        if (!matched[s][c] && search.search->options.match_all) active[s] = false;
      }
    }
  }

  void ScanMemory(pid_t pid, const std::vector<Mapping>& mappings, MemoryWalker& walker,
                  const std::vector<bool>& active, ProcessReport& report) {
    std::vector<MemoryScanState> states;
    uint64_t from_address = UINT64_MAX;
    bool log_failures = false;
    for (size_t s = 0; s < searches_.size(); ++s) {
      const CompiledSearch& search = searches_[s];
      if (!active[s] || !search.search->ReadsMemory()) continue;
      MemoryScanState state{s, search.search->options.offset, search.search->options.max_length, 0, {}, false};
      for (size_t c = 0; c < search.checks.size(); ++c) {
        if (IsMemoryCheck(search.checks[c].kind)) state.pending.push_back(c);
      }
      from_address = std::min(from_address, state.offset);
      log_failures = log_failures || search.search->options.log_failures;
      states.push_back(std::move(state));
    }
    if (states.empty()) return;

    auto visit = [&](const Window& window) {
      if (options_.before_window) options_.before_window(pid, window);
      bool any_left = false;
      for (MemoryScanState& state : states) {
        if (state.done) continue;
        SearchWindow(window, state, report.matched[state.search_index]);
        any_left = any_left || !state.done;
      }
      return any_left;
    };
    WalkOutcome walk = walker.Walk(pid, mappings, from_address, visit, [this] { return context_.ShouldStop(); });
    report.gone = report.gone || walk.process_gone;
    report.failure_count += walk.failures.size();
    // Unreadable regions are common (MIG listed them only on request); not being able to read a process at
    // all is always worth saying.
    if (log_failures || walk.open_failed) {
      for (std::string& failure : walk.failures) report.failures.push_back(std::move(failure));
    }
    report.bytes_read = walk.bytes_read;
    if (context_.progress != nullptr) context_.progress->bytes.fetch_add(walk.bytes_read, std::memory_order_relaxed);
  }

  // Searches the part of `window` a search may see, given its offset and the bytes it may still read.
  void SearchWindow(const Window& window, MemoryScanState& state, std::vector<bool>& matched) const {
    size_t begin = window.begin;
    if (state.offset > window.address) {
      uint64_t skip = state.offset - window.address;
      if (skip >= window.size) return;  // not there yet
      begin = std::max<size_t>(begin, skip);
    }
    size_t end = window.end;
    size_t fresh_begin = std::max<size_t>(window.fresh_begin, begin);
    uint64_t fresh = window.size > fresh_begin ? window.size - fresh_begin : 0;
    bool limit_reached = false;
    if (state.max_length != 0) {
      uint64_t budget = state.max_length - state.consumed;
      if (fresh >= budget) {
        size_t limit = fresh_begin + static_cast<size_t>(budget);
        limit_reached = limit <= end;
        end = std::min(end, limit);
        fresh = budget;
      }
    }
    state.consumed += fresh;
    if (begin < end) {
      const CompiledSearch& search = searches_[state.search_index];
      std::string_view view(window.data + begin, end - begin);
      for (auto it = state.pending.begin(); it != state.pending.end();) {
        const CompiledCheck& check = search.checks[*it];
        bool found = check.kind == CheckKind::kContent
                         ? check.regex->Match(window.Text(), begin, end, RE2::UNANCHORED, nullptr, 0)
                         : memmem(view.data(), view.size(), check.bytes.data(), check.bytes.size()) != nullptr;
        if (found) {
          matched[*it] = true;
          it = state.pending.erase(it);
        } else {
          ++it;
        }
      }
    }
    state.done = state.pending.empty() || limit_reached;
  }

  void Record(pid_t pid, const std::string& name, const ProcessReport& report) {
    absl::MutexLock lock(&mutex_);
    ++outcome_.process_count;
    if (report.gone) ++outcome_.processes_gone;
    outcome_.memory_read += report.bytes_read;
    outcome_.failure_count += report.failure_count;
    for (const std::string& failure : report.failures) {
      AddFailureLocked(absl::StrCat("process ", pid, " (", name, "): ", failure));
    }
    for (size_t s = 0; s < searches_.size(); ++s) {
      const std::vector<bool>& checks = report.matched[s];
      if (searches_[s].search->options.match_all) {
        if (std::all_of(checks.begin(), checks.end(), [](bool b) { return b; })) {
          outcome_.searches[s].processes.push_back({pid, name});
        }
        continue;
      }
      for (size_t c = 0; c < checks.size(); ++c) {
        if (checks[c]) outcome_.searches[s].per_check[c].push_back({pid, name});
      }
    }
  }

  void Gone() {
    absl::MutexLock lock(&mutex_);
    ++outcome_.processes_gone;
  }

  void Fail(std::string message) {
    absl::MutexLock lock(&mutex_);
    ++outcome_.failure_count;
    AddFailureLocked(std::move(message));
  }

  void AddFailureLocked(std::string message) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    if (outcome_.failures.size() < kMaxFailureMessages) outcome_.failures.push_back(std::move(message));
  }

  const RunContext& context_;
  const ScanOptions& options_;
  const std::vector<CompiledSearch> searches_;
  std::vector<pid_t> pids_;
  FileId self_;
  std::atomic<size_t> next_{0};
  absl::Mutex mutex_;
  ScanOutcome outcome_ ABSL_GUARDED_BY(mutex_);
};

void WriteSearch(json::JsonWriter& w, const Search& search, const CheckRef* only_check) {
  w.Key("search");
  w.BeginObject();
  if (only_check == nullptr) {
    if (!search.description.empty()) w.Field("description", search.description);
    const std::pair<const char*, const std::vector<std::string>*> lists[] = {{"names", &search.names},
                                                                             {"libraries", &search.libraries},
                                                                             {"bytes", &search.bytes},
                                                                             {"contents", &search.contents}};
    for (const auto& [key, values] : lists) {
      if (values->empty()) continue;
      w.Key(key);
      w.StringArray(*values);
    }
  } else {
    static constexpr const char* kKeys[] = {"names", "libraries", "contents", "bytes"};
    w.Key(kKeys[static_cast<int>(only_check->kind)]);
    w.StringArray({*only_check->value});
  }
  // As MIG: offset and maxlength are left out of results; logfailures only where the whole search is shown.
  w.Key("options");
  w.BeginObject();
  if (only_check == nullptr && search.options.log_failures) w.Field("logfailures", true);
  if (search.options.match_all) w.Field("matchall", true);
  w.EndObject();
  w.EndObject();
}

void WriteMatch(json::JsonWriter& w, const Search& search, const MatchedProcess* process, const CheckRef* check,
                uint64_t* total_hits) {
  w.BeginObject();
  w.Key("process");
  w.BeginObject();
  w.Field("name", process != nullptr ? std::string_view(process->name) : std::string_view());
  w.Field("pid", static_cast<int64_t>(process != nullptr ? process->pid : 0));
  w.EndObject();
  WriteSearch(w, search, check);
  w.EndObject();
  if (process != nullptr) ++*total_hits;
}

}  // namespace

std::vector<CheckRef> CheckOrder(const Search& search) {
  std::vector<CheckRef> order;
  for (const std::string& v : search.names) order.push_back({CheckKind::kName, &v});
  for (const std::string& v : search.libraries) order.push_back({CheckKind::kLibrary, &v});
  for (const std::string& v : search.contents) order.push_back({CheckKind::kContent, &v});
  for (const std::string& v : search.bytes) order.push_back({CheckKind::kBytes, &v});
  return order;
}

ScanOutcome Scan(const Parameters& parameters, const RunContext& context, const ScanOptions& options) {
  return Scanner(parameters, context, options).Run();
}

std::string ResultJson(const Parameters& parameters, const ScanOutcome& outcome) {
  uint64_t total_hits = 0;
  json::JsonWriter elements;
  elements.BeginObject();
  size_t index = 0;
  for (const auto& [label, search] : parameters.searches) {
    const SearchOutcome& result = outcome.searches[index++];
    elements.Key(label);
    elements.BeginArray();
    if (search.options.match_all) {
      for (const MatchedProcess& p : result.processes) WriteMatch(elements, search, &p, nullptr, &total_hits);
      if (result.processes.empty()) WriteMatch(elements, search, nullptr, nullptr, &total_hits);
    } else {
      std::vector<CheckRef> checks = CheckOrder(search);
      for (size_t c = 0; c < checks.size(); ++c) {
        for (const MatchedProcess& p : result.per_check[c]) WriteMatch(elements, search, &p, &checks[c], &total_hits);
        if (result.per_check[c].empty()) WriteMatch(elements, search, nullptr, &checks[c], &total_hits);
      }
    }
    elements.EndArray();
  }
  elements.EndObject();

  json::JsonWriter statistics;
  statistics.BeginObject();
  statistics.Field("processcount", outcome.process_count);
  statistics.Field("memoryread", outcome.memory_read);
  statistics.Field("totalhits", total_hits);
  if (!outcome.failures.empty()) {
    std::vector<std::string> failures = outcome.failures;
    if (outcome.failure_count > failures.size() && failures.size() == kMaxFailureMessages) {
      failures.push_back(absl::StrCat("... and ", outcome.failure_count - failures.size(), " more failures"));
    }
    statistics.Key("failures");
    statistics.StringArray(failures);
  }
  statistics.Field("exectime", GoDurationString(outcome.exec_time));
  statistics.Field("failurecount", outcome.failure_count);
  statistics.Field("processesgone", outcome.processes_gone);
  statistics.EndObject();

  ResultEnvelope envelope;
  envelope.found_anything = total_hits > 0;
  envelope.success = true;
  envelope.elements_json = std::move(elements).Take();
  envelope.statistics_json = std::move(statistics).Take();
  envelope.errors = outcome.errors;
  return envelope.ToJson();
}

}  // namespace mig::modules::memory
