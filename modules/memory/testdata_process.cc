// A process for the memory module's tests to search. It is given a marker reversed (so that the marker
// itself is nowhere in its arguments) and writes it the right way round across the boundary of two pages of
// an anonymous mapping, so that a scan reading page-sized chunks sees it only if chunks overlap. With a
// second argument, a file, it maps the file three pages long while it holds one: reads of the pages past
// the end fail, which exercises failure counting. It prints the marker's address in hex, then waits to be
// killed.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s <reversed marker> [file to map]\n", argv[0]);
    return 2;
  }
  const long page = sysconf(_SC_PAGESIZE);
  const char* reversed = argv[1];
  const size_t length = std::strlen(reversed);
  char* pages = static_cast<char*>(mmap(nullptr, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  if (pages == MAP_FAILED || length == 0 || length > static_cast<size_t>(page)) return 1;
  char* marker = pages + page - length / 2;
  for (size_t i = 0; i < length; ++i) marker[i] = reversed[length - 1 - i];
  if (argc > 2) {
    int fd = open(argv[2], O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || ftruncate(fd, page) != 0) return 1;
    if (mmap(nullptr, 3 * page, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED) return 1;
  }
  std::printf("%lx\n", reinterpret_cast<unsigned long>(marker));
  std::fflush(stdout);
  while (true) pause();
}
