#include "base/http/client.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/http/internal/wire.h"
#include "base/net/socket.h"
#include "base/net/stream.h"
#include "base/net/tls.h"
#include "base/unique_fd.h"
#include "base/url.h"

namespace mig::http {
namespace {

using internal::Framing;

constexpr size_t kMaxHeadBytes = 256 << 10;
constexpr size_t kMaxChunkLineBytes = 4 << 10;
// Interim (1xx) responses skipped before the final one, at most.
constexpr int kMaxInterimResponses = 8;
// Bodies up to this size go out in the same write as the head.
constexpr size_t kCoalesceBytes = 64 << 10;

// Where a request goes, from its URL (base/url.h parses it, as every URL mig takes).
struct Endpoint {
  bool https = false;
  std::string host;  // without brackets: "::1"
  int port = 0;
  std::string authority;  // for Host: "[::1]:8393"
  std::string target;     // "/api/v1/agents?x=1"
};

absl::StatusOr<Endpoint> ParseEndpoint(std::string_view text) {
  // A fragment is never sent (RFC 9110 4.2.4); the rest of the URL is parsed strictly.
  absl::StatusOr<Url> url = ParseUrl(text.substr(0, text.find('#')), {"http", "https"});
  if (!url.ok()) return url.status();
  if (url->has_userinfo) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad URL '", absl::CHexEscape(text.substr(0, 200)), "': credentials in URLs are not supported"));
  }
  Endpoint endpoint;
  endpoint.https = url->scheme == "https";
  endpoint.host = url->host;
  endpoint.port = url->port.value_or(endpoint.https ? 443 : 80);
  endpoint.authority = url->Authority();
  endpoint.target = url->Target();
  return endpoint;
}

// Sends the request and reads the response over a connected stream.
class Exchange {
 public:
  Exchange(net::Stream* stream, const ClientOptions& options, absl::Time deadline, bool head_request)
      : stream_(stream), options_(options), deadline_(deadline), head_request_(head_request), reader_(stream) {
    reader_.set_deadline(deadline);
  }

  absl::Status Send(std::string head, std::string_view body) {
    if (body.size() <= kCoalesceBytes) {
      head.append(body);
      return stream_->Write(head, deadline_);
    }
    if (absl::Status status = stream_->Write(head, deadline_); !status.ok()) return status;
    return stream_->Write(body, deadline_);
  }

  // Errors: as Fetch's, but for the prefix naming the request.
  absl::StatusOr<Response> Receive() {
    const size_t head_limit = std::min(kMaxHeadBytes, options_.max_response_bytes);
    internal::ResponseHead parsed;
    size_t head_bytes = 0;
    for (int interim = 0;; ++interim) {
      absl::StatusOr<std::optional<std::string>> head = internal::ReadHead(reader_, head_limit);
      if (!head.ok()) return Reading(head.status(), "the response head");
      if (!head->has_value()) return absl::UnavailableError("the server closed the connection without a response");
      absl::StatusOr<internal::ResponseHead> response_head = internal::ParseResponseHead(**head);
      if (!response_head.ok()) {
        return absl::DataLossError(absl::StrCat("malformed response: ", response_head.status().message()));
      }
      head_bytes += (*head)->size();
      parsed = *std::move(response_head);
      if (parsed.status >= 200) break;
      if (interim == kMaxInterimResponses) return absl::DataLossError("too many interim (1xx) responses");
    }
    absl::StatusOr<Framing> framing = internal::ResponseFraming(parsed.status, parsed.headers);
    if (head_request_) framing = Framing{.kind = Framing::kNone};  // the headers describe a body not sent
    if (!framing.ok()) return absl::DataLossError(absl::StrCat("malformed response: ", framing.status().message()));

    Response response{.status = parsed.status, .content_type = "", .headers = std::move(parsed.headers)};
    const size_t body_limit = options_.max_response_bytes - std::min(head_bytes, options_.max_response_bytes);
    absl::Status body = absl::OkStatus();
    switch (framing->kind) {
      case Framing::kNone:
        break;
      case Framing::kLength:
        if (framing->length > body_limit) return TooLarge();
        body = reader_.ReadExactly(framing->length, &response.body);
        break;
      case Framing::kChunked:
        body = internal::ReadChunkedBody(reader_, body_limit, kMaxChunkLineBytes, &response.body);
        if (absl::IsInvalidArgument(body)) {
          return absl::DataLossError(absl::StrCat("malformed chunked body: ", body.message()));
        }
        break;
      case Framing::kUntilClose:
        body = reader_.ReadToEnd(body_limit, &response.body);
        break;
    }
    if (absl::IsResourceExhausted(body)) return TooLarge();
    if (!body.ok()) return Reading(body, "the response body");
    if (std::optional<std::string_view> type = response.Header("content-type")) response.content_type = *type;
    return response;
  }

