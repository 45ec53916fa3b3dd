// The mbedTLS socket against an in-process mbedTLS server (a thread), with the PKI in testdata/: loading
// credentials, verification of the server (CA, name), client certificates, data both ways, clean close.
// The same socket against RabbitMQ itself is in broker_test.cc.
#include "base/amqp/tls_socket.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <future>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/amqp/internal/socket_glue.h"
#include "base/files.h"
#include "base/net/socket.h"
#include "catch2/catch.hpp"
#include "mbedtls/ctr_drbg.h"
#include "mbedtls/entropy.h"
#include "mbedtls/ssl.h"
#include "mbedtls/x509_crt.h"

namespace mig::amqp {

class TlsSocketTestPeer {
 public:
  static ssize_t Send(TlsSocket& s, std::string_view data) { return s.Send(data.data(), data.size()); }
  static ssize_t Recv(TlsSocket& s, char* buf, size_t len) { return s.Recv(buf, len); }
};

namespace {

std::string TestData(std::string_view name) { return absl::StrCat("base/amqp/testdata/", name); }

// A TLS 1.2 server on 127.0.0.1 that serves one connection: handshake, then echoes what it receives until
// the client closes. What it saw is in the Result.
class TestServer {
 public:
  struct Result {
    int handshake = -1;             // mbedtls_ssl_handshake's return
    std::string client_cn;          // the verified client certificate's subject, if any
    std::string echoed;             // everything received after the handshake
    bool got_close_notify = false;  // the client closed with a TLS close_notify
  };

  explicit TestServer(bool require_client_certificate = true, bool silent = false) {
    listener_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
    REQUIRE(listen(listener_, 4) == 0);
    socklen_t length = sizeof(address);
    REQUIRE(getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    port_ = ntohs(address.sin_port);
    if (silent) return;  // connections complete (backlog) but nobody ever answers

    mbedtls_entropy_init(&entropy_);
    mbedtls_ctr_drbg_init(&drbg_);
    mbedtls_x509_crt_init(&ca_);
    mbedtls_x509_crt_init(&cert_);
    mbedtls_pk_init(&key_);
    mbedtls_ssl_config_init(&conf_);
    initialized_ = true;
    REQUIRE(mbedtls_ctr_drbg_seed(&drbg_, mbedtls_entropy_func, &entropy_, nullptr, 0) == 0);
    REQUIRE(mbedtls_x509_crt_parse_file(&ca_, TestData("ca.crt").c_str()) == 0);
    REQUIRE(mbedtls_x509_crt_parse_file(&cert_, TestData("server.crt").c_str()) == 0);
    REQUIRE(mbedtls_pk_parse_keyfile(&key_, TestData("server.key").c_str(), nullptr) == 0);
    REQUIRE(mbedtls_ssl_config_defaults(&conf_, MBEDTLS_SSL_IS_SERVER, MBEDTLS_SSL_TRANSPORT_STREAM,
                                        MBEDTLS_SSL_PRESET_DEFAULT) == 0);
    mbedtls_ssl_conf_rng(&conf_, mbedtls_ctr_drbg_random, &drbg_);
    mbedtls_ssl_conf_ca_chain(&conf_, &ca_, nullptr);
    REQUIRE(mbedtls_ssl_conf_own_cert(&conf_, &cert_, &key_) == 0);
    mbedtls_ssl_conf_authmode(&conf_,
                              require_client_certificate ? MBEDTLS_SSL_VERIFY_REQUIRED : MBEDTLS_SSL_VERIFY_NONE);
    result_ = std::async(std::launch::async, [this] { return Serve(); });
  }

  ~TestServer() {
    if (result_.valid()) result_.wait();
    close(listener_);
    if (!initialized_) return;
    mbedtls_ssl_config_free(&conf_);
    mbedtls_pk_free(&key_);
    mbedtls_x509_crt_free(&cert_);
    mbedtls_x509_crt_free(&ca_);
    mbedtls_ctr_drbg_free(&drbg_);
    mbedtls_entropy_free(&entropy_);
  }

  int port() const { return port_; }
  Result result() { return result_.get(); }

 private:
  static int SendCallback(void* fd, const unsigned char* buf, size_t len) {
    ssize_t n = send(*static_cast<int*>(fd), buf, len, MSG_NOSIGNAL);
    return n >= 0 ? static_cast<int>(n) : MBEDTLS_ERR_SSL_INTERNAL_ERROR;
  }
  static int RecvCallback(void* fd, unsigned char* buf, size_t len) {
    ssize_t n = recv(*static_cast<int*>(fd), buf, len, 0);
    return n >= 0 ? static_cast<int>(n) : MBEDTLS_ERR_SSL_INTERNAL_ERROR;
  }

  Result Serve() {
    Result result;
    int fd = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) return result;
    timeval limit{.tv_sec = 10, .tv_usec = 0};  // a broken test must not hang
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));
    mbedtls_ssl_context ssl;
    mbedtls_ssl_init(&ssl);
    mbedtls_ssl_setup(&ssl, &conf_);
    mbedtls_ssl_set_bio(&ssl, &fd, SendCallback, RecvCallback, nullptr);
    result.handshake = mbedtls_ssl_handshake(&ssl);
    if (result.handshake == 0) {
      if (const mbedtls_x509_crt* peer = mbedtls_ssl_get_peer_cert(&ssl); peer != nullptr) {
        char subject[256];
        mbedtls_x509_dn_gets(subject, sizeof(subject), &peer->subject);
        result.client_cn = subject;
      }
      unsigned char buf[4096];
      for (;;) {
        int n = mbedtls_ssl_read(&ssl, buf, sizeof(buf));
        if (n == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
          result.got_close_notify = true;
          break;
        }
        if (n <= 0) break;
        result.echoed.append(reinterpret_cast<char*>(buf), n);
        if (mbedtls_ssl_write(&ssl, buf, n) != n) break;
      }
    }
    mbedtls_ssl_free(&ssl);
    close(fd);
    return result;
  }

