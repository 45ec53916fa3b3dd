#include "embedded_conf/config.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "catch2/catch.hpp"
#include "embedded_conf/ini.h"

namespace mig::conf {
namespace {

// Test files live in the runfiles tree, at the same relative paths as in the source tree.
constexpr char kExampleDir[] = "embedded_conf/example";

absl::StatusOr<Config> Parse(const std::string& text) {
  return ParseConfig({ConfigText{text, "site.conf", DiskResolver(kExampleDir)}});
}

TEST_CASE("The example site parses into every field") {
  absl::StatusOr<std::string> text = ReadConfigFile(std::string(kExampleDir) + "/example.conf");
  REQUIRE(text.ok());
  absl::StatusOr<Config> config = Parse(*text);
  INFO(config.status().message());
  REQUIRE(config.ok());
  CHECK(config->agent.relay == "amqps://relay.example.net:5671/");
  CHECK(config->agent.heartbeat_frequency == absl::Seconds(30));
  CHECK(config->agent.refresh_environment == absl::Minutes(10));
  REQUIRE(config->agent.tags.size() == 2);
  CHECK(config->agent.tags[1].first == "team");
  CHECK(config->agent.tags[1].second == "incident response");
  CHECK(config->certs.ca.contents.find("BEGIN CERTIFICATE") != std::string::npos);
  CHECK(config->certs.key.contents.find("PRIVATE KEY") != std::string::npos);
  REQUIRE(config->investigators.size() == 2);
  REQUIRE(config->acls.size() == 2);
  CHECK(config->acls[1].module == "memory");
  CHECK(config->acls[1].minimum_weight == 2);
  CHECK(config->loader.threshold == 2);
  CHECK(config->loader.release_keys.size() == 2);

  std::string rendered = RenderConfig(*config);
  CHECK(rendered.find("redacted") != std::string::npos);
  CHECK(rendered.find("PRIVATE KEY") == std::string::npos);
  CHECK(rendered.find("tag = \"team:incident response\"") == std::string::npos);  // no quotes needed
  CHECK(rendered.find("tag = team:incident response") != std::string::npos);
}

TEST_CASE("Defaults apply when the configuration is empty") {
  absl::StatusOr<Config> config = Parse("");
  REQUIRE(config.ok());
  CHECK(config->agent.relay.empty());
  CHECK(config->agent.module_timeout == absl::Minutes(5));
  CHECK(config->logging.mode == "stderr");
}

TEST_CASE("A later layer overrides an earlier one key by key") {
  std::string base = "[agent]\nmoduletimeout = 5m\ntag = a:1\ntag = b:2\nheartbeatfreq = 1m\n";
  std::string over = "[agent]\nmoduletimeout = 30s\ntag = c:3\n";
  absl::StatusOr<Config> config = ParseConfig(
      {ConfigText{base, "embedded", DiskResolver(".")}, ConfigText{over, "/etc/mig/mig.conf", DiskResolver(".")}});
  REQUIRE(config.ok());
  CHECK(config->agent.module_timeout == absl::Seconds(30));
  CHECK(config->agent.heartbeat_frequency == absl::Minutes(1));
  REQUIRE(config->agent.tags.size() == 1);
  CHECK(config->agent.tags[0].first == "c");
  CHECK(config->source == "embedded + /etc/mig/mig.conf");
}

struct ErrorCase {
  const char* text;
  const char* message_part;
};

const ErrorCase kErrorCases[] = {
    {"[agnet]\n", "site.conf:1: unknown section [agnet]"},
    // class weight-overflow: the configuration, whose weights wrapped to 3.
    {"[investigator \"alice\"]\npubkey = ed25519:8Pr6VFPNGVprhkZTeONT1UaQGwKJr3ILyFvzGn+L3JA=\n"
     "[investigator \"bob\"]\npubkey = ed25519:Jl1fVPP1ABA1mhuiHbSdR2TzyaE9ACqxZBPlDOgjylA=\n"
     "[acl \"default\"]\nminimumweight = 3\ninvestigator = alice:18446744073709551615\ninvestigator = bob:2\n",
     "'alice:18446744073709551615' is not of the form name:weight (weight 1 to 1000)"},
    {"[acl \"default\"]\nminimumweight = 1001\n", "minimumweight 1001 is above the maximum of 1000"},
    {"[agent]\nrelay = http://x/\n", "bad URL 'http://x/': the scheme must be amqp or amqps"},
    {"[agent]\nrelay = amqp://[::1\n", "unterminated [IPv6 address]"},
    {"[agent]\nrelay = amqps://relay host/mig\n", "spaces, control characters"},
    {"[agent]\nrelay = amqps://relay:70000/mig\n", "'70000' is not a port"},
    {"[scheduler]\napi = https://[fe80::zz]/\n", "is not an IPv6 address"},
    {"[scheduler]\nlisten = 127.0.0.1\n", "is not address:port"},
    {"[scheduler]\nlisten = [::1:8393\n", "is not address:port"},
    {"[agent]\nmoduletimeout = 5 minutes\n", "is not a positive duration"},
    {"[agent]\nmoduletimeout = -5s\n", "is not a positive duration"},
    {"[agent]\nmoduletimeout = 5m\nmoduletimeout = 6m\n", "site.conf:3: 'moduletimeout' is already set at site.conf:2"},
    {"[agent]\ncheckin = maybe\n", "is not a boolean"},
    {"[agent]\nstatedir = var/lib\n", "not an absolute path"},
    {"[agent]\ntag = novalue\n", "not of the form key:value"},
    {"[agent]\nbogus = 1\n", "unknown key 'bogus' in [agent]"},
    {"relay = x\n", "key outside of any [section]"},
    {"[agent\n", "section header without ']'"},
    {"[agent]\nrelay = \"amqp://x\n", "unterminated quote"},
    {"[investigator]\npubkey = x\n", "needs a name"},
    {"[agent \"x\"]\n", "takes no name"},
    {"[investigator \"alice\"]\npubkey = ed25519:abc\n", "is not an Ed25519 public key"},
    {"[investigator \"alice\"]\n", "has no pubkey"},
    {"[acl \"file\"]\ninvestigator = mallory:1\n", "investigator 'mallory' has no [investigator \"mallory\"] section"},
    {"[investigator \"a\"]\npubkey = ed25519:8Pr6VFPNGVprhkZTeONT1UaQGwKJr3ILyFvzGn+L3JA=\n"
     "[acl \"file\"]\nminimumweight = 3\ninvestigator = a:2\n",
     "add up to 2, below minimumweight 3"},
    {"[investigator \"a\"]\npubkey = ed25519:8Pr6VFPNGVprhkZTeONT1UaQGwKJr3ILyFvzGn+L3JA=\n"
     "[acl \"file\"]\ninvestigator = a:1\ninvestigator = a:1\n",
     "listed twice"},
    {"[acl \"File!\"]\n", "is not a module name"},
    {"[investigator \"a\"]\npubkey = ed25519:8Pr6VFPNGVprhkZTeONT1UaQGwKJr3ILyFvzGn+L3JA=\n"
     "[investigator \"b\"]\npubkey = ed25519:8Pr6VFPNGVprhkZTeONT1UaQGwKJr3ILyFvzGn+L3JA=\n",
     "investigators 'a' and 'b' have the same public key"},
    {"[agent]\nclockskew = 0s\n", "is not a positive duration"},
    {"[acl \"file\"]\nminimumweight = 0\n", "not a whole number of 1 or more"},
    {"[loader]\nsource = ftp://x/\n", "the scheme must be https or file"},
    {"[loader]\nsource = file://host/media/\n", "a file URL names a local path"},
    {"[loader]\nreleasekey = ed25519:8Pr6VFPNGVprhkZTeONT1UaQGwKJr3ILyFvzGn+L3JA=\nthreshold = 2\n",
     "threshold 2 is more than the 1 release keys"},
    {"[logging]\nmode = file\n", "needs a 'file'"},
    {"[logging]\nlevel = verbose\n", "is not one of debug, info, warning, error"},
    {"[certs]\nca = missing.pem\n", "cannot read"},
    {"[certs]\nca = example.conf\n", "holds no PEM certificate"},
    {"[certs]\ncert = agent.pem\n", "needs both 'cert' and 'key'"},
    {"[certs]\ncert = ca.pem\nkey = agent.key\n", "is not the private key of ca.pem"},
    {"[certs]\ncert = agent.pem\nkey = agent.pem\n", "is not a valid unencrypted private key"},
};

TEST_CASE("Invalid configurations are refused with a message naming the problem") {
  for (const ErrorCase& c : kErrorCases) {
    INFO(c.text);
    absl::StatusOr<Config> config = Parse(c.text);
    REQUIRE_FALSE(config.ok());
    CHECK_THAT(std::string(config.status().message()), Catch::Contains(c.message_part));
  }
}

TEST_CASE("A truncated certificate is refused") {
  absl::StatusOr<std::string> pem = ReadConfigFile(std::string(kExampleDir) + "/ca.pem");
  REQUIRE(pem.ok());
  std::string truncated = pem->substr(0, pem->size() / 2) + "\n-----END CERTIFICATE-----\n";
  absl::StatusOr<Config> config =
      ParseConfig({ConfigText{"[certs]\nca = ca.pem\n", "site.conf",
                              [&](std::string_view) -> absl::StatusOr<std::string> { return truncated; }}});
  REQUIRE_FALSE(config.ok());
  CHECK_THAT(std::string(config.status().message()), Catch::Contains("is not a valid certificate"));
}

TEST_CASE("INI values: quotes, escapes, comments, bare keys") {
  auto file = ParseIni(
      "[a \"Sub Name\"]\nk1 = \"x # y\" ; comment\nK2 =  spaced  value  # c\nflag\n"
      "k3 = \"tab\\tq\\\"\"\n",
      "t");
  REQUIRE(file.ok());
  const std::vector<IniEntry>* entries = &file->entries;
  CHECK(file->sections.size() == 1);
  REQUIRE(entries->size() == 4);
  CHECK((*entries)[0].subsection == "Sub Name");
  CHECK((*entries)[0].value == "x # y");
  CHECK((*entries)[1].key == "k2");
  CHECK((*entries)[1].value == "spaced  value");
  CHECK((*entries)[2].value == "true");
  CHECK((*entries)[3].value == "tab\tq\"");
  CHECK(QuoteIniValue("a;b") == "\"a;b\"");
  CHECK(QuoteIniValue("plain") == "plain");
}

}  // namespace
}  // namespace mig::conf

