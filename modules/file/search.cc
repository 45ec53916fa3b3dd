#include "modules/file/search.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "base/go_format.h"
#include "base/json/writer.h"
#include "base/utf8.h"
#include "crypto/digest.h"
#include "modules/file/file_source.h"
#include "modules/file/result_cache.h"
#include "modules/result.h"
#include "re2/re2.h"

namespace mig::modules::file {
namespace {

// Files of one directory are handed out in batches of this many, so that a directory of many large files
// is hashed by every worker rather than one.
constexpr size_t kFilesPerBatch = 16;
constexpr size_t kReadBufferSize = 256 << 10;
// A line longer than this is cut there: memory stays bounded whatever a file holds.
constexpr size_t kMaxLineBuffer = 16 << 20;

std::string JoinPath(std::string_view directory, std::string_view name) {
  if (directory == "/") return absl::StrCat("/", name);
  return absl::StrCat(directory, "/", name);
}

// Is `path` strictly below `directory` (component-wise: /usr/bin is below /usr, /usrx is not)?
bool IsStrictlyBelow(std::string_view path, std::string_view directory) {
  if (directory == "/") return path.size() > 1 && path[0] == '/';
  return path.size() > directory.size() + 1 && absl::StartsWith(path, directory) && path[directory.size()] == '/';
}

// A search path and the search it belongs to.
struct SearchPath {
  std::string path;
  size_t search;
};

// Which searches apply in a directory, and at what depth (the search's own path is depth 1).
struct Active {
  size_t search;
  uint64_t depth;
};

struct DirContext {
  std::vector<Active> active;
  // Search paths strictly below this directory: the walk must reach them even where no search is active.
  std::vector<const SearchPath*> below;
};

// One directory's regular files (and links to them), read once and shared by the tasks that evaluate them.
// Names are kept back to back in one string: a directory costs a few allocations, not one per file.
struct Listing {
  int fd = -1;
  std::string path;
  std::string names;              // each name followed by a NUL
  std::vector<uint32_t> offsets;  // where each name starts in `names`
  // For links, by index: the stat() of their target (followed), or their own lstat() (taken as themselves,
  // listed in `itself`); links are resolved while listing.
  std::vector<std::pair<uint32_t, struct stat>> link_stats;
  std::vector<uint32_t> itself;

  ~Listing() {
    if (fd >= 0) close(fd);
  }
  size_t size() const { return offsets.size(); }
  const char* name(size_t i) const { return names.data() + offsets[i]; }
  const struct stat* link_stat(uint32_t i) const {
    auto it = std::lower_bound(link_stats.begin(), link_stats.end(), i,
                               [](const auto& entry, uint32_t index) { return entry.first < index; });
    return it != link_stats.end() && it->first == i ? &it->second : nullptr;
  }
  bool is_itself(uint32_t i) const { return std::binary_search(itself.begin(), itself.end(), i); }
  // The file to evaluate at index i.
  struct FileRef File(uint32_t i) const;
};

struct Task {
  // A directory to read...
  std::string directory;
  bool is_root = false;
  // ...or files [begin, end) of a listing to evaluate.
  std::shared_ptr<Listing> listing;
  uint32_t begin = 0;
  uint32_t end = 0;
  std::shared_ptr<const DirContext> context;
};

struct Recorded {
  absl::Mutex mutex;
  SearchOutcome outcome ABSL_GUARDED_BY(mutex);
  std::atomic<bool> stopped{false};
};

// What one content check needs while a file is scanned.
struct ContentProbe {
  const Check* check;
  const RE2* regex;
  bool has_dollar;
  bool found = false;
};

// A macroal search: every line must match every one of its content regexes (and none of the inverse ones).
struct MacroalGroup {
  size_t search;
  std::vector<std::pair<const RE2*, bool /*inverse*/>> regexes;
  bool all_lines_ok = true;
  bool any_line = false;
};

// Scratch space of one worker thread; the compiled regexes are per thread so that workers never share RE2's
// internal caches.
struct Worker {
  std::vector<std::unique_ptr<RE2>> regex_by_check_id;
  std::vector<char> buffer;
  std::vector<int8_t> kept;          // by check id: -1 unknown, 0 not kept, 1 kept
  std::vector<char> candidate;       // by search
  std::string path;                  // the current file's path, built only when needed
  std::vector<Task> subdirectories;  // reused from directory to directory
  std::vector<Task> tasks;
  // Counted locally and added to the shared totals once per task: no cache line bounces between workers.
  uint64_t files = 0;
  uint64_t bytes = 0;
  uint32_t since_stop_check = 63;  // the first call looks at the clock
};

// The current file: its directory and name, with the full path built on first use.
struct FileRef {
  int dir_fd;
  std::string_view directory;  // empty when name is a full path
  const char* name;
  const struct stat* known_stat;  // already resolved (links), or null
  bool link_itself = false;       // a link judged as itself: known_stat is its lstat, it has no content

  const std::string& Path(Worker& w) const {
    if (w.path.empty()) {
      if (directory.empty()) {
        w.path = name;
      } else {
        w.path.assign(directory);
        if (directory != "/") w.path += '/';
        w.path += name;
      }
    }
    return w.path;
  }
};

FileRef Listing::File(uint32_t i) const { return FileRef{fd, path, name(i), link_stat(i), is_itself(i)}; }

class Engine {
 public:
  Engine(const std::vector<CompiledSearch>& searches, const RunContext& context)
      : searches_(searches), context_(context), recorded_(searches.size()) {
    for (size_t s = 0; s < searches_.size(); ++s) {
      recorded_[s].outcome.per_check.resize(searches_[s].match_all ? 0 : searches_[s].checks.size());
      for (const std::string& path : searches_[s].paths) search_paths_.push_back(SearchPath{path, s});
      for (const Check& c : searches_[s].checks) {
        total_checks_ = std::max<size_t>(total_checks_, c.id + 1);
        reads_content_ = reads_content_ || c.NeedsContent();
      }
      decompress_ = decompress_ || searches_[s].spec->options.decompress;
      (searches_[s].links_own ? links_own_ : links_followed_) = true;
    }
  }

