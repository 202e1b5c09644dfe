// keep operator backup FILE: an online snapshot of keepd's store, written with mode 0600
// and checked before the command says it is done (docs/operations.md "Back up and
// restore"; the format in docs/formats.md).
#include <iostream>

#include "cli/cli_internal.h"
#include "common/time.h"
#include "store/snapshot.h"

namespace keep::cli {

void AddBackupCommand(CLI::App& op, Context& ctx, int& rc) {
  auto* backup = op.add_subcommand(
      "backup",
      "write an online, consistent snapshot of the store to FILE (mode 0600); restore it "
      "with keepd --restore FILE (SQLite; for PostgreSQL use pg_dump)");
  auto path = std::make_shared<std::string>();
  backup->add_option("FILE", *path, "where to write the snapshot ('-': stdout)")->required();
  Action(backup, rc, [&ctx, path]() -> Status {
    KEEP_ASSIGN_OR_RETURN(Client * client, ctx.client());
    auto bytes = client->Backup();
    KEEP_RETURN_IF_ERROR(ctx.Refused(bytes.status()));
    // What keepd sent is checked as a restore would check it, before it is kept.
    auto snapshot = store::DecodeSnapshot(*bytes);
    if (!snapshot.ok()) {
      return Status(Code::kInvalidArgument, "bad_answer",
                    "keepd's snapshot does not check: " + snapshot.status().message());
    }
    KEEP_ASSIGN_OR_RETURN(OutputFile out, OpenOutput(*path, 0600));
    KEEP_RETURN_IF_ERROR(WriteAndCommit(
        out, std::string_view(reinterpret_cast<const char*>(bytes->data()), bytes->size())));
    const store::SnapshotInfo& i = snapshot->info;
    const std::string sum = store::SnapshotChecksum(*bytes);
    if (ctx.globals().json()) {
      ctx.PrintJson(json::object{{"file", *path},
                                 {"bytes", bytes->size()},
                                 {"deployment", i.deployment},
                                 {"keyring_term", i.keyring_term},
                                 {"schema", i.schema},
                                 {"created", FormatRfc3339(i.created)},
                                 {"sha256", sum}});
    } else if (*path != "-") {
      std::cerr << "snapshot " << *path << ": " << bytes->size() << " bytes, deployment "
                << i.deployment << ", keyring term " << i.keyring_term << ", taken "
                << FormatRfc3339(i.created) << "\nsha256 " << sum << "\n"
                << "Keep it with the shares (or HSM key) valid at keyring term " << i.keyring_term
                << ": it opens only with them.\n";
    }
    return Status::Ok();
  });
}

}  // namespace keep::cli
