#include "support/tls_nginx.hpp"

#include <cstdlib>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "support/files.hpp"
#include "support/http_server.hpp"
#include "support/process.hpp"

namespace feedd::test {
namespace {

// Written to a file of its own so that the system's openssl.cnf plays no part.
constexpr const char* kOpensslConfig = R"([req]
distinguished_name = dn
prompt = no

[dn]
CN = feedd test

[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
)";

void openssl(std::vector<std::string> args) {
  args.insert(args.begin(), openssl_binary());
  const std::string command = [&] {
    std::string text;
    for (const auto& a : args) text += (text.empty() ? "" : " ") + a;
    return text;
  }();
  const ProcessResult r = run(std::move(args), std::chrono::seconds(30));
  if (r.exit_code != 0) throw std::runtime_error("`" + command + "` failed: " + r.err);
}

}  // namespace

std::string openssl_binary() {
  for (const char* path : {"/usr/bin/openssl", "/bin/openssl", "/usr/local/bin/openssl"}) {
    if (std::filesystem::exists(path)) return path;
  }
  throw std::runtime_error("openssl is not installed (Debian package openssl; scripts/install-deps installs it)");
}

TlsNginx::TlsNginx() : root_(dir_.file("www")), ca_file_(dir_.file("ca.pem")) {
  bypass_proxies_for_tests();
  std::filesystem::create_directories(root_);
  const std::string d = dir_.path().string();
  const std::string config = dir_.write("openssl.cnf", kOpensslConfig).string();
  // A CA, and a certificate for 127.0.0.1 that it issues. EC keys: instant to make.
  openssl({"req", "-config", config, "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
           "-nodes", "-keyout", d + "/ca.key", "-out", ca_file_.string(), "-days", "2",
           "-subj", "/CN=feedd test CA", "-extensions", "ca"});
  openssl({"req", "-config", config, "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
           "-nodes", "-keyout", d + "/server.key", "-out", d + "/server.csr", "-subj", "/CN=127.0.0.1"});
  openssl({"x509", "-req", "-in", d + "/server.csr", "-CA", ca_file_.string(), "-CAkey", d + "/ca.key",
           "-set_serial", "2", "-days", "2", "-extfile", config, "-extensions", "server", "-out",
           d + "/server.pem"});

  // The free port may be taken before nginx binds it (tests run in parallel): try another.
  for (int attempt = 1;; ++attempt) {
    const std::uint16_t port = unused_port();
    const std::string http =
        "  log_format connections '$connection $server_protocol $status $request_uri';\n"
        "  access_log " + d + "/access.log connections;\n"
        "  types { application/rss+xml rss; application/atom+xml atom; application/xml xml; }\n"
        "  server {\n"
        "    listen 127.0.0.1:" + std::to_string(port) + " ssl http2;\n"
        "    ssl_certificate " + d + "/server.pem;\n"
        "    ssl_certificate_key " + d + "/server.key;\n"
        "    root " + root_.string() + ";\n"
        "  }\n";
    try {
      nginx_ = std::make_unique<Nginx>(dir_.file("nginx-" + std::to_string(attempt)), port, http);
      return;
    } catch (const std::runtime_error& e) {
      if (attempt == 3 || std::string_view(e.what()).find("Address already in use") == std::string_view::npos) throw;
    }
  }
}

TlsNginx::~TlsNginx() = default;

std::string TlsNginx::url(std::string_view path) const {
  return "https://127.0.0.1:" + std::to_string(port()) + std::string(path);
}

void TlsNginx::write_file(std::string_view name, std::string_view contents) const {
  dir_.write("www/" + std::string(name), contents);
}

std::vector<AccessLogLine> TlsNginx::access_log() const {
  std::vector<AccessLogLine> lines;
  std::istringstream in(read_file(dir_.file("access.log")));
  std::string text;
  while (std::getline(in, text)) {
    std::istringstream fields(text);
    AccessLogLine line;
    if (fields >> line.connection >> line.protocol >> line.status >> line.uri) lines.push_back(std::move(line));
  }
  return lines;
}

std::vector<AccessLogLine> TlsNginx::access_log(std::size_t lines, std::chrono::milliseconds limit) const {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  auto log = access_log();
  while (log.size() < lines && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    log = access_log();
  }
  return log;
}

}  // namespace feedd::test
