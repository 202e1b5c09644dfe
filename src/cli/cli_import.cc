// keep import keas-kmi DIR: a keas.kmi master's storage directory into keep (the keas
// door opens each entry with its key encrypting key on first use and re-protects it).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>

#include "cli/cli_internal.h"

namespace keep::cli {
namespace {

namespace fs = std::filesystem;

bool IsMd5Name(const std::string& stem) {
  return stem.size() == 32 && std::all_of(stem.begin(), stem.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

}  // namespace

void AddImportCommands(CLI::App& app, Context& ctx, int& rc) {
  auto* import = app.add_subcommand("import", "bring keys from another key management system");
  import->require_subcommand(1);
  auto dir = std::make_shared<std::string>();
  auto* keas = import->add_subcommand(
      "keas-kmi",
      "import a keas.kmi master's storage directory (<md5>.dek files): applications keep "
      "their key encrypting keys and get the same data keys from keep's keas door");
  keas->add_option("dir", *dir, "the keas.kmi storage directory")->required();
  Action(keas, rc, [&ctx, dir]() -> Status {
    std::error_code ec;
    if (!fs::is_directory(*dir, ec)) return Usage(*dir + " is not a directory");
    std::vector<KeasEntry> entries;
    size_t skipped = 0;
    for (const auto& f : fs::directory_iterator(*dir, ec)) {
      const fs::path p = f.path();
      if (p.extension() != ".dek") continue;
      if (!f.is_regular_file() || !IsMd5Name(p.stem().string())) {
        std::cerr << "keep: skipping " << p.string() << ": not <md5>.dek\n";
        ++skipped;
        continue;
      }
      std::ifstream in(p, std::ios::binary);
      std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (!in.good() && !in.eof()) return Usage("cannot read " + p.string());
      if (bytes.size() < 64 || bytes.size() > 1024) {
        std::cerr << "keep: skipping " << p.string() << ": not an RSA block\n";
        ++skipped;
        continue;
      }
      entries.push_back({p.stem().string(), std::move(bytes)});
    }
    if (ec) return Usage("cannot read " + *dir + ": " + ec.message());
    KEEP_ASSIGN_OR_RETURN(Client * client, ctx.client());
    int64_t imported = 0;
    for (size_t at = 0; at < entries.size(); at += 1000) {
      const size_t n = std::min<size_t>(1000, entries.size() - at);
      auto r = client->ImportKeasEntries(std::span(entries).subspan(at, n));
      KEEP_RETURN_IF_ERROR(ctx.Refused(r.status()));
      imported += *r;
    }
    if (ctx.globals().json()) {
      ctx.PrintJson(json::object{{"imported", imported}, {"skipped", skipped}});
    } else {
      std::cout << "imported " << imported << " keas.kmi entries from " << *dir;
      if (skipped) std::cout << " (" << skipped << " files skipped)";
      std::cout << "\n";
    }
    return skipped == 0 ? Status::Ok()
                        : Status(Code::kInvalidArgument, "usage",
                                 std::to_string(skipped) + " files were not keas.kmi entries");
  });
}

}  // namespace keep::cli
