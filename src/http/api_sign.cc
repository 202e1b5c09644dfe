// Api: signatures, MACs and public keys (keys beyond AES; docs/api.md "Signing, MACs and
// public keys"). Signatures and MACs travel as "keep:v<version>:<base64>", naming the key
// version that made them; verify also takes the bare base64 with "key_version".
#include <charconv>

#include "common/encoding.h"
#include "common/time.h"
#include "format/public_ciphertext.h"
#include "http/api_internal.h"
#include "service/service.h"

namespace keep::http {
namespace {

struct Versioned {
  uint32_t version = 0;
  Bytes bytes;
};

std::string VersionedText(uint32_t version, ByteView bytes) {
  return "keep:v" + std::to_string(version) + ":" + Base64Encode(bytes);
}

// "keep:v<N>:<base64>", or base64 with the version from `key_version`.
Result<Versioned> ReadVersioned(const json::object& o, std::string_view field) {
  KEEP_ASSIGN_OR_RETURN(std::string_view text, ReqString(o, field));
  KEEP_ASSIGN_OR_RETURN(auto ver, OptInt(o, "key_version"));
  Versioned out;
  constexpr std::string_view kPrefix = "keep:v";
  if (text.substr(0, kPrefix.size()) == kPrefix) {
    const std::string_view rest = text.substr(kPrefix.size());
    const size_t colon = rest.find(':');
    const auto r =
        std::from_chars(rest.data(), rest.data() + std::min(colon, rest.size()), out.version);
    if (colon == std::string_view::npos || r.ptr != rest.data() + colon || out.version == 0) {
      return InvalidArgument("field '" + std::string(field) +
                             "' must be keep:v<version>:<base64> or base64");
    }
    if (ver && *ver != out.version) {
      return InvalidArgument("key_version differs from the version the " + std::string(field) +
                             " names");
    }
    text = rest.substr(colon + 1);
  } else if (ver) {
    if (*ver < 1 || *ver > UINT32_MAX) return InvalidArgument("key_version is out of range");
    out.version = static_cast<uint32_t>(*ver);
  } else {
    return InvalidArgument("a bare base64 " + std::string(field) + " needs key_version");
  }
  auto bytes = Base64Decode(text);
  if (!bytes.ok()) {
    return InvalidArgument("field '" + std::string(field) + "' is not valid base64");
  }
  out.bytes = std::move(*bytes);
  return out;
}

Result<std::optional<uint32_t>> OptVersion(const json::object& o) {
  KEEP_ASSIGN_OR_RETURN(auto ver, OptInt(o, "key_version"));
  if (!ver) return std::optional<uint32_t>();
  if (*ver < 1 || *ver > UINT32_MAX) return InvalidArgument("key_version is out of range");
  return std::optional<uint32_t>(static_cast<uint32_t>(*ver));
}

// The signed input: exactly one of "message" and "digest".
Result<std::pair<crypto::SecretBytes, bool>> SignedInput(const json::object& o) {
  const bool m = o.contains("message"), d = o.contains("digest");
  if (m == d) return InvalidArgument("give exactly one of 'message' and 'digest'");
  KEEP_ASSIGN_OR_RETURN(crypto::SecretBytes in, ReqBase64(o, m ? "message" : "digest"));
  return std::pair{std::move(in), d};
}

Result<std::optional<service::SignAlgorithm>> OptAlgorithm(const json::object& o) {
  KEEP_ASSIGN_OR_RETURN(auto name, OptString(o, "algorithm"));
  if (!name) return std::optional<service::SignAlgorithm>();
  KEEP_ASSIGN_OR_RETURN(auto a, service::ParseSignAlgorithm(*name));
  return std::optional<service::SignAlgorithm>(a);
}

HttpResponse Valid(const service::VerifyResult& r) {
  json::object o{{"valid", r.valid}, {"key", r.key}, {"version", r.version}};
  return JsonResponse(200, json::serialize(o));
}

}  // namespace

HttpResponse Api::PublicKey(Call& call) {
  auto ver = IntParam(call.query, "version");
  if (!ver.ok()) return Err(call, ver.status());
  std::optional<uint32_t> version;
  if (*ver) {
    if (**ver < 1 || **ver > UINT32_MAX)
      return Err(call, InvalidArgument("version is out of range"));
    version = static_cast<uint32_t>(**ver);
  }
  auto r = service_.PublicKey(call.ctx, call.param, version);
  if (!r.ok()) return Err(call, r.status());
  call.event.version = r->version;
  const format::PublicKeyFile file{r->meta.name,
                                   r->meta.id,
                                   r->version,
                                   std::string(keys::KeyTypeName(r->meta.type)),
                                   std::string(keys::KeyPurposeName(r->meta.purpose)),
                                   r->public_key};
  json::object o{{"key", r->meta.name},
                 {"key_id", HexEncode(r->meta.id)},
                 {"version", r->version},
                 {"type", keys::KeyTypeName(r->meta.type)},
                 {"purpose", keys::KeyPurposeName(r->meta.purpose)},
                 {"public_key_pem", r->public_key.Pem()},
                 {"public_key_der", Base64Encode(r->public_key.der())},
                 {"public_key_file", format::WritePublicKeyFile(file)}};
  return JsonResponse(200, json::serialize(o));
}

HttpResponse Api::Sign(Call& call) {
  ParsedBody body;
  if (Status st = body.Parse(call.req.body); !st.ok()) return Err(call, st);
  auto o = AsObject(body.value(), {"message", "digest", "algorithm", "key_version"});
  if (!o.ok()) return Err(call, o.status());
  auto input = SignedInput(**o);
  if (!input.ok()) return Err(call, input.status());
  auto algorithm = OptAlgorithm(**o);
  if (!algorithm.ok()) return Err(call, algorithm.status());
  auto version = OptVersion(**o);
  if (!version.ok()) return Err(call, version.status());
  auto r =
      service_.Sign(call.ctx, call.param, *version, input->first.view(), input->second, *algorithm);
  if (!r.ok()) return Err(call, r.status());
  call.event.version = r->version;
  json::object out{{"signature", VersionedText(r->version, r->signature)},
                   {"key", r->key},
                   {"version", r->version},
                   {"algorithm", service::SignAlgorithmName(r->algorithm)}};
  return JsonResponse(200, json::serialize(out));
}

HttpResponse Api::Verify(Call& call) {
  ParsedBody body;
  if (Status st = body.Parse(call.req.body); !st.ok()) return Err(call, st);
  auto o = AsObject(body.value(), {"message", "digest", "algorithm", "key_version", "signature"});
  if (!o.ok()) return Err(call, o.status());
  auto input = SignedInput(**o);
  if (!input.ok()) return Err(call, input.status());
  auto algorithm = OptAlgorithm(**o);
  if (!algorithm.ok()) return Err(call, algorithm.status());
  auto sig = ReadVersioned(**o, "signature");
  if (!sig.ok()) return Err(call, sig.status());
  auto r = service_.Verify(call.ctx, call.param, sig->version, input->first.view(), input->second,
                           *algorithm, sig->bytes);
  if (!r.ok()) return Err(call, r.status());
  call.event.version = r->version;
  return Valid(*r);
}

HttpResponse Api::Hmac(Call& call) {
  ParsedBody body;
  if (Status st = body.Parse(call.req.body); !st.ok()) return Err(call, st);
  auto o = AsObject(body.value(), {"message", "key_version"});
  if (!o.ok()) return Err(call, o.status());
  auto message = ReqBase64(**o, "message");
  if (!message.ok()) return Err(call, message.status());
  auto version = OptVersion(**o);
  if (!version.ok()) return Err(call, version.status());
  auto r = service_.Mac(call.ctx, call.param, *version, message->view());
  if (!r.ok()) return Err(call, r.status());
  call.event.version = r->version;
  json::object out{
      {"mac", VersionedText(r->version, r->mac)}, {"key", r->key}, {"version", r->version}};
  return JsonResponse(200, json::serialize(out));
}

HttpResponse Api::HmacVerify(Call& call) {
  ParsedBody body;
  if (Status st = body.Parse(call.req.body); !st.ok()) return Err(call, st);
  auto o = AsObject(body.value(), {"message", "mac", "key_version"});
  if (!o.ok()) return Err(call, o.status());
  auto message = ReqBase64(**o, "message");
  if (!message.ok()) return Err(call, message.status());
  auto mac = ReadVersioned(**o, "mac");
  if (!mac.ok()) return Err(call, mac.status());
  auto r = service_.MacVerify(call.ctx, call.param, mac->version, message->view(), mac->bytes);
  if (!r.ok()) return Err(call, r.status());
  call.event.version = r->version;
  return Valid(*r);
}

HttpResponse Api::ImportParams(Call& call) {
  auto r = service_.GetImportParams(call.ctx, call.param);
  if (!r.ok()) return Err(call, r.status());
  json::object o{{"key", std::string(call.param)},
                 {"wrapping_public_key_pem", r->wrapping_public_key_pem},
                 {"wrapping_algorithm", "RSA-OAEP-SHA256, or RSA-OAEP-SHA256 + AES-KWP (RFC 5649)"},
                 {"import_token", r->import_token},
                 {"expires_at", FormatRfc3339(r->expires_at)}};
  return JsonResponse(200, json::serialize(o));
}

HttpResponse Api::Import(Call& call) {
  ParsedBody body;
  if (Status st = body.Parse(call.req.body); !st.ok()) return Err(call, st);
  auto o = AsObject(body.value(), {"import_token", "wrapped_material"});
  if (!o.ok()) return Err(call, o.status());
  auto token = ReqString(**o, "import_token");
  if (!token.ok()) return Err(call, token.status());
  auto wrapped = ReqBase64(**o, "wrapped_material");
  if (!wrapped.ok()) return Err(call, wrapped.status());
  auto r = service_.ImportKeyMaterial(call.ctx, call.param, *token, wrapped->view());
  if (!r.ok()) return Err(call, r.status());
  call.event.version = r->latest_version;
  return JsonResponse(200, KeyJson(*r));
}

}  // namespace keep::http
