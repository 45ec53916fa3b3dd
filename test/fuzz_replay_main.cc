// Runs every file of the directories (or files) given as arguments through LLVMFuzzerTestOneInput, plus the
// empty input: the seed corpus of a fuzz target, replayed as a plain test when not fuzzing.
#include <dirent.h>
#include <sys/stat.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

void RunFile(const std::string& path, int* count) {
  std::ifstream in(path, std::ios::binary);
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(data.data()), data.size());
  ++*count;
}

}  // namespace

int main(int argc, char** argv) {
  int count = 0;
  LLVMFuzzerTestOneInput(nullptr, 0);
  for (int i = 1; i < argc; ++i) {
    struct stat st;
    if (stat(argv[i], &st) != 0) {
      std::fprintf(stderr, "no corpus at %s\n", argv[i]);
      return 1;
    }
    if (!S_ISDIR(st.st_mode)) {
      RunFile(argv[i], &count);
      continue;
    }
    DIR* dir = opendir(argv[i]);
    std::vector<std::string> names;
    while (dirent* e = readdir(dir)) {
      if (e->d_name[0] != '.') names.emplace_back(e->d_name);
    }
    closedir(dir);
    for (const std::string& name : names) RunFile(std::string(argv[i]) + "/" + name, &count);
  }
  std::printf("replayed %d inputs\n", count);
  return count > 0 ? 0 : 1;
}
