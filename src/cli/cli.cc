#include "cli/cli.h"

#include "clidocs/clidocs.h"

#include <openssl/crypto.h>
#include <string.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <iterator>

#include "cli/cli_internal.h"
#include "cli/secret_input.h"
#include "common/wiping_json.h"

namespace keep::cli {
namespace {

// Serializes `v` into a stack buffer, hands each piece to `emit`, wipes the buffer: no
// std::string ever holds the text (which may carry plaintexts, shares, tokens).
void Serialize(const json::value& v, const std::function<void(std::string_view)>& emit) {
  json::serializer sr;
  sr.reset(&v);
  char chunk[4096];
  while (!sr.done()) emit(sr.read(chunk));
  explicit_bzero(chunk, sizeof chunk);
}

}  // namespace

Result<Client*> Context::client() {
  if (!client_) {
    ClientOptions o;
    o.address = g_.addr;
    o.token = g_.token;
    o.ca_cert_file = g_.ca_cert;
    o.client_cert_file = g_.client_cert;
    o.client_key_file = g_.client_key;
    auto c = Client::Create(o);
    if (!c.ok()) return Usage(c.status().message());
    client_ = std::move(c).value();
  }
  return client_.get();
}

Status Context::Refused(const Status& s) {
  if (s.ok() || s.reason() == "usage" || s.reason() == "bad_answer") return s;
  if (g_.json()) {
    PrintJson(
        json::object{{"error", json::object{{"code", s.reason()}, {"message", s.message()}}}});
  }
  return Status(s.code(), ReasonCode::FromTable(s.reason()),
                s.message() + " (" + std::string(s.reason()) + ")");
}

void Context::PrintJson(const json::value& v) {
  Serialize(v, [](std::string_view piece) { std::cout << piece; });
  std::cout << "\n";
}

std::string Join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (const auto& e : v) out += (out.empty() ? "" : sep) + e;
  return out;
}

json::array StringsJson(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& e : v) a.emplace_back(e);
  return a;
}

json::object SecretBody() {
  return json::object(WipingJsonStorage());
}

Result<EncryptionContext> ParseContextMap(const std::vector<std::string>& pairs) {
  EncryptionContext out;
  for (const auto& p : pairs) {
    const size_t eq = p.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Usage("--context takes KEY=VALUE (got '" + p + "')");
    }
    const std::string key = p.substr(0, eq);
    if (!out.emplace(key, p.substr(eq + 1)).second) {
      return Usage("--context key '" + key + "' given twice");
    }
  }
  return out;
}