  RunOutcome Run() {
    absl::Time start = absl::Now();
    PlanRoots();
    int threads = context_.threads > 0 ? context_.threads : static_cast<int>(std::thread::hardware_concurrency());
    threads = std::clamp(threads, 1, 64);
    std::vector<std::thread> pool;
    for (int i = 1; i < threads; ++i) pool.emplace_back([this] { WorkerLoop(); });
    WorkerLoop();
    for (std::thread& t : pool) t.join();
    return Finish(absl::Now() - start);
  }

 private:
  // ---- Roots ----------------------------------------------------------------------------------------------

  // Every distinct search path that is not below another one is a root of the walk; the others are reached
  // from their root (the walk descends towards them even where no search is active).
  void PlanRoots() {
    std::vector<std::string> paths;
    for (const SearchPath& p : search_paths_) paths.push_back(p.path);
    std::sort(paths.begin(), paths.end());
    paths.erase(std::unique(paths.begin(), paths.end()), paths.end());
    for (const std::string& root : paths) {
      bool nested = false;
      for (const std::string& other : paths) nested = nested || IsStrictlyBelow(root, other);
      if (nested) continue;
      auto context = std::make_shared<DirContext>();
      for (const SearchPath& p : search_paths_) {
        if (p.path == root) AddActive(context.get(), p.search, 1);
        if (IsStrictlyBelow(p.path, root)) context->below.push_back(&p);
      }
      struct stat st;
      if (stat(root.c_str(), &st) != 0) {
        // A path this host does not have is a complete answer; one it cannot look at is not.
        if (errno != ENOENT && errno != ENOTDIR) unreadable_directories_++;
        open_failed_++;
        AddError(absl::StrCat("stat ", root, ": ", ErrnoText(errno)));
        continue;
      }
      if (S_ISDIR(st.st_mode)) {
        Task task;
        task.directory = root;
        task.is_root = true;
        task.context = std::move(context);
        absl::MutexLock lock(&queue_mutex_);
        queue_.push_back(std::move(task));
      } else if (S_ISREG(st.st_mode)) {
        root_files_.push_back({root, st, std::move(context)});
      } else {
        AddError(absl::StrCat(root, " is neither a regular file nor a directory; not inspected"));
      }
    }
  }

  void AddActive(DirContext* context, size_t search, uint64_t depth) {
    for (Active& a : context->active) {
      if (a.search == search) {
        a.depth = std::min(a.depth, depth);
        return;
      }
    }
    if (depth <= searches_[search].max_depth) context->active.push_back(Active{search, depth});
  }

  // ---- The work queue ---------------------------------------------------------------------------------------

  void WorkerLoop() {
    Worker worker;
    worker.buffer.resize(kReadBufferSize);
    worker.kept.assign(total_checks_, -1);
    worker.candidate.assign(searches_.size(), 0);
    worker.regex_by_check_id.resize(total_checks_);
    for (const CompiledSearch& s : searches_) {
      for (const Check& c : s.checks) {
        if (c.kind == CheckKind::kContent || c.kind == CheckKind::kName || c.kind == CheckKind::kMode) {
          worker.regex_by_check_id[c.id] = std::make_unique<RE2>(RegexPatternFor(c), RegexOptions(c.kind));
        }
      }
    }
    // Roots that are files are evaluated by the first worker to get here.
    if (!root_files_claimed_.exchange(true)) {
      for (RootFile& f : root_files_) {
        EvaluateFile(worker, FileRef{AT_FDCWD, "", f.path.c_str(), &f.st}, f.context->active);
      }
      FlushCounters(worker);
    }
    while (true) {
      Task task;
      {
        absl::MutexLock lock(&queue_mutex_);
        while (queue_.empty() && busy_workers_ > 0) {
          ++waiting_workers_;
          queue_cv_.Wait(&queue_mutex_);
          --waiting_workers_;
        }
        if (queue_.empty()) {
          // Nothing queued and nobody working: nothing more will come.
          if (waiting_workers_ > 0) queue_cv_.SignalAll();
          return;
        }
        task = std::move(queue_.back());
        queue_.pop_back();
        ++busy_workers_;
      }
      if (!Stopping(worker)) {
        if (task.listing) {
          const Listing& listing = *task.listing;
          for (uint32_t i = task.begin; i < task.end && !Stopping(worker); ++i) {
            EvaluateFile(worker, listing.File(i), task.context->active);
          }
        } else {
          ReadDirectory(worker, task);
        }
      }
      FlushCounters(worker);
      task = Task();  // close the directory before announcing we are idle
      {
        absl::MutexLock lock(&queue_mutex_);
        --busy_workers_;
        if (busy_workers_ == 0 && queue_.empty() && waiting_workers_ > 0) queue_cv_.SignalAll();
      }
    }
  }

  void Push(std::vector<Task>* tasks) {
    if (tasks->empty()) return;
    bool wake;
    {
      absl::MutexLock lock(&queue_mutex_);
      for (Task& t : *tasks) queue_.push_back(std::move(t));
      wake = waiting_workers_ > 0;
    }
    if (wake) {
      if (tasks->size() == 1) {
        queue_cv_.Signal();
      } else {
        queue_cv_.SignalAll();
      }
    }
    tasks->clear();
  }

