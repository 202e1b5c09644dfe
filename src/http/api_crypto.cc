// Api: cryptographic endpoints, single and batch: encrypt, decrypt, rewrap, datakey,
// /v1/decrypt (key from the ciphertext) and /v1/random.
#include <openssl/crypto.h>

#include "http/api_internal.h"

namespace keep::http {
namespace {

enum class Kind { kEncrypt, kDecrypt, kRewrap, kDataKey };

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

void AppendKeyVersion(std::string& out, std::string_view key, uint32_t version) {
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

HttpResponse Api::Crypto(Call& call) {
  const auto& seg = call.segments;
  const bool by_ciphertext = seg[1] == "decrypt";
  if (call.req.method != "POST") return MethodNotAllowed("POST", call.request_id);
  if (Status st = Authenticate(call); !st.ok())
    return Finish(call, ErrorResponse(st, call.request_id));
  auto fail = [&](const Status& st) {
    call.event.outcome = std::string(st.reason());
    return Finish(call, ErrorResponse(st, call.request_id));
  };
  ParsedBody body;
  if (Status st = body.Parse(call.req.body); !st.ok()) return fail(st);

  if (seg[1] == "random") {
    if (Status st = Authorize(call, access::Operation::kRandom, ""); !st.ok()) return fail(st);
    auto o = AsObject(body.value(), {"bytes"});
    if (!o.ok()) return fail(o.status());
    auto n = OptInt(**o, "bytes");
    if (!n.ok()) return fail(n.status());
    if (!n->has_value()) return fail(InvalidArgument("field 'bytes' is required"));
    if (**n < 1 || **n > 1024) return fail(InvalidArgument("bytes must be between 1 and 1024"));
    auto r = service_.Random(call.ctx, static_cast<int>(**n));
    if (!r.ok()) return fail(r.status());
    HttpResponse resp = JsonResponse(200, "{\"random\":\"");
    AppendBase64(resp.body, r->view());
    resp.body += "\"}";
    resp.sensitive = true;
    return Finish(call, std::move(resp));
  }

  const Kind kind = by_ciphertext         ? Kind::kDecrypt
                    : seg[3] == "encrypt" ? Kind::kEncrypt
                    : seg[3] == "decrypt" ? Kind::kDecrypt
                    : seg[3] == "rewrap"  ? Kind::kRewrap
                                          : Kind::kDataKey;
  const std::string_view path_key = by_ciphertext ? std::string_view() : seg[2];
  if (!by_ciphertext) {
    if (Status st = keys::ValidateKeyName(path_key); !st.ok()) return fail(st);
  }
  bool sensitive = kind == Kind::kDecrypt || kind == Kind::kDataKey;

  // One item: validates its fields, authorizes, operates; returns the result JSON.
  auto run_item = [&](const json::value& v, std::string_view what) -> Result<std::string> {
    KEEP_ASSIGN_OR_RETURN(const json::object* o, AsObject(v, FieldsOf(kind), what));
    KEEP_ASSIGN_OR_RETURN(format::EncryptionContext context, OptContext(*o));
    std::string key(path_key);
    std::string out;
    if (kind == Kind::kEncrypt) {
      KEEP_ASSIGN_OR_RETURN(crypto::SecretBytes plain, ReqBase64(*o, "plaintext"));
      KEEP_ASSIGN_OR_RETURN(auto ver, OptInt(*o, "key_version"));
      std::optional<uint32_t> version;
      if (ver) {
        if (*ver < 1 || *ver > UINT32_MAX) return InvalidArgument("key_version is out of range");
        version = static_cast<uint32_t>(*ver);
      }
      KEEP_ASSIGN_OR_RETURN(auto r,
                            service_.Encrypt(call.ctx, key, plain.view(), context, version));
      out = "{\"ciphertext\":\"" + r.ciphertext + "\"";
      AppendKeyVersion(out, r.key, r.version);
    } else if (kind == Kind::kDecrypt || kind == Kind::kRewrap) {
      KEEP_ASSIGN_OR_RETURN(std::string_view ct, ReqString(*o, "ciphertext"));
      if (key.empty()) {
        KEEP_ASSIGN_OR_RETURN(key, service_.KeyOfCiphertext(ct));
        KEEP_RETURN_IF_ERROR(guard_.Authorize(call.ctx.identity, OpOf(kind), key));
      }
      if (kind == Kind::kRewrap) {
        KEEP_ASSIGN_OR_RETURN(auto r, service_.Rewrap(call.ctx, key, ct, context));
        out = "{\"ciphertext\":\"" + r.ciphertext + "\"";
        AppendKeyVersion(out, r.key, r.version);
      } else {
        KEEP_ASSIGN_OR_RETURN(auto r, service_.Decrypt(call.ctx, key, ct, context));
        out = "{\"plaintext\":\"";
        AppendBase64(out, r.plaintext.view());
        out += "\"";
        AppendKeyVersion(out, r.key, r.version);
      }
    } else {
      KEEP_ASSIGN_OR_RETURN(auto bits, OptInt(*o, "bits"));
      KEEP_ASSIGN_OR_RETURN(auto with_plain, OptBool(*o, "plaintext"));
      const int64_t b = bits.value_or(256);
      if (b != 128 && b != 256 && b != 512) return InvalidArgument("bits must be 128, 256 or 512");
      const bool want_plain = with_plain.value_or(true);
      if (want_plain) {
        KEEP_RETURN_IF_ERROR(
            guard_.Authorize(call.ctx.identity, access::Operation::kDataKeyPlaintext, key));
      }
      KEEP_ASSIGN_OR_RETURN(
          auto r, service_.DataKey(call.ctx, key, static_cast<int>(b), want_plain, context));
      out = "{";
      if (r.plaintext) {
        out += "\"plaintext\":\"";
        AppendBase64(out, r.plaintext->view());
        out += "\",";
      }
      out += "\"ciphertext\":\"" + r.ciphertext + "\"";
      AppendKeyVersion(out, r.key, r.version);
    }
    return out;
  };

  if (!by_ciphertext) {
    if (Status st = Authorize(call, OpOf(kind), path_key); !st.ok()) return fail(st);
  } else {
    call.event.operation = std::string(access::OperationName(access::Operation::kDecrypt));
  }
  const json::value& v = body.value();
  const json::value* batch = v.is_object() ? v.get_object().if_contains("batch") : nullptr;
  if (batch == nullptr) {
    auto r = run_item(v, "request body");
    if (!r.ok()) return fail(r.status());
    HttpResponse resp = JsonResponse(200, std::move(*r));
    resp.sensitive = sensitive;
    return Finish(call, std::move(resp));
  }
  if (v.get_object().size() != 1)
    return fail(InvalidArgument("a batch request has only the field 'batch'"));
  if (!batch->is_array()) return fail(InvalidArgument("field 'batch' must be an array"));
  const auto& items = batch->get_array();
  if (items.size() > options_.max_batch_items) {
    return fail(
        Status(Code::kTooLarge, "payload_too_large",
               "a batch holds at most " + std::to_string(options_.max_batch_items) + " items"));
  }
  HttpResponse resp = JsonResponse(200, "{\"batch\":[");
  resp.body.reserve(items.size() * (kind == Kind::kEncrypt ? 200 : 120) + 16);
  size_t failed = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) resp.body += ',';
    auto r = run_item(items[i], "batch item");
    if (r.ok()) {
      resp.body += *r;
      OPENSSL_cleanse(r->data(), r->size());
    } else {
      ++failed;
      resp.body += ItemError(r.status());
    }
  }
  resp.body += "]}";
  resp.sensitive = sensitive;
  call.event.outcome = failed == 0 ? "ok" : "partial";
  return Finish(call, std::move(resp));
}

}  // namespace keep::http