Result<SecretString> ReadSecretInput(const std::string& path) {
  // SecretString's allocator wipes every buffer it outgrows.
  if (path.empty() || path == "-") {
    return SecretString(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Usage("cannot read " + path);
  return SecretString(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

Result<std::string> ReadInput(const std::string& path) {
  if (path.empty() || path == "-") {
    return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Usage("cannot read " + path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

Status WriteAndCommit(OutputFile& out, std::string_view data) {
  KEEP_RETURN_IF_ERROR(out.Write(AsBytes(data)));
  return out.Commit();
}

void Action(CLI::App* sc, int& rc, std::function<Status()> f) {
  sc->callback([&rc, f = std::move(f)] {
    const Status st = f();
    if (st.ok()) return;
    std::cerr << "keep: " << st.message() << "\n";
    rc = st.reason() == "usage" ? 2 : 1;
  });
}

namespace {

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::string PathOf(const CLI::App* a) {
  std::string path;
  for (; a != nullptr; a = a->get_parent()) {
    path = a->get_parent() == nullptr ? "keep" + path : " " + a->get_name() + path;
  }
  return path;
}

// Checked before CLI11 parses, whose messages for these are unhelpful ("A subcommand is
// required"): a word where a command is expected that names none gets the nearest names;
// a command that needs a subcommand and got none lists them. Returns false after printing.
bool CheckCommands(CLI::App& app, int argc, char** argv) {
  CLI::App* cur = &app;
  for (int i = 1; i < argc; ++i) {
    const std::string_view t = argv[i];
    if (t == "-h" || t == "--help" || t == "--version") return true;  // CLI11 answers these
    if (t == "--") break;
    if (t.size() > 1 && t[0] == '-') {
      if (t.find('=') != std::string_view::npos) continue;
      for (CLI::App* a = cur; a != nullptr; a = a->get_parent()) {
        if (const CLI::Option* o = a->get_option_no_throw(std::string(t))) {
          if (o->get_items_expected_min() > 0) ++i;  // its value
          break;
        }
      }
      continue;
    }
    auto subs = cur->get_subcommands([](CLI::App*) { return true; });
    if (subs.empty()) return true;  // positional arguments from here on
    auto match = std::find_if(subs.begin(), subs.end(),
                              [&](CLI::App* s) { return s->check_name(std::string(t)); });
    if (match != subs.end()) {
      cur = *match;
      continue;
    }
    std::vector<std::string> near;
    for (CLI::App* s : subs) {
      const std::string& n = s->get_name();
      if (EditDistance(t, n) <= std::max<size_t>(1, n.size() / 3) || n.rfind(t, 0) == 0) {
        near.push_back(n);
      }
    }
    std::cerr << PathOf(cur) << ": unknown command '" << t << "'";
    if (!near.empty()) {
      std::cerr << "; did you mean";
      for (size_t k = 0; k < near.size(); ++k) std::cerr << (k ? " or '" : " '") << near[k] << "'";
      std::cerr << "?";
    }
    std::cerr << "\n(" << PathOf(cur) << " --help lists the commands)\n";
    return false;
  }
  if (cur->get_require_subcommand_min() > 0) {
    std::cerr << PathOf(cur) << ": give a command:";
    for (CLI::App* s : cur->get_subcommands([](CLI::App*) { return true; })) {
      std::cerr << " " << s->get_name();
    }
    std::cerr << "\n(" << PathOf(cur) << " --help says what each does)\n";
    return false;
  }
  return true;
}

}  // namespace

int Run(int argc, char** argv) {
  CLI::App app{"keep — command line for the keep key management service"};
  app.require_subcommand(1);
  // Global options (--format, --addr, …) are accepted after the command too.
  app.fallthrough();
  app.set_version_flag("--version", "keep " KEEP_VERSION);
  app.footer(
      "Exit status: 0 success; 1 the server refused or failed, or a local refusal (a damaged "
      "file, a wrong key); 2 a usage error; keep status: 2 when sealed or not initialized.\n"
      "Environment: KEEP_ADDR, KEEP_TOKEN, KEEP_CACERT, KEEP_CLIENT_CERT, KEEP_CLIENT_KEY, "
      "KEEP_FORMAT (text|json), KEEP_PASSPHRASE.");
  Globals g;
  app.add_option("--addr", g.addr, "server address, https://HOST:PORT")->envname("KEEP_ADDR");
  app.add_option("--token", g.token, "bearer token")->envname("KEEP_TOKEN");
  app.add_option("--ca-cert", g.ca_cert, "CA certificate (PEM) to trust")->envname("KEEP_CACERT");
  app.add_option("--client-cert", g.client_cert, "client certificate (PEM) for mutual TLS")
      ->envname("KEEP_CLIENT_CERT");
  app.add_option("--client-key", g.client_key, "its private key (PEM)")->envname("KEEP_CLIENT_KEY");
  app.add_option("--passphrase-file", g.passphrase_file,
                 "read a passphrase (private keys, keygen) from the first line of FILE");
  app.add_option("--format", g.format, "output format: text or json (anywhere on the line)")
      ->envname("KEEP_FORMAT")
      ->check(CLI::IsMember({"text", "json"}));
  Context ctx(g);
  int rc = 0;
  AddOperatorCommands(app, ctx, rc);
  AddKeyCommands(app, ctx, rc);
  AddCryptoCommands(app, ctx, rc);
  AddAccessCommands(app, ctx, rc);
  AddAwsKeyCommands(app, ctx, rc);
  AddKmipCommands(app, ctx, rc);
  AddImportCommands(app, ctx, rc);
  AddFileCommands(app, ctx, rc);
  AddKeygenCommand(app, ctx, rc);
  // Generated from the definitions above, so they cannot drift from them.
  auto* completion =
      app.add_subcommand("completion",
                         "print a shell completion script: bash, zsh or fish (e.g. source <(keep "
                         "completion bash))");
  auto shell = std::make_shared<std::string>();
  completion->add_option("SHELL", *shell, "bash, zsh or fish")
      ->required()
      ->check(CLI::IsMember({"bash", "zsh", "fish"}));
  completion->callback([&app, shell] { std::cout << clidocs::Completion(app, *shell, "keep"); });
  auto* man = app.add_subcommand("man", "print the keep(1) man page (troff)");
  man->group("");  // hidden: for the build, which installs the page
  man->callback([&app] {
    std::cout << clidocs::ManPage(
        app, {"keep", "1", KEEP_VERSION, "", "command line for the keep key management service",
              "keepd(8)"});
  });
  if (!CheckCommands(app, argc, argv)) return 2;
  try {
    app.parse_complete_callback([&g] { SetPassphraseFile(g.passphrase_file); });
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // --version and --help are "errors" with exit code 0 for CLI11.
    if (e.get_exit_code() == 0) return app.exit(e);
    app.exit(e);
    return 2;
  } catch (const std::exception& e) {
    // CLI11 reports parse errors by exception (above); commands return Status. This is
    // the last line of defence against a library throwing (std::bad_alloc).
    std::cerr << "keep: unexpected error: " << e.what() << "\n";
    return 1;
  }
  return rc;
}

}  // namespace keep::cli