 private:
  absl::Status Reading(const absl::Status& status, std::string_view what) const {
    if (absl::IsResourceExhausted(status)) return TooLarge();
    return absl::Status(status.code(), absl::StrCat("reading ", what, ": ", status.message()));
  }

  absl::Status TooLarge() const {
    return absl::ResourceExhaustedError(
        absl::StrCat("the response is larger than max_response_bytes (", options_.max_response_bytes, ")"));
  }

  net::Stream* stream_;
  const ClientOptions& options_;
  const absl::Time deadline_;
  const bool head_request_;
  net::Reader reader_;
};

}  // namespace

absl::StatusOr<Response> Fetch(std::string_view url_text, const Request& request, const ClientOptions& options) {
  const absl::Time deadline = absl::Now() + options.timeout;
  absl::StatusOr<Endpoint> url = ParseEndpoint(url_text);
  if (!url.ok()) return url.status();
  const std::string method = request.method.empty() ? "GET" : request.method;
  // Named without the query, which may be long.
  const std::string what = absl::StrCat(absl::CHexEscape(method), " ", url->https ? "https" : "http", "://",
                                        url->authority, url->target.substr(0, url->target.find('?')));
  auto fail = [&](const absl::Status& status) {
    if (absl::IsDeadlineExceeded(status)) {
      return absl::DeadlineExceededError(
          absl::StrCat(what, ": timed out after ", absl::FormatDuration(options.timeout), " (", status.message(), ")"));
    }
    return absl::Status(status.code(), absl::StrCat(what, ": ", status.message()));
  };

  if (!internal::ValidHeaderName(method)) return fail(absl::InvalidArgumentError("bad method"));
  std::string head = absl::StrCat(method, " ", url->target, " HTTP/1.1\r\nHost: ", url->authority, "\r\n");
  if (!request.body.empty() || (method != "GET" && method != "HEAD")) {
    absl::StrAppend(&head, "Content-Length: ", request.body.size(), "\r\n");
  }
  absl::StrAppend(&head, "Connection: close\r\n");
  for (const auto& [name, value] : request.headers) {
    if (!internal::ValidHeaderName(name) || !internal::ValidHeaderValue(value)) {
      return fail(absl::InvalidArgumentError(absl::StrCat("bad header '", absl::CHexEscape(name), "'")));
    }
    for (std::string_view own : {"host", "content-length", "transfer-encoding", "connection"}) {
      if (absl::EqualsIgnoreCase(name, own)) {
        return fail(absl::InvalidArgumentError(absl::StrCat("header '", name, "' is set by Fetch")));
      }
    }
    absl::StrAppend(&head, name, ": ", value, "\r\n");
  }
  absl::StrAppend(&head, "\r\n");

  std::shared_ptr<const net::TlsConfig> tls;
  if (url->https) {
    if (options.ca_pem.empty()) {
      return fail(absl::InvalidArgumentError("https needs the CA to verify the server with (ClientOptions::ca_pem)"));
    }
    absl::StatusOr<std::shared_ptr<const net::TlsConfig>> config =
        net::TlsConfig::ForClient({.ca = {options.ca_pem, "CA"}});
    if (!config.ok()) return fail(config.status());
    tls = *std::move(config);
  }

  absl::StatusOr<UniqueFd> connected = net::ConnectTcp(url->host, url->port, deadline);
  if (!connected.ok()) return fail(connected.status());
  const int fd = connected->release();  // owned by the stream from here
  std::unique_ptr<net::Stream> stream;
  if (tls != nullptr) {
    auto tls_stream =
        std::make_unique<net::TlsStream>(fd, tls, options.server_name.empty() ? url->host : options.server_name);
    if (absl::Status handshake = tls_stream->Handshake(deadline, /*cancel_fd=*/-1); !handshake.ok()) {
      return fail(handshake);
    }
    stream = std::move(tls_stream);
  } else {
    stream = std::make_unique<net::PlainStream>(fd);
  }

  Exchange exchange(stream.get(), options, deadline, /*head_request=*/method == "HEAD");
  absl::Status sent = exchange.Send(std::move(head), request.body);
  if (!sent.ok()) {
    // A server may answer before it has read the whole request (a 413 for a body too large) and close: its
    // answer says more than the broken pipe.
    if (!absl::IsDeadlineExceeded(sent)) {
      absl::StatusOr<Response> early = exchange.Receive();
      if (early.ok()) return early;
    }
    return fail(absl::Status(sent.code(), absl::StrCat("sending the request: ", sent.message())));
  }
  absl::StatusOr<Response> response = exchange.Receive();
  if (!response.ok()) return fail(response.status());
  stream->Close();
  return response;
}

}  // namespace mig::http
