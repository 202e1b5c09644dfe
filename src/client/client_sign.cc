// libkeep: keys beyond AES — public keys, signatures, MACs — and encryption to a public
// key file with no server. Contract in keep/client.h.
#include <string>

#include "client/codec.h"
#include "common/encoding.h"
#include "common/names.h"
#include "crypto/random.h"
#include "format/context.h"
#include "format/public_ciphertext.h"
#include "keep/client.h"

namespace keep {
namespace {

using client::Answer;
using client::BodyWriter;

std::string KeyOp(std::string_view name, std::string_view op) {
  return "/v1/keys/" + std::string(name) + "/" + std::string(op);
}

// The raw bytes of "keep:v<N>:<base64>".
std::string RawOf(const std::string& text) {
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos) return {};
  auto bytes = Base64Decode(std::string_view(text).substr(colon + 1));
  return bytes.ok() ? std::string(bytes->begin(), bytes->end()) : std::string();
}

Result<Signature> ReadSignature(Answer& a, std::string_view field) {
  Signature s;
  s.text = a.Str(field);
  s.key = a.Str("key");
  s.version = a.U32("version");
  s.algorithm = a.OptStr("algorithm");
  KEEP_RETURN_IF_ERROR(a.status());
  s.bytes = RawOf(s.text);
  if (s.bytes.empty()) {
    return Status(Code::kInternal, "bad_answer",
                  "the server's " + std::string(field) + " is not keep:v<N>:<base64>");
  }
  return s;
}

Result<Verification> ReadVerification(Answer& a) {
  Verification v{a.Bool("valid"), a.Str("key"), a.U32("version")};
  KEEP_RETURN_IF_ERROR(a.status());
  return v;
}

}  // namespace

Result<std::string> SealToPublicKey(std::string_view public_key_file, std::string_view plaintext,
                                    const EncryptionContext& context) {
  KEEP_ASSIGN_OR_RETURN(format::PublicKeyFile f, format::ReadPublicKeyFile(public_key_file));
  KEEP_ASSIGN_OR_RETURN(format::PublicHeader h, format::HeaderFor(f));
  const format::EncryptionContext ctx(context.begin(), context.end());
  KEEP_RETURN_IF_ERROR(format::ValidateContext(ctx));
  KEEP_ASSIGN_OR_RETURN(
      Bytes blob,
      format::SealPublic(h, f.public_key, format::CanonicalContext(ctx), AsBytes(plaintext)));
  return format::ToText(blob);
}

Result<PublicKeyInfo> Client::GetPublicKey(std::string_view key, std::optional<uint32_t> version,
                                           CallOptions o) {
  KEEP_RETURN_IF_ERROR(ValidateKeyName(key));
  std::string target = KeyOp(key, "public-key");
  if (version) target += "?version=" + std::to_string(*version);
  KEEP_ASSIGN_OR_RETURN(auto r, Call("GET", target, "", true, o));
  KEEP_ASSIGN_OR_RETURN(Answer a, Answer::Parse(r, "public key"));
  PublicKeyInfo p;
  p.key = a.Str("key");
  p.key_id = a.Str("key_id");
  p.type = a.Str("type");
  p.purpose = a.Str("purpose");
  p.version = a.U32("version");
  p.pem = a.Str("public_key_pem");
  SecretString der = a.Secret("public_key_der");
  p.der.assign(der.begin(), der.end());
  p.file = a.Str("public_key_file");
  KEEP_RETURN_IF_ERROR(a.status());
  return p;
}

Result<Signature> Client::Sign(std::string_view key, std::string_view data, bool prehashed,
                               std::string_view algorithm, std::optional<uint32_t> version,
                               CallOptions o) {
  KEEP_RETURN_IF_ERROR(ValidateKeyName(key));
  BodyWriter b;
  b.Base64(prehashed ? "digest" : "message", data);
  if (!algorithm.empty()) b.Str("algorithm", algorithm);
  if (version) b.Int("key_version", *version);
  KEEP_ASSIGN_OR_RETURN(auto r, Call("POST", KeyOp(key, "sign"), b.Done(), true, o));
  KEEP_ASSIGN_OR_RETURN(Answer a, Answer::Parse(r, "sign"));
  return ReadSignature(a, "signature");
}

