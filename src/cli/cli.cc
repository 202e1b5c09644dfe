#include "cli/cli.h"

#include <openssl/crypto.h>

#include <fstream>
#include <iostream>
#include <iterator>

#include "cli/cli_internal.h"

namespace keep::cli {

std::optional<json::value> Context::Call(std::string_view method, std::string_view target,
                                         const json::value* body, int* status) {
  if (!client_) {
    ClientOptions o;
    o.address = g_.addr;
    o.token = g_.token;
    o.ca_cert_file = g_.ca_cert;
    o.client_cert_file = g_.client_cert;
    o.client_key_file = g_.client_key;
    auto c = Client::Create(o);
    if (!c.ok()) throw UsageError{c.status().message()};
    client_ = std::move(c).value();
  }
  const std::string payload = body ? json::serialize(*body) : std::string();
  auto r = client_->Send(method, target, payload);
  if (!r.ok()) {
    std::cerr << "keep: " << r.status().message() << "\n";
    return std::nullopt;
  }
  if (status) *status = r->status;
  Status s = StatusOf(*r);
  boost::system::error_code ec;
  json::value v = r->body.empty() ? json::value(json::object()) : json::parse(r->body, ec);
  OPENSSL_cleanse(r->body.data(), r->body.size());
  // Callers that ask for the status (health) accept non-2xx answers that are not errors.
  const bool plain_answer = status && !ec && v.is_object() && !v.as_object().contains("error");
  if (!s.ok() && !plain_answer) {
    if (g_.json() && !ec) PrintJson(v);
    std::cerr << "keep: " << s.message() << " (" << s.reason() << ")\n";
    return std::nullopt;
  }
  if (ec || !v.is_object()) {
    std::cerr << "keep: the server's answer to " << method << " " << target
              << " is malformed: not a JSON object (is KEEP_ADDR a keep server?)\n";
    return std::nullopt;
  }
  return v;
}

void Context::PrintJson(const json::value& v) {
  std::cout << json::serialize(v) << "\n";
}

json::object ParseContext(const std::vector<std::string>& pairs) {
  json::object o;
  for (const auto& p : pairs) {
    const size_t eq = p.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw UsageError{"--context takes KEY=VALUE (got '" + p + "')"};
    }
    const std::string key = p.substr(0, eq);
    if (o.contains(key)) throw UsageError{"--context key '" + key + "' given twice"};
    o[key] = p.substr(eq + 1);
  }
  return o;
}

std::string ReadInput(const std::string& path) {
  if (path.empty() || path == "-") {
    return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError{"cannot read " + path};
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

bool WriteAndCommit(OutputFile& out, std::string_view data) {
  Status st = out.Write(AsBytes(data));
  if (st.ok()) st = out.Commit();
  if (!st.ok()) std::cerr << "keep: " << st.message() << "\n";
  return st.ok();
}

int Run(int argc, char** argv) {
  CLI::App app{"keep — command line for the keep key management service"};
  app.require_subcommand(1);
  Globals g;
  app.add_option("--addr", g.addr, "server address, https://HOST:PORT")->envname("KEEP_ADDR");
  app.add_option("--token", g.token, "bearer token")->envname("KEEP_TOKEN");
  app.add_option("--ca-cert", g.ca_cert, "CA certificate (PEM) to trust")->envname("KEEP_CACERT");
  app.add_option("--client-cert", g.client_cert, "client certificate (PEM) for mutual TLS")
      ->envname("KEEP_CLIENT_CERT");
  app.add_option("--client-key", g.client_key, "its private key (PEM)")->envname("KEEP_CLIENT_KEY");
  app.add_option("--format", g.format, "output format")->check(CLI::IsMember({"text", "json"}));
  Context ctx(g);
  int rc = 0;
  AddOperatorCommands(app, ctx, rc);
  AddKeyCommands(app, ctx, rc);
  AddCryptoCommands(app, ctx, rc);
  AddAccessCommands(app, ctx, rc);
  AddFileCommands(app, ctx, rc);
  AddKeygenCommand(app, rc);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  } catch (const UsageError& e) {
    std::cerr << "keep: " << e.message << "\n";
    return 2;
  } catch (const Failure& e) {
    std::cerr << "keep: " << e.message << "\n";
    return 1;
  } catch (const std::exception& e) {
    // The last line of defence: every known failure is a Failure or UsageError above.
    std::cerr << "keep: unexpected error: " << e.what() << "\n";
    return 1;
  }
  return rc;
}

}  // namespace keep::cli