namespace mig::conf {
namespace {

// The key table is one place for parsing, `mig config show` and `mig config keys`: what show writes for
// every key set away from its default parses back to the same configuration, and every key has its words.
TEST_CASE("Every key round-trips through config show, and config keys explains each") {
  const std::string text =
      "[agent]\nrelay = amqps://relay.example.net:5671/mig\nheartbeatfreq = 30s\nmoduletimeout = 90s\n"
      "modulememory = 512MiB\nmodulecpu = 50%\nrefreshenv = 10m\ncheckin = true\nclockskew = 1m\n"
      "maxactionvalidity = 2h\nstatedir = /srv/mig\ntag = env:prod\ntag = team:incident response\n"
      "[scheduler]\napi = https://mig.example.net/api/v1/\nrelay = amqps://relay.example.net/mig\n"
      "database = /srv/mig/scheduler.db\nlisten = [::1]:9000\n"
      "[loader]\nsource = file:///media/mig\nreleasekey = ed25519:8Pr6VFPNGVprhkZTeONT1UaQGwKJr3ILyFvzGn+L3JA=\n"
      "releasekey = ed25519:Jl1fVPP1ABA1mhuiHbSdR2TzyaE9ACqxZBPlDOgjylA=\nthreshold = 2\n"
      "[logging]\nmode = file\nlevel = debug\nfile = /var/log/mig/agent.log\n";
  absl::StatusOr<Config> config = Parse(text);
  INFO(config.status().message());
  REQUIRE(config.ok());
  const std::string shown = RenderConfig(*config);
  // [certs] lines summarize files rather than name them: leave that section out of the second parse.
  std::string without_certs = shown;
  size_t certs = without_certs.find("[certs]\n");
  REQUIRE(certs != std::string::npos);
  without_certs.erase(certs, without_certs.find("[scheduler]") - certs);
  absl::StatusOr<Config> again = Parse(without_certs);
  INFO(without_certs << again.status().message());
  REQUIRE(again.ok());
  CHECK(RenderConfig(*again).substr(RenderConfig(*again).find('\n')) == shown.substr(shown.find('\n')));
  CHECK(again->agent.module_memory_bytes == uint64_t{512} << 20);
  CHECK(again->agent.tags.size() == 2);
  CHECK(again->loader.release_keys.size() == 2);

  const std::string keys = DescribeConfigKeys();
  for (std::string_view key : {"relay", "heartbeatfreq", "modulecpu", "statedir", "tag", "ca", "key", "pubkey",
                               "minimumweight", "listen", "releasekey", "threshold", "mode", "file"}) {
    CHECK(keys.find(absl::StrCat("    ", key)) != std::string::npos);
  }
  CHECK(keys.find("\n        \n") == std::string::npos);  // no key without its words
}

}  // namespace
}  // namespace mig::conf