  void FlushCounters(Worker& w) {
    if (w.files) files_count_.fetch_add(w.files, std::memory_order_relaxed);
    if (context_.progress) {
      if (w.files) context_.progress->items.fetch_add(w.files, std::memory_order_relaxed);
      if (w.bytes) context_.progress->bytes.fetch_add(w.bytes, std::memory_order_relaxed);
    }
    w.files = 0;
    w.bytes = 0;
  }

  bool Stopping(Worker& w) {
    if (stopping_.load(std::memory_order_relaxed)) return true;
    // Checking the clock on every file would cost more than it saves.
    if (++w.since_stop_check < 64) return false;
    w.since_stop_check = 0;
    if (context_.ShouldStop()) {
      if (!stopping_.exchange(true)) {
        AddError(absl::Now() >= context_.deadline ? "the module reached its deadline: results are incomplete"
                                                  : "the module was cancelled: results are incomplete");
      }
      return true;
    }
    return false;
  }

  // ---- Directories ------------------------------------------------------------------------------------------

  std::shared_ptr<const DirContext> ChildContext(const std::shared_ptr<const DirContext>& parent,
                                                 const std::string& child_path,
                                                 std::shared_ptr<const DirContext>* shared_child) {
    // With no search path below the parent, every child directory gets the same context: build it once.
    if (parent->below.empty() && *shared_child) return *shared_child;
    auto child = std::make_shared<DirContext>();
    for (const Active& a : parent->active) {
      if (recorded_[a.search].stopped.load(std::memory_order_relaxed)) continue;
      if (a.depth + 1 <= searches_[a.search].max_depth) {
        child->active.push_back(Active{a.search, a.depth + 1});
      } else if (searches_[a.search].max_depth >= kDefaultMaxDepth) {
        // The default limit was not the investigator's choice of a shallow search: a tree built deeper to
        // hide a file must not pass for a complete sweep.
        cut_at_default_depth_.store(true, std::memory_order_relaxed);
      }
    }
    for (const SearchPath* p : parent->below) {
      if (p->path == child_path) AddActive(child.get(), p->search, 1);
      if (IsStrictlyBelow(p->path, child_path)) child->below.push_back(p);
    }
    if (child->active.empty() && child->below.empty()) child = nullptr;
    if (parent->below.empty()) *shared_child = child ? child : kSkip();
    return child;
  }

  static const std::shared_ptr<const DirContext>& kSkip() {
    // A sentinel meaning "computed: skip every child".
    static const auto* skip = new std::shared_ptr<const DirContext>(std::make_shared<DirContext>());
    return *skip;
  }