  int listener_ = -1;
  int port_ = 0;
  bool initialized_ = false;
  mbedtls_entropy_context entropy_;
  mbedtls_ctr_drbg_context drbg_;
  mbedtls_x509_crt ca_;
  mbedtls_x509_crt cert_;
  mbedtls_pk_context key_;
  mbedtls_ssl_config conf_;
  std::future<Result> result_;
};

TlsOptions ClientOptions() {
  return {.ca_file = TestData("ca.crt"), .cert_file = TestData("client.crt"), .key_file = TestData("client.key")};
}

// A rabbitmq-c connection holding a TlsSocket: what amqp::Connection does, without the AMQP.
struct Client {
  explicit Client(const TlsOptions& options) {
    state = amqp_new_connection();
    auto config = TlsClientConfig::Load(options);
    REQUIRE(config.ok());
    auto installed = TlsSocket::Install(state, *config);
    REQUIRE(installed.ok());
    socket = *installed;
  }
  ~Client() { amqp_destroy_connection(state); }
  absl::Status Connect(int port, absl::Duration timeout = absl::Seconds(10)) {
    return socket->Connect("localhost", port, absl::Now() + timeout);
  }
  amqp_connection_state_t state;
  TlsSocket* socket;
};

TEST_CASE("TLS credentials load from files and from PEM text, and bad ones are named") {
  absl::StatusOr<std::string> ca_pem = ReadFileBounded(TestData("ca.crt"), 1 << 20);
  absl::StatusOr<std::string> cert_pem = ReadFileBounded(TestData("client.crt"), 1 << 20);
  absl::StatusOr<std::string> key_pem = ReadFileBounded(TestData("client.key"), 1 << 20);
  REQUIRE((ca_pem.ok() && cert_pem.ok() && key_pem.ok()));

  auto from_files = TlsClientConfig::Load(ClientOptions());
  REQUIRE(from_files.ok());
  CHECK((*from_files)->has_client_certificate());
  CHECK((*from_files)->client_common_name() == "alpha");
  auto from_text = TlsClientConfig::Load({.ca_pem = *ca_pem, .cert_pem = *cert_pem, .key_pem = *key_pem});
  REQUIRE(from_text.ok());
  CHECK((*from_text)->client_common_name() == "alpha");
  auto ca_only = TlsClientConfig::Load({.ca_file = TestData("ca.crt")});
  REQUIRE(ca_only.ok());
  CHECK_FALSE((*ca_only)->has_client_certificate());

  struct Case {
    const char* name;
    TlsOptions options;
    const char* error;  // a part of the message
  };
  const Case kCases[] = {
      {"no CA",
       {.cert_file = TestData("client.crt"), .key_file = TestData("client.key")},
       "CA certificate is required"},
      {"missing CA file", {.ca_file = TestData("nonexistent.crt")}, "nonexistent.crt"},
      {"CA is not PEM", {.ca_pem = "hello"}, "CA (PEM text)"},
      {"CA file and text", {.ca_file = TestData("ca.crt"), .ca_pem = *ca_pem}, "not both"},
      {"certificate without key",
       {.ca_file = TestData("ca.crt"), .cert_file = TestData("client.crt")},
       "needs its key"},
      {"key of another certificate",
       {.ca_file = TestData("ca.crt"), .cert_file = TestData("client.crt"), .key_file = TestData("server.key")},
       "is not the key of certificate"},
      {"key is not a key",
       {.ca_file = TestData("ca.crt"), .cert_file = TestData("client.crt"), .key_file = TestData("client.crt")},
       "client.crt"},
  };
  for (const Case& c : kCases) {
    INFO(c.name);
    auto config = TlsClientConfig::Load(c.options);
    REQUIRE_FALSE(config.ok());
    INFO(config.status().message());
    CHECK(absl::StrContains(config.status().message(), c.error));
  }
}

