#pragma once
// An https server for tests: nginx on 127.0.0.1 with TLS and HTTP/2, serving the static
// files of a directory, with a certificate for 127.0.0.1 issued by a CA made for it.
// Nothing trusts that CA unless told to (Request::ca_file = ca_file()).
//
//   test::TlsNginx server;
//   server.write_file("feed.xml", "<rss/>");
//   request.url = server.url("/feed.xml");
//   request.ca_file = server.ca_file().string();
//
// The access log records "$connection $server_protocol $status $request_uri" per request,
// so a test can see how many connections its requests used and which protocol they spoke.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "support/nginx.hpp"
#include "support/temp_dir.hpp"

namespace feedd::test {

struct AccessLogLine {
  std::string connection;  // nginx's serial number of the connection
  std::string protocol;    // "HTTP/2.0", "HTTP/1.1", ...
  int status = 0;
  std::string uri;
};

class TlsNginx {
 public:
  // Makes the certificates with the openssl program and starts nginx. Throws
  // std::runtime_error naming what is missing or failed (openssl or nginx not installed,
  // nginx not coming up): these tests fail rather than skip without them.
  TlsNginx();
  ~TlsNginx();  // stops nginx
  TlsNginx(const TlsNginx&) = delete;
  TlsNginx& operator=(const TlsNginx&) = delete;

  std::uint16_t port() const { return nginx_->port(); }
  // "https://127.0.0.1:PORT" + path
  std::string url(std::string_view path) const;
  // PEM certificate of the CA that issued the server's certificate.
  const std::filesystem::path& ca_file() const { return ca_file_; }
  // Serves `contents` at "/" + name.
  void write_file(std::string_view name, std::string_view contents) const;

  // The access log so far.
  std::vector<AccessLogLine> access_log() const;
  // The access log once it holds at least `lines` lines (nginx writes a line as a request
  // ends, which may be just after the client has its response), or after `limit`.
  std::vector<AccessLogLine> access_log(std::size_t lines,
                                        std::chrono::milliseconds limit = std::chrono::seconds(5)) const;
  std::string error_log() const { return nginx_->error_log(); }

 private:
  TempDir dir_{"feedd-tls"};
  std::filesystem::path root_;
  std::filesystem::path ca_file_;
  std::unique_ptr<Nginx> nginx_;
};

// The openssl program; throws std::runtime_error if it is not installed.
std::string openssl_binary();

}  // namespace feedd::test