  void ReadDirectory(Worker& w, const Task& task) {
    int fd = OpenDirectoryAtAnyDepth(task.directory, O_RDONLY | O_DIRECTORY | (task.is_root ? 0 : O_NOFOLLOW));
    if (fd < 0) {
      if (errno != ENOENT) unreadable_directories_++;  // one that vanished since it was listed hides nothing
      open_failed_++;
      AddError(absl::StrCat("open ", task.directory, ": ", ErrnoText(errno)));
      return;
    }
    auto listing = std::make_shared<Listing>();
    listing->fd = fd;
    listing->path = task.directory;
    if (context_.progress) context_.progress->containers.fetch_add(1, std::memory_order_relaxed);

    const DirContext& context = *task.context;
    bool evaluates_files = !context.active.empty() || !context.below.empty();
    std::shared_ptr<const DirContext> shared_child;
    std::vector<Task>& subdirectories = w.subdirectories;

    alignas(8) char buffer[32 << 10];
    while (true) {
      long n = syscall(SYS_getdents64, fd, buffer, sizeof(buffer));
      if (n < 0) {
        unreadable_directories_++;
        AddError(absl::StrCat("readdir ", task.directory, ": ", ErrnoText(errno)));
        break;
      }
      if (n == 0) break;
      for (long offset = 0; offset < n;) {
        // struct linux_dirent64: u64 ino, s64 off, u16 reclen, u8 type, char name[].
        const char* record = buffer + offset;
        unsigned short record_length;
        memcpy(&record_length, record + 16, sizeof(record_length));
        unsigned char type = static_cast<unsigned char>(record[18]);
        const char* name = record + 19;
        offset += record_length;
        if (name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'))) continue;

        if (type == DT_UNKNOWN) {
          struct stat st;
          if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;  // vanished
          type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : S_ISLNK(st.st_mode) ? DT_LNK : DT_FIFO;
        }
        if (type == DT_DIR) {
          std::string child_path = JoinPath(task.directory, name);
          std::shared_ptr<const DirContext> child = ChildContext(task.context, child_path, &shared_child);
          if (child && child != kSkip()) {
            Task t;
            t.directory = std::move(child_path);
            t.context = std::move(child);
            subdirectories.push_back(std::move(t));
          }
          continue;
        }
        if (type == DT_LNK && !context.below.empty()) {
          // A search path may itself be a link to a directory (/lib -> usr/lib): the user named it, follow it.
          std::string child_path = JoinPath(task.directory, name);
          bool named = false;
          for (const SearchPath* p : context.below) {
            named = named || p->path == child_path || IsStrictlyBelow(p->path, child_path);
          }
          struct stat st;
          if (named && fstatat(fd, name, &st, 0) == 0 && S_ISDIR(st.st_mode)) {
            Task t;
            t.directory = child_path;
            t.is_root = true;  // may be opened through the link
            std::shared_ptr<const DirContext> none;
            t.context = ChildContext(task.context, child_path, &none);
            if (t.context) subdirectories.push_back(std::move(t));
            continue;
          }
        }
        if (!evaluates_files) continue;
        if (type == DT_LNK && links_own_) {
          // The link as itself, for the searches that judge links so (whatever it points to, even nothing).
          struct stat own;
          if (fstatat(fd, name, &own, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(own.st_mode)) {
            uint32_t own_index = static_cast<uint32_t>(listing->offsets.size());
            listing->link_stats.emplace_back(own_index, own);
            listing->itself.push_back(own_index);
            listing->offsets.push_back(static_cast<uint32_t>(listing->names.size()));
            listing->names.append(name);
            listing->names.push_back('\0');
          }
          if (!links_followed_) continue;
        }
        uint32_t index = static_cast<uint32_t>(listing->offsets.size());
        if (type == DT_LNK) {
          // Links to files are followed; links to directories are not (no loops, no leaving the tree).
          struct stat st;
          if (fstatat(fd, name, &st, 0) != 0) {
            open_failed_++;
            AddError(absl::StrCat("stat ", JoinPath(task.directory, name), ": ", ErrnoText(errno),
                                  " (broken symbolic link)"));
            continue;
          }
          if (!S_ISREG(st.st_mode)) continue;
          listing->link_stats.emplace_back(index, st);
        } else if (type != DT_REG) {
          continue;  // devices, FIFOs and sockets are not files to inspect
        }
        listing->offsets.push_back(static_cast<uint32_t>(listing->names.size()));
        listing->names.append(name);
        listing->names.push_back('\0');
      }
    }

    // Subdirectories first, so idle workers can take them while this worker evaluates files.
    Push(&subdirectories);
    if (listing->size() == 0) return;

    // A file whose own path is a search path (below this directory's root) is evaluated on its own, with
    // that search added.
    std::vector<Task>& tasks = w.tasks;
    std::vector<uint32_t> plain;
    for (uint32_t i = 0; i < listing->size(); ++i) {
      if (context.below.empty()) break;
      std::string path = JoinPath(task.directory, listing->name(i));
      auto with_own = std::make_shared<DirContext>(context);
      with_own->below.clear();
      bool own = false;
      for (const SearchPath* p : context.below) {
        if (p->path == path) {
          AddActive(with_own.get(), p->search, 1);
          own = true;
        }
      }
      if (own) {
        Task single;
        single.listing = listing;
        single.begin = i;
        single.end = i + 1;
        single.context = std::move(with_own);
        tasks.push_back(std::move(single));
      } else {
        plain.push_back(i);
      }
    }
    if (!context.below.empty()) {
      // Rare (a search path inside another search's tree): evaluate the other files one by one.
      if (!context.active.empty()) {
        for (uint32_t i : plain) {
          Task t;
          t.listing = listing;
          t.begin = i;
          t.end = i + 1;
          t.context = task.context;
          tasks.push_back(std::move(t));
        }
      }
      Push(&tasks);
      return;
    }
    if (context.active.empty()) return;
    // Files whose content is read are shared out in small batches, so that a directory of large files keeps
    // every worker busy; metadata-only checks are cheap enough to do here in one go.
    uint32_t batch = reads_content_ ? kFilesPerBatch : static_cast<uint32_t>(listing->size());
    uint32_t first_batch_end = std::min<uint32_t>(batch, static_cast<uint32_t>(listing->size()));
    for (uint32_t i = first_batch_end; i < listing->size(); i += batch) {
      Task t;
      t.listing = listing;
      t.begin = i;
      t.end = std::min<uint32_t>(i + batch, static_cast<uint32_t>(listing->size()));
      t.context = task.context;
      tasks.push_back(std::move(t));
    }
    Push(&tasks);
    for (uint32_t i = 0; i < first_batch_end && !Stopping(w); ++i) {
      EvaluateFile(w, listing->File(i), context.active);
    }
  }

  // ---- Files ------------------------------------------------------------------------------------------------

  void EvaluateFile(Worker& w, const FileRef& file, const std::vector<Active>& active) {
    ++w.files;
    w.path.clear();
    struct stat st;
    bool have_stat = file.known_stat != nullptr;
    if (have_stat) st = *file.known_stat;
    auto ensure_stat = [&]() {
      if (have_stat) return true;
      if (fstatat(file.dir_fd, file.name, &st, 0) != 0) {
        if (errno != ENOENT) unreadable_files_++;
        AddError(absl::StrCat("stat ", file.Path(w), ": ", ErrnoText(errno)));
        return false;
      }
      have_stat = true;
      return true;
    };
    std::string_view base = file.name;
    if (size_t slash = base.rfind('/'); slash != std::string_view::npos) base.remove_prefix(slash + 1);

    // Metadata checks first: cheap, and with matchall they decide whether the content is read at all.
    bool any_candidate = false;
    bool needs_read = false;
    // A link is listed once per way of judging it: each search sees it the way it asked.
    bool followed_link = file.known_stat != nullptr && !file.link_itself;
    for (const Active& a : active) {
      const CompiledSearch& s = searches_[a.search];
      w.candidate[a.search] = 0;
      if (recorded_[a.search].stopped.load(std::memory_order_relaxed)) continue;
      if ((file.link_itself && !s.links_own) || (followed_link && s.links_own)) continue;
      bool passes = true;
      for (const Check& c : s.checks) {
        w.kept[c.id] = -1;
        if (c.NeedsContent() || !passes) continue;
        bool matched = false;
        switch (c.kind) {
          case CheckKind::kName:
            matched = RE2::PartialMatch(base, *w.regex_by_check_id[c.id]);
            break;
          case CheckKind::kSize:
            if (!ensure_stat()) return;
            matched =
                static_cast<uint64_t>(st.st_size) >= c.size.min && static_cast<uint64_t>(st.st_size) <= c.size.max;
            break;
          case CheckKind::kMode:
            if (!ensure_stat()) return;
            matched = RE2::PartialMatch(GoFileModeString(st.st_mode), *w.regex_by_check_id[c.id]);
            break;
          case CheckKind::kMtime: {
            if (!ensure_stat()) return;
            absl::Time mtime = absl::TimeFromTimespec(st.st_mtim);
            matched = mtime > c.mtime_after && mtime < c.mtime_before;
            break;
          }
          default:
            break;
        }
        w.kept[c.id] = c.Keeps(matched) ? 1 : 0;
        if (!c.Keeps(matched) && s.match_all) passes = false;
      }
      if (!passes) continue;
      w.candidate[a.search] = 1;
      any_candidate = true;
      for (const Check& c : s.checks) needs_read = needs_read || c.NeedsContent();
    }
    if (!any_candidate) return;

    // A link judged as itself has no content: no content or hash check matches it.
    bool read_ok = !file.link_itself;
    if (needs_read && read_ok) read_ok = ReadAndScan(w, file, active);

    for (const Active& a : active) {
      if (!w.candidate[a.search]) continue;
      const CompiledSearch& s = searches_[a.search];
      bool all_kept = true;
      bool any_kept = false;
      for (const Check& c : s.checks) {
        bool kept = w.kept[c.id] == 1;
        if (c.NeedsContent() && !read_ok) kept = false;
        all_kept = all_kept && kept;
        any_kept = any_kept || kept;
      }
      if (s.match_all ? !all_kept : !any_kept) continue;
      if (!ensure_stat()) return;
      Record(a.search, file.Path(w), st, w);
    }
  }

  // Reads the file once, feeding every digest that an active search asks for and scanning every content
  // regex. Sets w.kept for content and digest checks; returns false if the file could not be read.
  bool ReadAndScan(Worker& w, const FileRef& file, const std::vector<Active>& active) {
    std::vector<ContentProbe> probes;
    std::vector<MacroalGroup> macroal;
    crypto::DigestSet algorithms;
    for (const Active& a : active) {
      if (!w.candidate[a.search]) continue;
      const CompiledSearch& s = searches_[a.search];
      MacroalGroup group{a.search, {}, true, false};
      for (const Check& c : s.checks) {
        if (c.kind == CheckKind::kContent) {
          const RE2* re = w.regex_by_check_id[c.id].get();
          if (s.macroal) {
            group.regexes.emplace_back(re, c.inverse);
          } else {
            probes.push_back(ContentProbe{&c, re, c.line_by_line || c.pattern.find('$') != std::string::npos});
          }
        } else if (c.kind == CheckKind::kDigest) {
          algorithms.Add(c.algorithm);
        }
      }
      if (!group.regexes.empty()) macroal.push_back(std::move(group));
    }

    // The checks this read answers, as bits for the cache of results by inode (ids past 63 are not cached).
    uint64_t needed = 0;
    bool cacheable = true;
    ForEachReadCheck(w, active, [&](const Check& c) {
      if (c.id >= 64)
        cacheable = false;
      else
        needed |= uint64_t{1} << c.id;
    });
    auto from_cache = [&](const struct stat& st) {
      uint64_t kept = 0;
      if (!cacheable || !result_cache_.Lookup(st, needed, &kept)) return false;
      ForEachReadCheck(w, active, [&](const Check& c) { w.kept[c.id] = (kept >> c.id) & 1; });
      return true;
    };
    if (file.known_stat != nullptr && from_cache(*file.known_stat)) return true;

    FileSource source;
    absl::Status status = source.Open(file.dir_fd, file.name, file.Path(w), decompress_);
    if (!status.ok()) {
      // A file that vanished since it was listed, or that is no longer a regular file, hides nothing.
      if (!absl::IsNotFound(status) && !absl::IsFailedPrecondition(status)) unreadable_files_++;
      open_failed_++;
      AddError(status.message());
      return false;
    }
    if (file.known_stat == nullptr && from_cache(source.stat())) return true;
    crypto::MultiDigest digests(algorithms);
    bool scanning = !probes.empty() || !macroal.empty();
    size_t pending_probes = probes.size();
    size_t pending_groups = macroal.size();

    std::vector<char>& buf = w.buffer;
    size_t carry = 0;  // bytes of an unfinished line kept at the start of buf
    while (true) {
      if (carry == buf.size()) {
        if (buf.size() < kMaxLineBuffer) {
          buf.resize(buf.size() * 2);
        } else {
          // A line longer than the limit: scan what we have as a line of its own.
          ScanRegion(std::string_view(buf.data(), carry), &probes, &pending_probes, &macroal, &pending_groups);
          carry = 0;
        }
      }
      absl::StatusOr<size_t> got = source.Read(buf.data() + carry, buf.size() - carry);
      if (!got.ok()) {
        unreadable_files_++;
        AddError(got.status().message());
        return false;
      }
      size_t n = *got;
      w.bytes += n;
      if (n == 0) {
        if (scanning && carry > 0) {
          ScanRegion(std::string_view(buf.data(), carry), &probes, &pending_probes, &macroal, &pending_groups);
        }
        break;
      }
      digests.Update(buf.data() + carry, n);
      if (scanning) {
        size_t total = carry + n;
        const char* last_newline = static_cast<const char*>(memrchr(buf.data() + carry, '\n', n));
        if (last_newline == nullptr) {
          carry = total;
        } else {
          size_t lines_end = static_cast<size_t>(last_newline - buf.data()) + 1;
          ScanRegion(std::string_view(buf.data(), lines_end), &probes, &pending_probes, &macroal, &pending_groups);
          carry = total - lines_end;
          if (carry > 0) memmove(buf.data(), buf.data() + lines_end, carry);
        }
        if (pending_probes == 0 && pending_groups == 0) {
          scanning = false;
          carry = 0;
          if (algorithms.empty()) break;  // MIG too stops reading at the first match
        }
      } else if (algorithms.empty()) {
        break;
      }
      if (Stopping(w)) return false;
    }
    if (buf.size() > kReadBufferSize) buf.resize(kReadBufferSize);

    for (const ContentProbe& p : probes) w.kept[p.check->id] = p.check->Keeps(p.found) ? 1 : 0;
    for (const MacroalGroup& g : macroal) {
      bool matched = g.any_line && g.all_lines_ok;
      for (const Check& c : searches_[g.search].checks) {
        if (c.kind == CheckKind::kContent) w.kept[c.id] = (matched != c.mismatch) ? 1 : 0;
      }
    }
    if (!algorithms.empty()) {
      crypto::DigestResults results = digests.Final();
      for (const Active& a : active) {
        if (!w.candidate[a.search]) continue;
        for (const Check& c : searches_[a.search].checks) {
          if (c.kind == CheckKind::kDigest) w.kept[c.id] = c.Keeps(results[c.algorithm].ToHex() == c.digest_hex);
        }
      }
    }
    if (cacheable) {
      uint64_t kept = 0;
      ForEachReadCheck(w, active, [&](const Check& c) {
        if (w.kept[c.id] == 1) kept |= uint64_t{1} << c.id;
      });
      result_cache_.Insert(source.stat(), needed, kept);
    }
    return true;
  }

  // Calls f(check) for every content and digest check of the searches still considering the file.
  template <typename F>
  void ForEachReadCheck(const Worker& w, const std::vector<Active>& active, F f) {
    for (const Active& a : active) {
      if (!w.candidate[a.search]) continue;
      for (const Check& c : searches_[a.search].checks) {
        if (c.NeedsContent()) f(c);
      }
    }
  }

  // Scans complete lines (the region ends at a line boundary or at the end of the file).
  static void ScanRegion(std::string_view region, std::vector<ContentProbe>* probes, size_t* pending_probes,
                         std::vector<MacroalGroup>* groups, size_t* pending_groups) {
    bool has_cr = *pending_probes > 0 && memchr(region.data(), '\r', region.size()) != nullptr;
    for (ContentProbe& p : *probes) {
      if (p.found) continue;
      if (p.check->line_by_line || (has_cr && p.has_dollar)) {
        p.found = AnyLineMatches(region, *p.regex);
      } else if (!has_cr) {
        p.found = RE2::PartialMatch(region, *p.regex);
      } else {
        p.found = AnyMatchSurvivesCrlf(region, *p.regex);
      }
      if (p.found) --*pending_probes;
    }
    for (MacroalGroup& g : *groups) {
      if (!g.all_lines_ok) continue;
      ForEachLine(region, [&](std::string_view line) {
        g.any_line = true;
        for (const auto& [regex, inverse] : g.regexes) {
          if (RE2::PartialMatch(line, *regex) == inverse) {
            g.all_lines_ok = false;
            return false;
          }
        }
        return true;
      });
      if (!g.all_lines_ok) --*pending_groups;
    }
  }

  // Calls f(line) for each line, without its "\n" or "\r\n" (as Go's bufio.ScanLines), until f returns false.
  template <typename F>
  static void ForEachLine(std::string_view region, F f) {
    size_t start = 0;
    while (start < region.size()) {
      const char* nl = static_cast<const char*>(memchr(region.data() + start, '\n', region.size() - start));
      size_t end = nl ? static_cast<size_t>(nl - region.data()) : region.size();
      std::string_view line = region.substr(start, end - start);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (!f(line)) return;
      start = end + 1;
    }
  }

  static bool AnyLineMatches(std::string_view region, const RE2& regex) {
    bool found = false;
    ForEachLine(region, [&](std::string_view line) {
      found = RE2::PartialMatch(line, regex);
      return !found;
    });
    return found;
  }

  // With carriage returns about, a match found in the buffer may lean on a line's final "\r", which MIG's
  // lines do not have: confirm each candidate on its line without it.
  static bool AnyMatchSurvivesCrlf(std::string_view region, const RE2& regex) {
    size_t position = 0;
    re2::StringPiece match;
    while (position <= region.size() && regex.Match(region, position, region.size(), RE2::UNANCHORED, &match, 1)) {
      size_t start = static_cast<size_t>(match.data() - region.data());
      const void* before = start == 0 ? nullptr : memrchr(region.data(), '\n', start);
      size_t line_start = before ? static_cast<size_t>(static_cast<const char*>(before) - region.data()) + 1 : 0;
      const char* nl = static_cast<const char*>(memchr(region.data() + start, '\n', region.size() - start));
      size_t line_end = nl ? static_cast<size_t>(nl - region.data()) : region.size();
      std::string_view line = region.substr(line_start, line_end - line_start);
      if (line.empty() || line.back() != '\r') return true;
      line.remove_suffix(1);
      if (RE2::PartialMatch(line, regex)) return true;
      position = line_end + 1;
    }
    return false;
  }

  void Record(size_t search, const std::string& path, const struct stat& st, Worker& w) {
    const CompiledSearch& s = searches_[search];
    Recorded& r = recorded_[search];
    Match match;
    match.path = path;
    match.info.size = static_cast<uint64_t>(st.st_size);
    match.info.mode = GoFileModeString(st.st_mode);
    match.info.last_modified = GoTimeStringUtc(absl::TimeFromTimespec(st.st_mtim));
    match.info.mtime = absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromTimeT(st.st_mtim.tv_sec), absl::UTCTimeZone());
    absl::MutexLock lock(&r.mutex);
    if (r.stopped.load(std::memory_order_relaxed)) return;
    if (s.match_all) {
      r.outcome.files.push_back(std::move(match));
    } else {
      for (size_t i = 0; i < s.checks.size(); ++i) {
        if (w.kept[s.checks[i].id] == 1) r.outcome.per_check[i].push_back(match);
      }
    }
    if (++r.outcome.matched_files >= s.match_limit) {
      r.stopped.store(true);
      AddError(absl::StrCat("search '", s.label, "' stopped at its matchlimit of ", s.match_limit,
                            " files: more files may match"));
    }
  }

  // ---- Errors -----------------------------------------------------------------------------------------------

  void AddError(std::string_view message) {
    uint64_t count;
    {
      absl::MutexLock lock(&errors_mutex_);
      count = ++error_count_;
      if (errors_.size() < kMaxErrorMessages) errors_.emplace_back(message);
    }
    for (size_t s = 0; s < searches_.size(); ++s) {
      uint64_t max = searches_[s].max_errors;
      if (max == 0 || count < max || recorded_[s].stopped.load()) continue;
      if (!recorded_[s].stopped.exchange(true)) {
        absl::MutexLock lock(&errors_mutex_);
        errors_.push_back(
            absl::StrCat("search '", searches_[s].label, "' stopped after ", count, " errors (maxerrors ", max, ")"));
      }
    }
  }

  // ---- Results ----------------------------------------------------------------------------------------------

  RunOutcome Finish(absl::Duration elapsed) {
    RunOutcome outcome;
    outcome.exec_time = elapsed;
    outcome.files_count = files_count_.load();
    outcome.open_failed = open_failed_.load();
    outcome.incomplete = stopping_.load();
    if (stopping_.load()) {
      outcome.incomplete_reasons.push_back(absl::Now() >= context_.deadline ? "the module reached its deadline"
                                                                            : "the module was cancelled");
    }
    if (uint64_t n = unreadable_directories_.load()) {
      outcome.incomplete_reasons.push_back(
          absl::StrCat(n, n == 1 ? " directory" : " directories", " could not be read"));
    }
    if (uint64_t n = unreadable_files_.load()) {
      outcome.incomplete_reasons.push_back(absl::StrCat(n, n == 1 ? " file" : " files", " could not be read"));
    }
    if (cut_at_default_depth_.load()) {
      outcome.incomplete_reasons.push_back(absl::StrCat("directories deeper than the default maxdepth (",
                                                        kDefaultMaxDepth, " levels) were not searched"));
    }
    uint64_t error_count;
    {
      absl::MutexLock lock(&errors_mutex_);
      error_count = error_count_;
    }
    for (size_t s = 0; s < searches_.size(); ++s) {
      if (searches_[s].max_errors != 0 && recorded_[s].stopped.load() && error_count >= searches_[s].max_errors) {
        outcome.incomplete_reasons.push_back(absl::StrCat("search '", searches_[s].label, "' stopped at maxerrors"));
      }
    }
    auto by_path = [](const Match& a, const Match& b) { return a.path < b.path; };
    for (size_t s = 0; s < searches_.size(); ++s) {
      SearchOutcome result;
      {
        absl::MutexLock lock(&recorded_[s].mutex);
        result = std::move(recorded_[s].outcome);
      }
      result.stopped = recorded_[s].stopped.load();
      std::sort(result.files.begin(), result.files.end(), by_path);
      for (auto& list : result.per_check) std::sort(list.begin(), list.end(), by_path);
      if (searches_[s].return_sha256) AddSha256(&result);
      outcome.searches.push_back(std::move(result));
    }
    {
      absl::MutexLock lock(&errors_mutex_);
      outcome.errors = std::move(errors_);
      if (error_count_ > outcome.errors.size()) {
        outcome.errors.push_back(absl::StrCat(error_count_ - outcome.errors.size(), " more errors not listed"));
      }
    }
    return outcome;
  }

  void AddSha256(SearchOutcome* result) {
    auto hash = [this](Match& m) {
      FileSource source;
      absl::Status status = source.Open(AT_FDCWD, m.path.c_str(), m.path, decompress_);
      crypto::Digest digest(crypto::DigestAlgorithm::kSha256);
      std::vector<char> buf(kReadBufferSize);
      while (status.ok()) {
        absl::StatusOr<size_t> n = source.Read(buf.data(), buf.size());
        if (!n.ok()) status = n.status();
        if (!n.ok() || *n == 0) break;
        digest.Update(buf.data(), *n);
      }
      if (!status.ok()) {
        absl::MutexLock lock(&errors_mutex_);
        errors_.emplace_back(status.message());
        return;
      }
      m.info.sha256 = digest.Final().ToHexUpper();
    };
    for (Match& m : result->files) hash(m);
    for (auto& list : result->per_check) {
      for (Match& m : list) hash(m);
    }
  }

  struct RootFile {
    std::string path;
    struct stat st;
    std::shared_ptr<const DirContext> context;
  };

  const std::vector<CompiledSearch>& searches_;
  const RunContext& context_;
  std::vector<Recorded> recorded_;
  std::vector<SearchPath> search_paths_;
  size_t total_checks_ = 0;
  bool decompress_ = false;
  bool reads_content_ = false;   // some check needs file contents
  bool links_own_ = false;       // some search judges links as themselves
  bool links_followed_ = false;  // some search follows links to files

  // Up to about 16 MiB of memory; enough for every file of a large /usr.
  ContentResultCache result_cache_{1 << 18};

  std::vector<RootFile> root_files_;
  std::atomic<bool> root_files_claimed_{false};

  absl::Mutex queue_mutex_;
  absl::CondVar queue_cv_;
  std::vector<Task> queue_ ABSL_GUARDED_BY(queue_mutex_);
  int busy_workers_ ABSL_GUARDED_BY(queue_mutex_) = 0;
  int waiting_workers_ ABSL_GUARDED_BY(queue_mutex_) = 0;

  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> files_count_{0};
  std::atomic<uint64_t> open_failed_{0};
  // What makes a run incomplete: parts of the tree that could not be looked at.
  std::atomic<uint64_t> unreadable_directories_{0};
  std::atomic<uint64_t> unreadable_files_{0};
  std::atomic<bool> cut_at_default_depth_{false};

  absl::Mutex errors_mutex_;
  std::vector<std::string> errors_ ABSL_GUARDED_BY(errors_mutex_);
  uint64_t error_count_ ABSL_GUARDED_BY(errors_mutex_) = 0;
};

void WriteSearch(json::JsonWriter& w, const CompiledSearch& s, const std::vector<std::string>& paths,
                 const Check* only_check) {
  const Search& spec = *s.spec;
  w.BeginObject();
  if (only_check == nullptr && !spec.description.empty()) w.Field("description", spec.description);
  w.Key("paths");
  w.StringArray(paths);
  const std::pair<const char*, const std::vector<std::string>*> lists[] = {
      {"contents", &spec.contents}, {"names", &spec.names},   {"sizes", &spec.sizes},
      {"modes", &spec.modes},       {"mtimes", &spec.mtimes}, {"md5", &spec.md5},
      {"sha1", &spec.sha1},         {"sha2", &spec.sha2},     {"sha3", &spec.sha3}};
  for (const auto& [name, values] : lists) {
    if (only_check != nullptr) {
      if (only_check->list != name) continue;
      w.Key(name);
      w.StringArray({only_check->value});
      continue;
    }
    if (values->empty()) continue;
    w.Key(name);
    w.StringArray(*values);
  }
  // MIG's shape (a per-check entry carries only matchall), but the values the search ran with: MIG zeroed
  // maxdepth and matchlimit, which read as "no limit" when the limit was 1000.
  const SearchOptions& o = spec.options;
  bool full = only_check == nullptr;
  w.Key("options");
  w.BeginObject();
  w.Field("maxdepth", o.EffectiveMaxDepth());
  if (full && o.remote_fs) w.Field("remotefs", true);
  w.Field("matchall", o.match_all);
  w.Field("macroal", full && o.macroal);
  w.Key("mismatch");
  if (!full || o.mismatch.empty()) {
    w.Null();
  } else {
    w.StringArray(o.mismatch);
  }
  w.Field("matchlimit", o.EffectiveMatchLimit());
  if (full && !o.debug.empty()) w.Field("debug", o.debug);
  if (full && o.return_sha256) w.Field("returnsha256", true);
  if (full && o.decompress) w.Field("decompress", true);
  if (full && o.max_errors != 0) w.Field("maxerrors", o.max_errors);
  if (full && o.links_own) w.Field("links", "own");
  w.EndObject();
  w.EndObject();
}

void WriteMatch(json::JsonWriter& w, const CompiledSearch& s, const Match* match, const Check* only_check,
                uint64_t* total_hits) {
  w.BeginObject();
  w.Field("file", match ? match->path : "");
  // JSON strings are UTF-8: a name that is not gets its exact bytes too, so that two names never read the same.
  if (match != nullptr && !IsValidUtf8(match->path)) w.Field("filebytes", absl::Base64Escape(match->path));
  w.Key("search");
  std::vector<std::string> paths;
  if (match != nullptr && only_check != nullptr) {
    std::string_view dir = match->path;
    size_t slash = dir.rfind('/');
    paths.emplace_back(slash == 0 ? std::string("/") : std::string(dir.substr(0, slash)));
  } else {
    paths = s.spec->paths;
  }
  WriteSearch(w, s, paths, only_check);
  w.Key("fileinfo");
  w.BeginObject();
  w.Field("size", match ? match->info.size : uint64_t{0});
  w.Field("mode", match ? match->info.mode : "");
  w.Field("lastmodified", match ? match->info.last_modified : "");
  if (match) w.Field("mtime", match->info.mtime);
  if (match && !match->info.sha256.empty()) w.Field("sha256", match->info.sha256);
  w.EndObject();
  w.EndObject();
  if (match) ++*total_hits;
}

}  // namespace

RunOutcome RunSearches(const std::vector<CompiledSearch>& searches, const RunContext& context) {
  Engine engine(searches, context);
  return engine.Run();
}

std::string ResultJson(const std::vector<CompiledSearch>& searches, const RunOutcome& outcome) {
  uint64_t total_hits = 0;
  json::JsonWriter elements;
  elements.BeginObject();
  for (size_t i = 0; i < searches.size(); ++i) {
    const CompiledSearch& s = searches[i];
    const SearchOutcome& result = outcome.searches[i];
    elements.Key(s.label);
    elements.BeginArray();
    if (s.match_all) {
      for (const Match& m : result.files) WriteMatch(elements, s, &m, nullptr, &total_hits);
      if (result.files.empty()) WriteMatch(elements, s, nullptr, nullptr, &total_hits);
    } else {
      for (size_t c = 0; c < s.checks.size(); ++c) {
        for (const Match& m : result.per_check[c]) WriteMatch(elements, s, &m, &s.checks[c], &total_hits);
        if (result.per_check[c].empty()) WriteMatch(elements, s, nullptr, &s.checks[c], &total_hits);
      }
    }
    elements.EndArray();
  }
  elements.EndObject();

  json::JsonWriter statistics;
  statistics.BeginObject();
  statistics.Field("filescount", outcome.files_count);
  statistics.Field("openfailed", outcome.open_failed);
  statistics.Field("totalhits", total_hits);
  statistics.Field("exectime", GoDurationString(outcome.exec_time));
  statistics.EndObject();

  ResultEnvelope envelope;
  envelope.found_anything = total_hits > 0;
  envelope.success = true;
  envelope.elements_json = std::move(elements).Take();
  envelope.statistics_json = std::move(statistics).Take();
  envelope.errors = outcome.errors;
  envelope.incomplete = absl::StrJoin(outcome.incomplete_reasons, "; ");
  return envelope.ToJson();
}

}  // namespace mig::modules::file
