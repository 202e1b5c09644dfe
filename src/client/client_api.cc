// libkeep's typed calls: each builds its request body in wiping memory, sends it through
// the transport (transport.cc) and reads the answer field by field (codec.h), so a
// malformed answer is "bad_answer", never a crash. Contract in keep/client.h.
#include <string>

#include "client/codec.h"
#include "common/encoding.h"
#include "common/names.h"
#include "keep/client.h"

namespace keep {

namespace client {

Result<KeyInfo> ReadKey(Answer& a) {
  KeyInfo k;
  k.name = a.Str("name");
  k.id = a.Str("id");
  k.type = a.Str("type");
  k.purpose = a.OptStr("purpose");
  k.description = a.OptStr("description");
  k.created_at = a.Str("created_at");
  k.state = a.Str("state");
  k.latest_version = a.U32("latest_version");
  k.min_decryption_version = a.U32("min_decryption_version");
  k.min_encryption_version = a.U32("min_encryption_version");
  k.auto_rotate_period = a.OptStr("auto_rotate_period");
  if (a.Has("deletion_date")) k.deletion_date = a.Str("deletion_date");
  k.peer = a.OptStr("peer");
  for (Answer& v : a.Objects("versions")) {
    k.versions.push_back({v.U32("version"), v.Str("created_at"), v.OptStr("origin")});
  }
  KEEP_RETURN_IF_ERROR(a.status());
  return k;
}

}  // namespace client

namespace {

using client::Answer;
using client::BodyWriter;
using client::ReadKey;

std::string KeyPath(std::string_view name, std::string_view op = {}) {
  std::string p = "/v1/keys/" + std::string(name);
  if (!op.empty()) p += "/" + std::string(op);
  return p;
}

Ciphertext ReadCiphertext(Answer& a) {
  return {a.Str("ciphertext"), a.Str("key"), a.U32("version")};
}

Plaintext ReadPlaintext(Answer& a) {
  Plaintext p;
  p.plaintext = a.Secret("plaintext");
  p.key = a.Str("key");
  p.version = a.U32("version");
  return p;
}

template <typename T, typename Read>
Result<BatchResult<T>> ReadBatch(Answer& a, size_t expected, Read read) {
  BatchResult<T> out;
  for (Answer& item : a.Objects("batch")) {
    if (item.Has("error")) {
      out.push_back(item.Error());
      continue;
    }
    T value = read(item);
    Status st = item.status();
    if (!st.ok()) return st;
    out.push_back(std::move(value));
  }
  KEEP_RETURN_IF_ERROR(a.status());
  if (out.size() != expected) {
    return Status(Code::kInternal, "bad_answer",
                  "the server answered " + std::to_string(out.size()) + " batch items for " +
                      std::to_string(expected));
  }
  return out;
}

}  // namespace

Result<HttpResult> Client::Call(std::string_view method, std::string_view target,
                                std::string_view body, bool idempotent, CallOptions o) {
  KEEP_ASSIGN_OR_RETURN(HttpResult r, Send(method, target, body, idempotent, o));
  KEEP_RETURN_IF_ERROR(StatusOf(r));
  return r;
}

Result<KeyInfo> Client::CreateKey(const NewKey& key, CallOptions o) {
  KEEP_RETURN_IF_ERROR(ValidateKeyName(key.name));
  BodyWriter b;
  b.Str("name", key.name);
  if (!key.type.empty()) b.Str("type", key.type);
  if (!key.purpose.empty()) b.Str("purpose", key.purpose);
  if (!key.description.empty()) b.Str("description", key.description);
  if (!key.auto_rotate_period.empty()) b.Str("auto_rotate_period", key.auto_rotate_period);
  if (!key.peer.empty()) b.Str("peer", key.peer);
  KEEP_ASSIGN_OR_RETURN(auto r, Call("POST", "/v1/keys", b.Done(), false, o));
  KEEP_ASSIGN_OR_RETURN(Answer a, Answer::Parse(r, "key create"));
  return ReadKey(a);
}

Result<KeyInfo> Client::GetKey(std::string_view name, CallOptions o) {
  KEEP_RETURN_IF_ERROR(ValidateKeyName(name));
  KEEP_ASSIGN_OR_RETURN(auto r, Call("GET", KeyPath(name), "", true, o));
  KEEP_ASSIGN_OR_RETURN(Answer a, Answer::Parse(r, "key show"));
  return ReadKey(a);
}

Result<KeyPage> Client::ListKeys(std::string_view prefix, std::string_view after, int limit,
                                 CallOptions o) {
  std::string target = "/v1/keys";
  char sep = '?';
  auto add = [&](std::string_view k, std::string_view v) {
    target += sep + std::string(k) + "=" + PercentEncode(v);
    sep = '&';
  };
  if (!prefix.empty()) add("prefix", prefix);
  if (!after.empty()) add("after", after);
  if (limit > 0) add("limit", std::to_string(limit));
  KEEP_ASSIGN_OR_RETURN(auto r, Call("GET", target, "", true, o));
  KEEP_ASSIGN_OR_RETURN(Answer a, Answer::Parse(r, "key list"));
  KeyPage page;
  page.keys = a.Strings("keys");
  page.next = a.OptStr("next");
  KEEP_RETURN_IF_ERROR(a.status());
  return page;
}

Result<KeyInfo> Client::RotateKey(std::string_view name, CallOptions o) {
  KEEP_RETURN_IF_ERROR(ValidateKeyName(name));
  KEEP_ASSIGN_OR_RETURN(auto r, Call("POST", KeyPath(name, "rotate"), "", false, o));
  KEEP_ASSIGN_OR_RETURN(Answer a, Answer::Parse(r, "key rotate"));
  return ReadKey(a);
}

Result<KeyInfo> Client::UpdateKey(std::string_view name, const KeyChanges& c, CallOptions o) {
  KEEP_RETURN_IF_ERROR(ValidateKeyName(name));
  BodyWriter b;
  if (c.description) b.Str("description", *c.description);
  if (c.enabled) b.Bool("enabled", *c.enabled);
  if (c.min_decryption_version) b.Int("min_decryption_version", *c.min_decryption_version);
  if (c.min_encryption_version) b.Int("min_encryption_version", *c.min_encryption_version);
  if (c.auto_rotate_period) b.Str("auto_rotate_period", *c.auto_rotate_period);
  // Setting the same fields twice leaves the same key: safe to retry.
  KEEP_ASSIGN_OR_RETURN(auto r, Call("PATCH", KeyPath(name), b.Done(), true, o));
  KEEP_ASSIGN_OR_RETURN(Answer a, Answer::Parse(r, "key set"));
  return ReadKey(a);
}

Result<KeyInfo> Client::DeleteKey(std::string_view name, int pending_days, CallOptions o) {
  KEEP_RETURN_IF_ERROR(ValidateKeyName(name));
  std::string target = KeyPath(name);
  if (pending_days > 0) target += "?pending_days=" + std::to_string(pending_days);
  KEEP_ASSIGN_OR_RETURN(auto r, Call("DELETE", target, "", false, o));
  KEEP_ASSIGN_OR_RETURN(Answer a, Answer::Parse(r, "key delete"));
  return ReadKey(a);
}

Result<KeyInfo> Client::UndeleteKey(std::string_view name, CallOptions o) {
  KEEP_RETURN_IF_ERROR(ValidateKeyName(name));
  KEEP_ASSIGN_OR_RETURN(auto r, Call("POST", KeyPath(name, "cancel-deletion"), "", false, o));
  KEEP_ASSIGN_OR_RETURN(Answer a, Answer::Parse(r, "key undelete"));
  return ReadKey(a);
}

Result<Ciphertext> Client::Encrypt(std::string_view key, std::string_view plaintext,
                                   const EncryptionContext& context,
                                   std::optional<uint32_t> version, CallOptions o) {
  KEEP_RETURN_IF_ERROR(ValidateKeyName(key));
  BodyWriter b;
  b.Base64("plaintext", plaintext);
  b.Context(context);
  if (version) b.Int("key_version", *version);
  KEEP_ASSIGN_OR_RETURN(auto r, Call("POST", KeyPath(key, "encrypt"), b.Done(), true, o));
  KEEP_ASSIGN_OR_RETURN(Answer a, Answer::Parse(r, "encrypt"));
  Ciphertext c = ReadCiphertext(a);
  KEEP_RETURN_IF_ERROR(a.status());
  return c;
}

Result<Plaintext> Client::Decrypt(std::string_view key, std::string_view ciphertext,
                                  const EncryptionContext& context, CallOptions o) {
  if (!key.empty()) KEEP_RETURN_IF_ERROR(ValidateKeyName(key));
  BodyWriter b;
  b.Str("ciphertext", ciphertext);
  b.Context(context);
  const std::string target = key.empty() ? "/v1/decrypt" : KeyPath(key, "decrypt");
  KEEP_ASSIGN_OR_RETURN(auto r, Call("POST", target, b.Done(), true, o));
  KEEP_ASSIGN_OR_RETURN(Answer a, Answer::Parse(r, "decrypt"));
  Plaintext p = ReadPlaintext(a);
  KEEP_RETURN_IF_ERROR(a.status());
  return p;
}

Result<Ciphertext> Client::Rewrap(std::string_view key, std::string_view ciphertext,
                                  const EncryptionContext& context, CallOptions o) {
  KEEP_RETURN_IF_ERROR(ValidateKeyName(key));
  BodyWriter b;
  b.Str("ciphertext", ciphertext);
  b.Context(context);
  KEEP_ASSIGN_OR_RETURN(auto r, Call("POST", KeyPath(key, "rewrap"), b.Done(), true, o));
  KEEP_ASSIGN_OR_RETURN(Answer a, Answer::Parse(r, "rewrap"));
  Ciphertext c = ReadCiphertext(a);
  KEEP_RETURN_IF_ERROR(a.status());
  return c;
}

Result<DataKey> Client::GenerateDataKey(std::string_view key, int bits, bool with_plaintext,
                                        const EncryptionContext& context, CallOptions o) {
  KEEP_RETURN_IF_ERROR(ValidateKeyName(key));
  if (bits != 128 && bits != 256 && bits != 512) {
    return InvalidArgument("bits must be 128, 256 or 512");
  }
  BodyWriter b;
  b.Int("bits", bits);
  b.Bool("plaintext", with_plaintext);
  b.Context(context);
  KEEP_ASSIGN_OR_RETURN(auto r, Call("POST", KeyPath(key, "datakey"), b.Done(), true, o));
  KEEP_ASSIGN_OR_RETURN(Answer a, Answer::Parse(r, "datakey"));
  DataKey d;
  if (with_plaintext) {
    d.plaintext = a.Secret("plaintext");
    if (a.ok() && d.plaintext->size() != static_cast<size_t>(bits / 8)) {
      return Status(Code::kInternal, "bad_answer",
                    "the server returned a data key of the wrong size");
    }
  }
  d.ciphertext = a.Str("ciphertext");
  d.key = a.Str("key");
  d.version = a.U32("version");
  KEEP_RETURN_IF_ERROR(a.status());
  return d;
}

Result<SecretString> Client::Random(int bytes, CallOptions o) {
  if (bytes < 1 || bytes > 1024) return InvalidArgument("bytes must be between 1 and 1024");
  BodyWriter b;
  b.Int("bytes", bytes);
  KEEP_ASSIGN_OR_RETURN(auto r, Call("POST", "/v1/random", b.Done(), true, o));
  KEEP_ASSIGN_OR_RETURN(Answer a, Answer::Parse(r, "random"));
  SecretString out = a.Secret("random");
  KEEP_RETURN_IF_ERROR(a.status());
  return out;
}

Result<BatchResult<Ciphertext>> Client::EncryptBatch(std::string_view key,
                                                     std::span<const EncryptItem> items,
                                                     CallOptions o) {
  KEEP_RETURN_IF_ERROR(ValidateKeyName(key));
  BodyWriter b;
  b.BeginBatch();
  for (const auto& it : items) {
    b.BeginItem();
    b.Base64("plaintext", it.plaintext);
    b.Context(it.context);
    if (it.version) b.Int("key_version", *it.version);
    b.EndItem();
  }
  b.EndBatch();
  KEEP_ASSIGN_OR_RETURN(auto r, Call("POST", KeyPath(key, "encrypt"), b.Done(), true, o));
  KEEP_ASSIGN_OR_RETURN(Answer a, Answer::Parse(r, "encrypt batch"));
  return ReadBatch<Ciphertext>(a, items.size(), ReadCiphertext);
}

namespace {
SecretString DecryptItems(std::span<const DecryptItem> items) {
  BodyWriter b;
  b.BeginBatch();
  for (const auto& it : items) {
    b.BeginItem();
    b.Str("ciphertext", it.ciphertext);
    b.Context(it.context);
    b.EndItem();
  }
  b.EndBatch();
  return b.Done();
}
}  // namespace

Result<BatchResult<Plaintext>> Client::DecryptBatch(std::string_view key,
                                                    std::span<const DecryptItem> items,
                                                    CallOptions o) {
  if (!key.empty()) KEEP_RETURN_IF_ERROR(ValidateKeyName(key));
  const std::string target = key.empty() ? "/v1/decrypt" : KeyPath(key, "decrypt");
  KEEP_ASSIGN_OR_RETURN(auto r, Call("POST", target, DecryptItems(items), true, o));
  KEEP_ASSIGN_OR_RETURN(Answer a, Answer::Parse(r, "decrypt batch"));
  return ReadBatch<Plaintext>(a, items.size(), ReadPlaintext);
}

Result<BatchResult<Ciphertext>> Client::RewrapBatch(std::string_view key,
                                                    std::span<const DecryptItem> items,
                                                    CallOptions o) {
  KEEP_RETURN_IF_ERROR(ValidateKeyName(key));
  KEEP_ASSIGN_OR_RETURN(auto r, Call("POST", KeyPath(key, "rewrap"), DecryptItems(items), true, o));
  KEEP_ASSIGN_OR_RETURN(Answer a, Answer::Parse(r, "rewrap batch"));
  return ReadBatch<Ciphertext>(a, items.size(), ReadCiphertext);
}

Result<ServerStatus> Client::Health(CallOptions o) {
  // Not "idempotent": a sealed server's 503 is the answer, not a reason to retry.
  KEEP_ASSIGN_OR_RETURN(HttpResult r, Send("GET", "/v1/sys/health", "", false, o));
  // Sealed (503) and not initialized (501) are answers here, not errors.
  if (r.status != 200 && r.status != 503 && r.status != 501) KEEP_RETURN_IF_ERROR(StatusOf(r));
  KEEP_ASSIGN_OR_RETURN(Answer a, Answer::Parse(r, "status"));
  if (a.Has("error")) return StatusOf(r);
  ServerStatus s;
  s.http_status = r.status;
  s.initialized = a.Bool("initialized");
  s.sealed = a.Bool("sealed");
  s.degraded = a.OptBool("degraded", false);
  s.seal_type = a.OptStr("seal_type");
  s.version = a.OptStr("version");
  s.node_id = a.OptStr("node_id");
  if (a.Has("store")) {
    Answer st = a.Object("store");
    s.store = StoreStatus{st.Bool("reachable"), st.OptStr("error")};
  }
  s.share_kind = a.OptStr("share_kind");
  s.unseal_progress = static_cast<int>(a.OptInt("unseal_progress", 0));
  s.unseal_threshold = static_cast<int>(a.OptInt("unseal_threshold", 0));
  s.seal_error = a.OptStr("seal_error");
  s.auto_unseal_paused = a.OptBool("auto_unseal_paused", false);
  s.operator_sealed = a.OptBool("operator_sealed", false);
  if (a.Has("keyring")) {
    Answer k = a.Object("keyring");
    s.keyring = KeyringStatus{k.Int("active_term"), k.Ints("terms"),    k.Bool("reencrypting"),
                              k.Int("old_records"), k.Int("rewritten"), k.Int("last_completed")};
  }
  if (a.Has("replication")) {
    Answer rep = a.Object("replication");
    s.replication = ReplicationStatus{rep.Bool("connected"), rep.Int("lag_ms"),
                                      rep.Int("changes_applied"), rep.OptInt("reconnects", 0)};
  }
  KEEP_RETURN_IF_ERROR(a.status());
  return s;
}

}  // namespace keep
