// libkeep's typed calls for the system and access-control endpoints (docs/api.md,
// "System" and "Access control"): custody, tokens, policies, lockdown, audit lookups.
// Same shape as client_api.cc: bodies written in wiping memory, answers read field by
// field. Shares and tokens in answers go straight into SecretString. Contract in
// keep/client.h.
#include <string>

#include "client/codec.h"
#include "common/names.h"
#include "keep/client.h"

namespace keep {
namespace {

using client::Answer;
using client::BodyWriter;

// Token accessors are 16 hex digits; "" means the caller's own token.
Result<std::string> TokenPath(std::string_view accessor) {
  if (accessor.empty()) return std::string("/v1/auth/tokens/self");
  bool hex = accessor.size() == 16;
  for (char c : accessor) hex = hex && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
  if (!hex) return InvalidArgument("a token accessor is 16 lowercase hex digits");
  return "/v1/auth/tokens/" + std::string(accessor);
}

void WriteNewSet(BodyWriter& b, const InitRequest& r) {
  if (r.shares) b.Int("shares", r.shares);
  if (r.threshold) b.Int("threshold", r.threshold);
  if (!r.share_recipients.empty()) b.Strings("share_recipients", r.share_recipients);
}

int SmallInt(Answer& a, std::string_view k) {
  return static_cast<int>(a.OptInt(k, 0));
}

Result<UnsealStatus> ReadUnseal(Answer& a) {
  UnsealStatus u;
  u.sealed = a.Bool("sealed");
  u.progress = SmallInt(a, "progress");
  u.threshold = SmallInt(a, "threshold");
  u.shares = SmallInt(a, "shares");
  u.share_kind = a.OptStr("share_kind");
  u.seal_type = a.OptStr("seal_type");
  u.duplicate = a.OptBool("duplicate", false);
  u.seal_error = a.OptStr("seal_error");
  KEEP_RETURN_IF_ERROR(a.status());
  return u;
}

Result<RekeyStatus> ReadRekey(Answer& a) {
  RekeyStatus s;
  s.complete = a.OptBool("complete", false);
  if (s.complete) {
    s.started = true;
    s.shares = a.SecretTexts("shares");
    s.threshold = static_cast<int>(a.Int("threshold"));
    s.share_kind = a.OptStr("share_kind");
  } else {
    s.started = a.Bool("started");
    if (s.started) {
      s.nonce = a.Str("nonce");
      s.share_kind = a.OptStr("share_kind");
      s.progress = static_cast<int>(a.Int("progress"));
      s.required = static_cast<int>(a.Int("required"));
      s.new_shares = static_cast<int>(a.Int("new_shares"));
      s.new_threshold = static_cast<int>(a.Int("new_threshold"));
    }
  }
  KEEP_RETURN_IF_ERROR(a.status());
  return s;
}

TokenInfo ReadToken(Answer& a) {
  TokenInfo t;
  if (a.Has("token")) t.token = a.SecretText("token");
  t.accessor = a.Str("accessor");
  t.display_name = a.OptStr("display_name");
  t.policies = a.Strings("policies");
  t.parent = a.OptStr("parent");
  t.created_at = a.Str("created_at");
  if (a.Has("expires_at")) t.expires_at = a.Str("expires_at");
  return t;
}

}  // namespace

Result<InitResult> Client::Init(const InitRequest& request, CallOptions o) {
  BodyWriter b;
  WriteNewSet(b, request);
  KEEP_ASSIGN_OR_RETURN(auto r, Call("POST", "/v1/sys/init", b.Done(), false, o));
  KEEP_ASSIGN_OR_RETURN(Answer a, Answer::Parse(r, "init"));
  InitResult out;
  out.shares = a.SecretTexts("shares");
  out.root_token = a.SecretText("root_token");
  out.share_kind = a.OptStr("share_kind");
  out.threshold = SmallInt(a, "threshold");
  out.encrypted = a.OptBool("encrypted", false);
  KEEP_RETURN_IF_ERROR(a.status());
  return out;
}

Result<UnsealStatus> Client::Unseal(std::string_view share, CallOptions o) {
  BodyWriter b;
  if (!share.empty()) b.Str("share", share);
  KEEP_ASSIGN_OR_RETURN(auto r, Call("POST", "/v1/sys/unseal", b.Done(), false, o));
  KEEP_ASSIGN_OR_RETURN(Answer a, Answer::Parse(r, "unseal"));
  return ReadUnseal(a);
}

Result<UnsealStatus> Client::ResetUnseal(CallOptions o) {
  BodyWriter b;
  b.Bool("reset", true);
  KEEP_ASSIGN_OR_RETURN(auto r, Call("POST", "/v1/sys/unseal", b.Done(), false, o));
  KEEP_ASSIGN_OR_RETURN(Answer a, Answer::Parse(r, "unseal reset"));
  return ReadUnseal(a);
}

Status Client::Seal(CallOptions o) {
  return Call("POST", "/v1/sys/seal", "", false, o).status();
}

Result<int64_t> Client::RotateKeyring(CallOptions o) {
  KEEP_ASSIGN_OR_RETURN(auto r, Call("POST", "/v1/sys/rotate", "", false, o));
  KEEP_ASSIGN_OR_RETURN(Answer a, Answer::Parse(r, "keyring rotate"));
  const int64_t term = a.Int("term");
  KEEP_RETURN_IF_ERROR(a.status());
  return term;
}

Result<std::vector<uint8_t>> Client::Backup(CallOptions o) {
  KEEP_ASSIGN_OR_RETURN(auto r, Call("POST", "/v1/sys/backup", "", false, o));
  return std::vector<uint8_t>(r.body.begin(), r.body.end());
}

Result<RekeyStatus> Client::StartRekey(const InitRequest& new_set, CallOptions o) {
  BodyWriter b;
  WriteNewSet(b, new_set);
  KEEP_ASSIGN_OR_RETURN(auto r, Call("POST", "/v1/sys/rekey/init", b.Done(), false, o));
  KEEP_ASSIGN_OR_RETURN(Answer a, Answer::Parse(r, "rekey init"));
  return ReadRekey(a);
}

Result<RekeyStatus> Client::GetRekey(CallOptions o) {
  KEEP_ASSIGN_OR_RETURN(auto r, Call("GET", "/v1/sys/rekey", "", true, o));
  KEEP_ASSIGN_OR_RETURN(Answer a, Answer::Parse(r, "rekey status"));
  return ReadRekey(a);
}

Status Client::CancelRekey(CallOptions o) {
  return Call("DELETE", "/v1/sys/rekey", "", false, o).status();
}

Result<RekeyStatus> Client::SubmitRekeyShare(std::string_view nonce, std::string_view share,
                                             CallOptions o) {
  if (nonce.empty()) return InvalidArgument("the rekey nonce is required");
  BodyWriter b;
  b.Str("nonce", nonce);
  b.Str("share", share);
  KEEP_ASSIGN_OR_RETURN(auto r, Call("POST", "/v1/sys/rekey/update", b.Done(), false, o));
  KEEP_ASSIGN_OR_RETURN(Answer a, Answer::Parse(r, "rekey submit"));
  return ReadRekey(a);
}

Result<TokenInfo> Client::CreateToken(const NewToken& t, CallOptions o) {
  BodyWriter b;
  if (!t.policies.empty()) b.Strings("policies", t.policies);
  if (!t.ttl.empty()) b.Str("ttl", t.ttl);
  if (!t.display_name.empty()) b.Str("display_name", t.display_name);
  if (t.orphan) b.Bool("orphan", true);
  KEEP_ASSIGN_OR_RETURN(auto r, Call("POST", "/v1/auth/tokens", b.Done(), false, o));
  KEEP_ASSIGN_OR_RETURN(Answer a, Answer::Parse(r, "token create"));
  TokenInfo info = ReadToken(a);
  if (a.ok() && !info.token) a.SecretText("token");  // required here: records it missing
  KEEP_RETURN_IF_ERROR(a.status());
  return info;
}

Result<std::vector<TokenInfo>> Client::ListTokens(CallOptions o) {
  KEEP_ASSIGN_OR_RETURN(auto r, Call("GET", "/v1/auth/tokens", "", true, o));
  KEEP_ASSIGN_OR_RETURN(Answer a, Answer::Parse(r, "token list"));
  std::vector<TokenInfo> out;
  for (Answer& t : a.Objects("tokens")) out.push_back(ReadToken(t));
  KEEP_RETURN_IF_ERROR(a.status());
  return out;
}

Result<TokenInfo> Client::LookupToken(std::string_view accessor, CallOptions o) {
  KEEP_ASSIGN_OR_RETURN(const std::string path, TokenPath(accessor));
  KEEP_ASSIGN_OR_RETURN(auto r, Call("GET", path, "", true, o));
  KEEP_ASSIGN_OR_RETURN(Answer a, Answer::Parse(r, "token lookup"));
  TokenInfo info = ReadToken(a);
  KEEP_RETURN_IF_ERROR(a.status());
  return info;
}

Result<int64_t> Client::RevokeToken(std::string_view accessor, CallOptions o) {
  KEEP_ASSIGN_OR_RETURN(const std::string path, TokenPath(accessor));
  KEEP_ASSIGN_OR_RETURN(auto r, Call("DELETE", path, "", false, o));
  KEEP_ASSIGN_OR_RETURN(Answer a, Answer::Parse(r, "token revoke"));
  const int64_t n = a.Int("revoked");
  KEEP_RETURN_IF_ERROR(a.status());
  return n;
}

namespace {
AwsKeyInfo ReadAwsKey(Answer& a) {
  AwsKeyInfo k;
  if (a.Has("secret_access_key")) k.secret_access_key = a.SecretText("secret_access_key");
  k.access_key_id = a.Str("access_key_id");
  k.display_name = a.OptStr("display_name");
  k.policies = a.Strings("policies");
  k.creator = a.OptStr("creator");
  k.created_at = a.Str("created_at");
  if (a.Has("expires_at")) k.expires_at = a.Str("expires_at");
  return k;
}
}  // namespace

Result<AwsKeyInfo> Client::CreateAwsKey(const NewToken& t, CallOptions o) {
  BodyWriter b;
  if (!t.policies.empty()) b.Strings("policies", t.policies);
  if (!t.ttl.empty()) b.Str("ttl", t.ttl);
  if (!t.display_name.empty()) b.Str("display_name", t.display_name);
  KEEP_ASSIGN_OR_RETURN(auto r, Call("POST", "/v1/auth/aws-keys", b.Done(), false, o));
  KEEP_ASSIGN_OR_RETURN(Answer a, Answer::Parse(r, "aws-key create"));
  AwsKeyInfo k = ReadAwsKey(a);
  if (a.ok() && !k.secret_access_key) a.SecretText("secret_access_key");  // records it missing
  KEEP_RETURN_IF_ERROR(a.status());
  return k;
}

Result<std::vector<AwsKeyInfo>> Client::ListAwsKeys(CallOptions o) {
  KEEP_ASSIGN_OR_RETURN(auto r, Call("GET", "/v1/auth/aws-keys", "", true, o));
  KEEP_ASSIGN_OR_RETURN(Answer a, Answer::Parse(r, "aws-key list"));
  std::vector<AwsKeyInfo> out;
  for (Answer& k : a.Objects("aws_keys")) out.push_back(ReadAwsKey(k));
  KEEP_RETURN_IF_ERROR(a.status());
  return out;
}

Status Client::RevokeAwsKey(std::string_view id, CallOptions o) {
  bool ok = id.size() >= 16 && id.size() <= 128;
  for (char c : id) ok = ok && ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'));
  if (!ok) return InvalidArgument("an AWS access key id is 16–128 of [A-Z0-9]");
  return Call("DELETE", "/v1/auth/aws-keys/" + std::string(id), "", false, o).status();
}

Result<int64_t> Client::ImportKeasEntries(std::span<const KeasEntry> entries, CallOptions o) {
  if (entries.size() > 1000) return InvalidArgument("at most 1000 entries per call");
  BodyWriter b;
  b.BeginArray("entries");
  for (const auto& e : entries) {
    b.BeginItem();
    b.Str("md5", e.md5);
    b.Base64("dek", e.dek);
    b.EndItem();
  }
  b.EndArray();
  // Storing the same entries again changes nothing: safe to retry.
  KEEP_ASSIGN_OR_RETURN(auto r, Call("POST", "/v1/keas/import", b.Done(), true, o));
  KEEP_ASSIGN_OR_RETURN(Answer a, Answer::Parse(r, "keas import"));
  const int64_t n = a.Int("imported");
  KEEP_RETURN_IF_ERROR(a.status());
  return n;
}

Result<std::vector<std::string>> Client::ListPolicies(CallOptions o) {
  KEEP_ASSIGN_OR_RETURN(auto r, Call("GET", "/v1/sys/policies", "", true, o));
  KEEP_ASSIGN_OR_RETURN(Answer a, Answer::Parse(r, "policy list"));
  auto names = a.Strings("policies");
  KEEP_RETURN_IF_ERROR(a.status());
  return names;
}

Result<Policy> Client::GetPolicy(std::string_view name, CallOptions o) {
  KEEP_RETURN_IF_ERROR(ValidatePolicyName(name));
  KEEP_ASSIGN_OR_RETURN(auto r, Call("GET", "/v1/sys/policies/" + std::string(name), "", true, o));
  KEEP_ASSIGN_OR_RETURN(Answer a, Answer::Parse(r, "policy read"));
  Policy p;
  p.name = a.OptStr("name");
  if (p.name.empty()) p.name = std::string(name);
  for (Answer& rule : a.Objects("rules")) {
    p.rules.push_back({rule.Str("keys"), rule.Strings("capabilities")});
  }
  p.system = a.Has("system") ? a.Strings("system") : std::vector<std::string>{};
  if (a.Has("assignable_policies")) p.assignable_policies = a.Strings("assignable_policies");
  KEEP_RETURN_IF_ERROR(a.status());
  return p;
}

Status Client::PutPolicy(std::string_view name, const Policy& p, CallOptions o) {
  BodyWriter b;
  b.BeginArray("rules");
  for (const auto& rule : p.rules) {
    b.BeginItem();
    b.Str("keys", rule.keys);
    b.Strings("capabilities", rule.capabilities);
    b.EndItem();
  }
  b.EndArray();
  b.Strings("system", p.system);
  if (!p.assignable_policies.empty()) b.Strings("assignable_policies", p.assignable_policies);
  const SecretString body = b.Done();
  return PutPolicyDocument(name, body.view(), o);
}

Status Client::PutPolicyDocument(std::string_view name, std::string_view json, CallOptions o) {
  KEEP_RETURN_IF_ERROR(ValidatePolicyName(name));
  // Writing the same document twice leaves the same policy: safe to retry.
  return Call("PUT", "/v1/sys/policies/" + std::string(name), json, true, o).status();
}

Status Client::DeletePolicy(std::string_view name, CallOptions o) {
  KEEP_RETURN_IF_ERROR(ValidatePolicyName(name));
  return Call("DELETE", "/v1/sys/policies/" + std::string(name), "", false, o).status();
}

Result<std::vector<LockedIdentity>> Client::ListLockdowns(CallOptions o) {
  KEEP_ASSIGN_OR_RETURN(auto r, Call("GET", "/v1/sys/lockdown", "", true, o));
  KEEP_ASSIGN_OR_RETURN(Answer a, Answer::Parse(r, "lockdown list"));
  std::vector<LockedIdentity> out;
  for (Answer& l : a.Objects("identities")) {
    out.push_back({l.Str("identity"), l.OptStr("reason"), l.OptStr("locked_at")});
  }
  KEEP_RETURN_IF_ERROR(a.status());
  return out;
}

Status Client::Reinstate(std::string_view identity, CallOptions o) {
  if (identity.empty()) return InvalidArgument("name the identity to reinstate");
  BodyWriter b;
  b.Str("identity", identity);
  return Call("POST", "/v1/sys/lockdown/reinstate", b.Done(), false, o).status();
}

namespace {
Result<std::string> ReadHmac(Result<HttpResult> r) {
  KEEP_RETURN_IF_ERROR(r.status());
  KEEP_ASSIGN_OR_RETURN(Answer a, Answer::Parse(*r, "audit hash"));
  std::string h = a.Str("hmac");
  KEEP_RETURN_IF_ERROR(a.status());
  return h;
}
}  // namespace

Result<std::string> Client::AuditHash(std::string_view value, CallOptions o) {
  if (value.empty()) return InvalidArgument("give a value to hash");
  BodyWriter b;
  b.Str("input", value);
  return ReadHmac(Call("POST", "/v1/sys/audit/hash", b.Done(), true, o));
}

Result<std::string> Client::AuditHashContext(const EncryptionContext& context, CallOptions o) {
  if (context.empty()) return InvalidArgument("give a context to hash");
  BodyWriter b;
  b.Context(context);
  return ReadHmac(Call("POST", "/v1/sys/audit/hash", b.Done(), true, o));
}

Result<std::string> Client::AuditPublicKey(CallOptions o) {
  KEEP_ASSIGN_OR_RETURN(auto r, Call("GET", "/v1/sys/audit/public-key", "", true, o));
  KEEP_ASSIGN_OR_RETURN(Answer a, Answer::Parse(r, "audit public-key"));
  std::string pem = a.Str("public_key");
  KEEP_RETURN_IF_ERROR(a.status());
  return pem;
}

}  // namespace keep