TEST_CASE("TLS handshake, data both ways and a clean close") {
  TestServer server;
  {
    Client client(ClientOptions());
    REQUIRE(client.Connect(server.port()).ok());
    CHECK(absl::StartsWith(client.socket->negotiated(), "TLSv1.2 "));
    int nodelay = 0;
    socklen_t length = sizeof(nodelay);
    REQUIRE(getsockopt(client.socket->fd(), IPPROTO_TCP, TCP_NODELAY, &nodelay, &length) == 0);
    CHECK(nodelay != 0);
    CHECK(amqp_get_sockfd(client.state) == client.socket->fd());

    const std::string message(40000, 'm');  // several TLS records
    size_t sent = 0;
    while (sent < message.size()) {
      ssize_t n = TlsSocketTestPeer::Send(*client.socket, std::string_view(message).substr(sent));
      if (n == kMigAmqpSocketNeedWrite) {
        REQUIRE(net::WaitForSocket(client.socket->fd(), true, absl::Now() + absl::Seconds(5)).ok());
        continue;
      }
      REQUIRE(n > 0);
      sent += n;
    }
    std::string echoed;
    char buf[8192];
    while (echoed.size() < message.size()) {
      ssize_t n = TlsSocketTestPeer::Recv(*client.socket, buf, sizeof(buf));
      if (n == kMigAmqpSocketNeedRead) {
        REQUIRE(net::WaitForSocket(client.socket->fd(), false, absl::Now() + absl::Seconds(5)).ok());
        continue;
      }
      REQUIRE(n > 0);
      echoed.append(buf, n);
    }
    CHECK(echoed == message);
  }  // amqp_destroy_connection: close_notify
  TestServer::Result result = server.result();
  CHECK(result.handshake == 0);
  CHECK(absl::StrContains(result.client_cn, "CN=alpha"));
  CHECK(result.echoed.size() == 40000);
  CHECK(result.got_close_notify);
}

TEST_CASE("TLS refuses a broker it cannot verify") {
  SECTION("certificate from another CA") {
    TestServer server;
    TlsOptions options = ClientOptions();
    options.ca_file = TestData("other_ca.crt");
    Client client(options);
    absl::Status status = client.Connect(server.port());
    INFO(status);
    CHECK(absl::IsUnauthenticated(status));
    CHECK(absl::StrContains(status.message(), "not correctly signed by the trusted CA"));
    CHECK(client.socket->fd() == -1);
  }
  SECTION("certificate for another name") {
    TestServer server;
    TlsOptions options = ClientOptions();
    options.server_name = "rabbitmq.example.net";
    Client client(options);
    absl::Status status = client.Connect(server.port());
    INFO(status);
    CHECK(absl::IsUnauthenticated(status));
    CHECK(absl::StrContains(status.message(), "expected name 'rabbitmq.example.net'"));
    CHECK(absl::StrContains(status.message(), "Common Name"));
  }
}

TEST_CASE("TLS: a server that refuses the client's certificate says so") {
  SECTION("no client certificate") {
    TestServer server;
    Client client({.ca_file = TestData("ca.crt")});
    absl::Status status = client.Connect(server.port());
    INFO(status);
    CHECK(absl::IsUnavailable(status));
    CHECK(absl::StrContains(status.message(), "no client certificate was presented"));
  }
  SECTION("client certificate from a CA the server does not trust") {
    TestServer server;
    TlsOptions options = ClientOptions();
    options.cert_file = TestData("other_client.crt");
    options.key_file = TestData("other_client.key");
    Client client(options);
    absl::Status status = client.Connect(server.port());
    INFO(status);
    CHECK(absl::IsUnavailable(status));
    // The alert, or a reset when the server hangs up before the client reads the alert.
    CHECK(absl::StrContains(status.message(), "trust the CA that signed the client certificate"));
  }
}

TEST_CASE("TLS: connection refused and handshake timeout are errors, not hangs") {
  SECTION("refused") {
    int port;
    {
      TestServer closed(/*require_client_certificate=*/true, /*silent=*/true);
      port = closed.port();
    }
    Client client(ClientOptions());
    absl::Status status = client.Connect(port);
    INFO(status);
    CHECK(absl::IsUnavailable(status));
    CHECK(absl::StrContains(status.message(), "refused"));
  }
  SECTION("a server that never answers") {
    TestServer silent(/*require_client_certificate=*/true, /*silent=*/true);
    Client client(ClientOptions());
    const absl::Time start = absl::Now();
    absl::Status status = client.Connect(silent.port(), absl::Milliseconds(300));
    INFO(status);
    CHECK(absl::IsDeadlineExceeded(status));
    CHECK(absl::Now() - start < absl::Seconds(3));
  }
}

}  // namespace
}  // namespace mig::amqp
