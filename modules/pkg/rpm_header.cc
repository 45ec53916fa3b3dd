#include "modules/pkg/rpm_header.h"

#include <optional>
#include <string>

#include "absl/strings/str_cat.h"

namespace mig::modules::pkg {
namespace {

constexpr uint32_t kTagName = 1000;
constexpr uint32_t kTagVersion = 1001;
constexpr uint32_t kTagRelease = 1002;
constexpr uint32_t kTagEpoch = 1003;
constexpr uint32_t kTagArch = 1022;
constexpr uint32_t kTypeInt32 = 4;
constexpr uint32_t kTypeString = 6;
// rpm's own limits on a header (rpmtag.h: HEADER_MAX_BYTES, and a bound on the index).
constexpr uint32_t kMaxIndexEntries = 0x0000ffff;
constexpr uint32_t kMaxDataBytes = 256 << 20;

uint32_t Be32(std::string_view data, size_t offset) {
  return (static_cast<uint32_t>(static_cast<uint8_t>(data[offset])) << 24) |
         (static_cast<uint32_t>(static_cast<uint8_t>(data[offset + 1])) << 16) |
         (static_cast<uint32_t>(static_cast<uint8_t>(data[offset + 2])) << 8) |
         static_cast<uint32_t>(static_cast<uint8_t>(data[offset + 3]));
}

}  // namespace

absl::StatusOr<InstalledPackage> PackageFromRpmHeader(std::string_view blob) {
  if (blob.size() < 8) return absl::DataLossError("rpm header shorter than its preamble");
  uint32_t entries = Be32(blob, 0);
  uint32_t data_size = Be32(blob, 4);
  if (entries > kMaxIndexEntries || data_size > kMaxDataBytes ||
      8 + static_cast<uint64_t>(entries) * 16 + data_size > blob.size()) {
    return absl::DataLossError("rpm header sizes do not fit the blob");
  }
  std::string_view data = blob.substr(8 + static_cast<size_t>(entries) * 16, data_size);
  std::optional<std::string> name, version, release, arch;
  std::optional<uint32_t> epoch;
  for (uint32_t i = 0; i < entries; ++i) {
    size_t entry = 8 + static_cast<size_t>(i) * 16;
    uint32_t tag = Be32(blob, entry);
    uint32_t type = Be32(blob, entry + 4);
    uint32_t offset = Be32(blob, entry + 8);
    if (offset >= data.size()) continue;
    if (type == kTypeString && (tag == kTagName || tag == kTagVersion || tag == kTagRelease || tag == kTagArch)) {
      size_t end = data.find('\0', offset);
      if (end == std::string_view::npos)
        return absl::DataLossError(absl::StrCat("rpm tag ", tag, " is not terminated"));
      std::string value(data.substr(offset, end - offset));
      (tag == kTagName ? name : tag == kTagVersion ? version : tag == kTagRelease ? release : arch) = std::move(value);
    } else if (type == kTypeInt32 && tag == kTagEpoch && offset + 4 <= data.size()) {
      epoch = Be32(data, offset);
    }
  }
  if (!name.has_value() || !version.has_value() || !release.has_value()) {
    return absl::DataLossError("rpm header without NAME, VERSION or RELEASE");
  }
  InstalledPackage package{.name = *name, .type = "rpm", .arch = arch.value_or(""), .status = "installed"};
  package.version =
      epoch.has_value() ? absl::StrCat(*epoch, ":", *version, "-", *release) : absl::StrCat(*version, "-", *release);
  return package;
}

}  // namespace mig::modules::pkg