Result<Verification> Client::Verify(std::string_view key, std::string_view data,
                                    std::string_view signature, bool prehashed,
                                    std::string_view algorithm, CallOptions o) {
  KEEP_RETURN_IF_ERROR(ValidateKeyName(key));
  BodyWriter b;
  b.Base64(prehashed ? "digest" : "message", data);
  b.Str("signature", signature);
  if (!algorithm.empty()) b.Str("algorithm", algorithm);
  KEEP_ASSIGN_OR_RETURN(auto r, Call("POST", KeyOp(key, "verify"), b.Done(), true, o));
  KEEP_ASSIGN_OR_RETURN(Answer a, Answer::Parse(r, "verify"));
  return ReadVerification(a);
}

Result<Signature> Client::Hmac(std::string_view key, std::string_view message,
                               std::optional<uint32_t> version, CallOptions o) {
  KEEP_RETURN_IF_ERROR(ValidateKeyName(key));
  BodyWriter b;
  b.Base64("message", message);
  if (version) b.Int("key_version", *version);
  KEEP_ASSIGN_OR_RETURN(auto r, Call("POST", KeyOp(key, "hmac"), b.Done(), true, o));
  KEEP_ASSIGN_OR_RETURN(Answer a, Answer::Parse(r, "hmac"));
  return ReadSignature(a, "mac");
}

Result<Verification> Client::VerifyHmac(std::string_view key, std::string_view message,
                                        std::string_view mac, CallOptions o) {
  KEEP_RETURN_IF_ERROR(ValidateKeyName(key));
  BodyWriter b;
  b.Base64("message", message);
  b.Str("mac", mac);
  KEEP_ASSIGN_OR_RETURN(auto r, Call("POST", KeyOp(key, "hmac/verify"), b.Done(), true, o));
  KEEP_ASSIGN_OR_RETURN(Answer a, Answer::Parse(r, "hmac verify"));
  return ReadVerification(a);
}

Result<KeyInfo> Client::ImportKeyMaterial(std::string_view key, std::string_view material,
                                          CallOptions o) {
  KEEP_RETURN_IF_ERROR(ValidateKeyName(key));
  if (material.empty()) return InvalidArgument("the key material is empty");
  KEEP_ASSIGN_OR_RETURN(auto r, Call("GET", KeyOp(key, "import-params"), "", true, o));
  KEEP_ASSIGN_OR_RETURN(Answer a, Answer::Parse(r, "import params"));
  const std::string pem = a.Str("wrapping_public_key_pem");
  const std::string token = a.Str("import_token");
  KEEP_RETURN_IF_ERROR(a.status());
  auto wrapping = crypto::asym::PublicKeyRef::Parse(AsBytes(pem));
  if (!wrapping.ok() || wrapping->kind() != crypto::asym::Kind::kRsa) {
    return Status(Code::kInternal, "bad_answer", "the wrapping key is not an RSA public key");
  }
  Bytes wrapped;
  if (material.size() <= crypto::asym::OaepMaxPlaintext(*wrapping)) {
    KEEP_ASSIGN_OR_RETURN(wrapped, crypto::asym::OaepEncrypt(*wrapping, {}, AsBytes(material)));
  } else {
    KEEP_ASSIGN_OR_RETURN(crypto::SecretBytes aes, crypto::RandomSecret(32));
    KEEP_ASSIGN_OR_RETURN(wrapped, crypto::asym::OaepEncrypt(*wrapping, {}, aes.view()));
    KEEP_ASSIGN_OR_RETURN(Bytes kwp, crypto::asym::KeyWrapPad(aes.view(), AsBytes(material)));
    wrapped.insert(wrapped.end(), kwp.begin(), kwp.end());
  }
  BodyWriter b;
  b.Str("import_token", token);
  b.Base64("wrapped_material", AsChars(wrapped));
  KEEP_ASSIGN_OR_RETURN(auto ir, Call("POST", KeyOp(key, "import"), b.Done(), false, o));
  KEEP_ASSIGN_OR_RETURN(Answer ia, Answer::Parse(ir, "import"));
  return client::ReadKey(ia);
}

}  // namespace keep
