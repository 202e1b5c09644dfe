// Api: cryptographic endpoints, single and batch: encrypt, decrypt, rewrap, datakey,
// /v1/decrypt (key from the ciphertext) and /v1/random.
#include <openssl/crypto.h>

#include "http/api_internal.h"

namespace keep::http {
namespace {

using Kind = CryptoKind;

access::Operation OpOf(Kind k) {
  switch (k) {
    case Kind::kEncrypt:
      return access::Operation::kEncrypt;
    case Kind::kDecrypt:
      return access::Operation::kDecrypt;
    case Kind::kRewrap:
      return access::Operation::kRewrap;
    case Kind::kDataKey:
      return access::Operation::kDataKey;
  }
  return access::Operation::kEncrypt;
}

std::span<const std::string_view> FieldsOf(Kind k) {
  static constexpr std::string_view kEncrypt[] = {"plaintext", "context", "key_version"};
  static constexpr std::string_view kDecrypt[] = {"ciphertext", "context"};
  static constexpr std::string_view kDataKey[] = {"bits", "context", "plaintext"};
  switch (k) {
    case Kind::kEncrypt:
      return kEncrypt;
    case Kind::kDecrypt:
    case Kind::kRewrap:
      return kDecrypt;
    case Kind::kDataKey:
      return kDataKey;
  }
  return {};
}

void AppendKeyVersion(SecretString& out, std::string_view key, uint32_t version) {
  out += ",\"key\":";
  AppendJsonString(out, key);
  out += ",\"version\":";
  out += std::to_string(version);
  out += '}';
}

std::string ItemError(const Status& s) {
  std::string out = "{\"error\":{\"code\":";
  const bool internal = s.code() == Code::kInternal || s.code() == Code::kDataLoss;
  AppendJsonString(out, internal ? std::string_view("internal") : s.reason());
  out += ",\"message\":";
  AppendJsonString(out, PublicMessage(s));
  out += "}}";
  return out;
}

}  // namespace

HttpResponse Api::Crypto(Call& call, Kind kind) {
  ParsedBody body;
  if (Status st = body.Parse(call.req.body); !st.ok()) return Err(call, st);
  // /v1/decrypt names no key: each ciphertext does.
  const bool by_ciphertext = call.route->key == KeyFrom::kHandler;
  const std::string_view path_key = by_ciphertext ? std::string_view() : call.param;
  const json::value& v = body.value();
  const json::value* batch = v.is_object() ? v.get_object().if_contains("batch") : nullptr;
  const uint32_t items =
      batch && batch->is_array()
          ? static_cast<uint32_t>(std::min<size_t>(batch->get_array().size(), UINT32_MAX))
          : 1;
  if (batch) call.event.items = items;
  // The policy was checked on dispatch (for the key in the path); the rate limits are
  // charged here, one token per item, all or nothing. By ciphertext, the identity is
  // charged for the whole request here and each key per item (DecryptItem).
  if (Status st = gate_.Admit(call, OpOf(kind), call.ctx.identity.id, path_key, items); !st.ok()) {
    return Err(call, st);
  }
  if (batch) {
    if (v.get_object().size() != 1) {
      return Err(call, InvalidArgument("a batch request has only the field 'batch'"));
    }
    return Batch(call, kind, path_key, *batch);
  }
  auto r = CryptoItem(call, kind, path_key, v, "request body");
  if (!r.ok()) return Err(call, r.status());
  if (const auto* o = v.if_object(); o && o->contains("context")) {
    if (auto ctx = OptContext(*o); ctx.ok() && !ctx->empty()) {
      const Bytes canon = format::CanonicalContext(*ctx);
      call.event.context.assign(canon.begin(), canon.end());
    }
  }
  HttpResponse resp = JsonResponse(200, std::move(*r));
  return resp;
}

HttpResponse Api::Random(Call& call) {
  ParsedBody body;
  if (Status st = body.Parse(call.req.body); !st.ok()) return Err(call, st);
  auto o = AsObject(body.value(), {"bytes"});
  if (!o.ok()) return Err(call, o.status());
  auto n = OptInt(**o, "bytes");
  if (!n.ok()) return Err(call, n.status());
  if (!n->has_value()) return Err(call, InvalidArgument("field 'bytes' is required"));
  if (**n < 1 || **n > 1024) return Err(call, InvalidArgument("bytes must be between 1 and 1024"));
  auto r = service_.Random(call.ctx, static_cast<int>(**n));
  if (!r.ok()) return Err(call, r.status());
  HttpResponse resp = JsonResponse(200, "{\"random\":\"");
  AppendBase64(resp.body, r->view());
  resp.body += "\"}";
  return resp;
}

Result<SecretString> Api::CryptoItem(Call& call, Kind kind, std::string_view path_key,
                                     const json::value& item, std::string_view what) {
  KEEP_ASSIGN_OR_RETURN(const json::object* o, AsObject(item, FieldsOf(kind), what));
  KEEP_ASSIGN_OR_RETURN(format::EncryptionContext context, OptContext(*o));
  switch (kind) {
    case Kind::kEncrypt:
      return EncryptItem(call, path_key, *o, context);
    case Kind::kDecrypt:
    case Kind::kRewrap:
      return DecryptItem(call, kind, std::string(path_key), *o, context);
    case Kind::kDataKey:
      return DataKeyItem(call, path_key, *o, context);
  }
  return Internal("unknown operation");
}

Result<SecretString> Api::EncryptItem(Call& call, std::string_view key, const json::object& o,
                                      const format::EncryptionContext& context) {
  KEEP_ASSIGN_OR_RETURN(crypto::SecretBytes plain, ReqBase64(o, "plaintext"));
  KEEP_ASSIGN_OR_RETURN(auto ver, OptInt(o, "key_version"));
  std::optional<uint32_t> version;
  if (ver) {
    if (*ver < 1 || *ver > UINT32_MAX) return InvalidArgument("key_version is out of range");
    version = static_cast<uint32_t>(*ver);
  }
  KEEP_ASSIGN_OR_RETURN(auto r, service_.Encrypt(call.ctx, key, plain.view(), context, version));
  if (call.event.items == 0) call.event.version = r.version;
  SecretString out;
  out.reserve(r.ciphertext.size() + r.key.size() + 48);
  out += "{\"ciphertext\":\"";
  out += r.ciphertext;
  out += '"';
  AppendKeyVersion(out, r.key, r.version);
  return out;
}

Result<SecretString> Api::DecryptItem(Call& call, Kind kind, std::string key, const json::object& o,
                                      const format::EncryptionContext& context) {
  KEEP_ASSIGN_OR_RETURN(std::string_view ct, ReqString(o, "ciphertext"));
  if (key.empty()) {  // /v1/decrypt: the key comes from the ciphertext
    KEEP_ASSIGN_OR_RETURN(key, service_.KeyOfCiphertext(ct));
    // Recorded first, so a refusal's audit record says which key was asked for.
    if (call.event.items == 0) call.event.key = key;
    KEEP_RETURN_IF_ERROR(gate_.Allows(call.ctx.identity, OpOf(kind), key));
    KEEP_RETURN_IF_ERROR(gate_.Admit(call, OpOf(kind), "", key, 1));
  }
  if (kind == Kind::kDecrypt) KEEP_RETURN_IF_ERROR(gate_.CountDecrypts(call, 1));
  SecretString out;
  if (kind == Kind::kRewrap) {
    KEEP_ASSIGN_OR_RETURN(auto r, service_.Rewrap(call.ctx, key, ct, context));
    out = "{\"ciphertext\":\"" + r.ciphertext + "\"";
    AppendKeyVersion(out, r.key, r.version);
  } else {
    KEEP_ASSIGN_OR_RETURN(auto r, service_.Decrypt(call.ctx, key, ct, context));
    if (call.event.items == 0) call.event.version = r.version;
    out = "{\"plaintext\":\"";
    AppendBase64(out, r.plaintext.view());
    out += "\"";
    AppendKeyVersion(out, r.key, r.version);
  }
  return out;
}

Result<SecretString> Api::DataKeyItem(Call& call, std::string_view key, const json::object& o,
                                      const format::EncryptionContext& context) {
  KEEP_ASSIGN_OR_RETURN(auto bits, OptInt(o, "bits"));
  KEEP_ASSIGN_OR_RETURN(auto with_plain, OptBool(o, "plaintext"));
  const int64_t b = bits.value_or(256);
  if (b != 128 && b != 256 && b != 512) return InvalidArgument("bits must be 128, 256 or 512");
  const bool want_plain = with_plain.value_or(true);
  if (want_plain) {
    KEEP_RETURN_IF_ERROR(
        gate_.Allows(call.ctx.identity, access::Operation::kDataKeyPlaintext, key));
  }
  KEEP_ASSIGN_OR_RETURN(auto r,
                        service_.DataKey(call.ctx, key, static_cast<int>(b), want_plain, context));
  SecretString out = "{";
  if (r.plaintext) {
    out += "\"plaintext\":\"";
    AppendBase64(out, r.plaintext->view());
    out += "\",";
  }
  out += "\"ciphertext\":\"" + r.ciphertext + "\"";
  AppendKeyVersion(out, r.key, r.version);
  return out;
}

HttpResponse Api::Batch(Call& call, Kind kind, std::string_view path_key,
                        const json::value& batch) {
  if (!batch.is_array()) return Err(call, InvalidArgument("field 'batch' must be an array"));
  const auto& items = batch.get_array();
  if (items.size() > options_.max_batch_items) {
    return Err(call, Status(Code::kTooLarge, "payload_too_large",
                            "a batch holds at most " + std::to_string(options_.max_batch_items) +
                                " items"));
  }
  HttpResponse resp = JsonResponse(200, "{\"batch\":[");
  resp.body.reserve(items.size() * (kind == Kind::kEncrypt ? 200 : 120) + 16);
  size_t failed = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) resp.body += ',';
    auto r = CryptoItem(call, kind, path_key, items[i], "batch item");
    if (r.ok()) {
      resp.body += *r;  // *r wipes itself
    } else {
      ++failed;
      resp.body += ItemError(r.status());
    }
  }
  resp.body += "]}";
  call.event.outcome = failed == 0 ? "ok" : "partial";
  return resp;
}

}  // namespace keep::http
