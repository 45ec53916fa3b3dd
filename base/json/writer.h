// A streaming JSON writer producing compact output like Go's encoding/json (no spaces), or indented output
// for people. Strings are always emitted as valid UTF-8: invalid bytes become U+FFFD, as Go does.
//
//   JsonWriter w;
//   w.BeginObject();
//   w.Key("foundanything"); w.Bool(true);
//   w.Key("errors"); w.BeginArray(); w.String("open /x: permission denied"); w.EndArray();
//   w.EndObject();
//   std::string json = std::move(w).Take();
#ifndef MIG_BASE_JSON_WRITER_H_
#define MIG_BASE_JSON_WRITER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mig::json {

class JsonWriter {
 public:
  // indent = 0 writes compact JSON; otherwise each nesting level is indented by that many spaces.
  explicit JsonWriter(int indent = 0) : indent_(indent) {}

  void BeginObject();
  void EndObject();
  void BeginArray();
  void EndArray();
  void Key(std::string_view key);

  void String(std::string_view value);
  void Bool(bool value);
  void Null();
  void Int(int64_t value);
  void Uint(uint64_t value);
  // Numbers that are integral print without a fraction, as Go prints float64 values that hold integers.
  void Double(double value);
  // Inserts already-serialized JSON (for example a module's result inside an envelope), re-indented to fit
  // when the writer indents.
  void Raw(std::string_view json);

  // Shorthands for "key": value.
  void Field(std::string_view key, std::string_view value) {
    Key(key);
    String(value);
  }
  void Field(std::string_view key, const char* value) {
    Key(key);
    String(value);
  }
  void Field(std::string_view key, bool value) {
    Key(key);
    Bool(value);
  }
  void Field(std::string_view key, int64_t value) {
    Key(key);
    Int(value);
  }
  void Field(std::string_view key, uint64_t value) {
    Key(key);
    Uint(value);
  }
  void Field(std::string_view key, int value) {
    Key(key);
    Int(value);
  }
  void StringArray(const std::vector<std::string>& values);

  const std::string& str() const { return out_; }
  std::string Take() && { return std::move(out_); }

 private:
  void BeforeValue();
  void NewlineAndIndent();

  std::string out_;
  int indent_;
  // One entry per open container: whether it has had an element yet.
  std::vector<bool> has_elements_;
  bool after_key_ = false;
};

// Appends `value` as a quoted JSON string (with Go's escaping of control characters and replacement of
// invalid UTF-8).
void AppendQuoted(std::string* out, std::string_view value);

// Returns `value` with every invalid UTF-8 sequence replaced by U+FFFD.
std::string ToValidUtf8(std::string_view value);

}  // namespace mig::json

#endif  // MIG_BASE_JSON_WRITER_H_
