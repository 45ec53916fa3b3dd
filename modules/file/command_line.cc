#include "modules/file/command_line.h"

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace mig::modules::file {

void FileCommandLine::AddFlags(CLI::App& command) {
  auto repeatable = [&](const char* name, std::vector<std::string>* values, const char* help) {
    command.add_option(name, *values, help)->allow_extra_args(false)->type_name("");
  };
  command.option_defaults()->group("Search");
  repeatable("--path", &paths_, "<path>  where to search: a directory (searched recursively) or a file; repeatable");
  repeatable("--name", &names_, "<regex> regex on the file's base name; '!' first inverts it. ex: -name '\\.sql$'");
  repeatable("--content", &contents_,
             "<regex> regex on each line of the file; '!' first: files where no line matches. ex: -content "
             "'^root:\\$1\\$'");
  repeatable("--size", &sizes_, "<size>  <N or >N or N, suffix k/m/g/t (powers of 1024). ex: -size '<10m'");
  repeatable("--mode", &modes_, "<regex> regex on the mode string as Go prints it. ex: -mode '^-r.xr-x---$'");
  repeatable("--mtime", &mtimes_, "<period> <90d: modified in the last 90 days; >5h: more than 5 hours ago (d/h/m)");
  repeatable("--md5", &md5_, "<hash>  MD5 of the file");
  repeatable("--sha1", &sha1_, "<hash>  SHA-1 of the file");
  repeatable("--sha2", &sha2_, "<hash>  SHA-224/256/384/512 of the file, chosen by the hash's length");
  repeatable("--sha3", &sha3_, "<hash>  SHA3-224/256/384/512 of the file, chosen by the hash's length");
  command.option_defaults()->group("Options");
  command.add_option("--maxdepth", max_depth_, "<n>  descend at most n directory levels below each path")
      ->capture_default_str();
  command.add_option("--matchlimit", match_limit_, "<n>  stop the search after n matching files")
      ->capture_default_str();
  command.add_option("--maxerrors", max_errors_, "<n>  stop the search after n errors (0: never)")
      ->capture_default_str();
  command.add_flag("--matchall", match_all_, "a file matches when every check matches it (the default)");
  command.add_flag("--matchany", match_any_, "a file matches when any check matches it; results say which");
  command.add_flag("--macroal", macroal_, "every content regex must match every line of the file");
  repeatable("--mismatch", &mismatch_,
             "<kind>  invert the results of a kind of check: name, size, mode, mtime, content, md5, sha1, "
             "sha2, sha3");
  command.add_flag("--returnsha256", return_sha256_, "report the SHA-256 of every matching file");
  command.add_flag("--decompress", decompress_, "inspect the decompressed content of gzip files");
  command
      .add_option("--links", links_,
                  "<how>  follow: a link to a file is judged as that file (MIG's way); own: a link is judged "
                  "by its own metadata (lstat), to find new links whose targets are old")
      ->check(CLI::IsMember({"follow", "own"}))
      ->capture_default_str();
  command.add_flag("--verbose", verbose_, "MIG's debug option; accepted for compatibility");
}

absl::StatusOr<Parameters> FileCommandLine::ToParameters(std::string_view working_directory) const {
  Search search;
  for (const std::string& path : paths_) {
    if (path.empty()) return absl::InvalidArgumentError("-path: empty path");
    search.paths.push_back(path[0] == '/' ? path : CleanPath(absl::StrCat(working_directory, "/", path)));
  }
  search.names = names_;
  search.contents = contents_;
  search.sizes = sizes_;
  search.modes = modes_;
  search.mtimes = mtimes_;
  search.md5 = md5_;
  search.sha1 = sha1_;
  search.sha2 = sha2_;
  search.sha3 = sha3_;
  SearchOptions& o = search.options;
  o.max_depth = max_depth_;
  o.match_limit = match_limit_;
  o.max_errors = max_errors_;
  o.match_all = match_all_ && !match_any_;
  o.macroal = macroal_;
  o.mismatch = mismatch_;
  o.return_sha256 = return_sha256_;
  o.decompress = decompress_;
  o.links_own = links_ == "own";
  if (verbose_) o.debug = "print";
  Parameters parameters;
  parameters.searches.emplace("s1", std::move(search));
  MIG_RETURN_IF_ERROR(ValidateParameters(parameters));
  return parameters;
}

absl::StatusOr<std::string> FileCommandLine::ParametersJson(std::string_view working_directory) const {
  MIG_ASSIGN_OR_RETURN(Parameters parameters, ToParameters(working_directory));
  return ParametersToJson(parameters);
}

}  // namespace mig::modules::file
