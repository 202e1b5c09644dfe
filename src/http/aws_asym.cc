// AwsDoor: keys beyond AES with AWS's names — GetPublicKey, Sign, Verify, GenerateMac,
// VerifyMac, GenerateDataKeyPair (with and without plaintext), and the key specs,
// usages and algorithms CreateKey and DescribeKey speak. The work is the service's.
#include "common/encoding.h"
#include "format/ciphertext.h"
#include "http/aws_internal.h"
#include "service/service.h"

namespace keep::http {
namespace {

using keys::KeyType;
namespace asym = crypto::asym;

struct SpecName {
  KeyType type;
  std::string_view spec;
};

// AWS has no X25519 key spec; keep's shows as KEEP_X25519_HPKE.
constexpr SpecName kSpecs[] = {
    {KeyType::kAes256Gcm, "SYMMETRIC_DEFAULT"},
    {KeyType::kChaCha20Poly1305, "SYMMETRIC_DEFAULT"},
    {KeyType::kRsa2048, "RSA_2048"},
    {KeyType::kRsa3072, "RSA_3072"},
    {KeyType::kRsa4096, "RSA_4096"},
    {KeyType::kEcdsaP256, "ECC_NIST_P256"},
    {KeyType::kEcdsaP384, "ECC_NIST_P384"},
    {KeyType::kEd25519, "ECC_NIST_EDWARDS25519"},
    {KeyType::kX25519, "KEEP_X25519_HPKE"},
    {KeyType::kHmacSha256, "HMAC_256"},
    {KeyType::kHmacSha384, "HMAC_384"},
    {KeyType::kHmacSha512, "HMAC_512"},
    {KeyType::kSplitP256, "KEEP_SPLIT_P256_HPKE"},
};

struct SigName {
  std::string_view aws;
  std::string_view keep;
};

constexpr SigName kSigs[] = {
    {"RSASSA_PSS_SHA_256", "rsa-pss-sha256"},
    {"RSASSA_PSS_SHA_384", "rsa-pss-sha384"},
    {"RSASSA_PSS_SHA_512", "rsa-pss-sha512"},
    {"RSASSA_PKCS1_V1_5_SHA_256", "rsa-pkcs1-sha256"},
    {"RSASSA_PKCS1_V1_5_SHA_384", "rsa-pkcs1-sha384"},
    {"RSASSA_PKCS1_V1_5_SHA_512", "rsa-pkcs1-sha512"},
    {"ECDSA_SHA_256", "ecdsa-sha256"},
    {"ECDSA_SHA_384", "ecdsa-sha384"},
    {"ECDSA_SHA_512", "ecdsa-sha512"},
    {"ED25519_SHA_512", "ed25519"},
};

std::string_view MacName(KeyType t) {
  return t == KeyType::kHmacSha384   ? "HMAC_SHA_384"
         : t == KeyType::kHmacSha512 ? "HMAC_SHA_512"
                                     : "HMAC_SHA_256";
}

// The signing algorithms a key of `t` offers, as AWS lists them.
json::array SigningAlgorithms(KeyType t) {
  json::array out;
  for (const auto& s : kSigs) {
    auto a = service::ParseSignAlgorithm(s.keep);
    if (!a.ok() || !asym::SchemeFits(keys::AsymKindOf(t), a->scheme)) continue;
    if (t == KeyType::kEcdsaP256 && s.aws != "ECDSA_SHA_256") continue;  // as AWS pairs them
    if (t == KeyType::kEcdsaP384 && s.aws != "ECDSA_SHA_384") continue;
    out.emplace_back(s.aws);
  }
  return out;
}

Result<service::SignAlgorithm> SigningAlgorithm(const json::object& o) {
  KEEP_ASSIGN_OR_RETURN(std::string_view name, Req(o, "SigningAlgorithm"));
  for (const auto& s : kSigs) {
    if (s.aws == name) return service::ParseSignAlgorithm(s.keep);
  }
  return InvalidArgument("SigningAlgorithm " + std::string(name) + " is not one keep offers");
}

// Message and MessageType (RAW or DIGEST): the input and whether it is a digest.
Result<std::pair<crypto::SecretBytes, bool>> Message(const json::object& o) {
  KEEP_ASSIGN_OR_RETURN(crypto::SecretBytes m, ReqBase64(o, "Message"));
  if (m.empty() || m.size() > 4096) return InvalidArgument("Message must be 1 to 4096 bytes");
  KEEP_ASSIGN_OR_RETURN(auto type, OptString(o, "MessageType"));
  if (type && *type != "RAW" && *type != "DIGEST") {
    return InvalidArgument("MessageType must be RAW or DIGEST");
  }
  return std::pair{std::move(m), type && *type == "DIGEST"};
}

Status MacAlgorithmFits(const json::object& o, KeyType t) {
  KEEP_ASSIGN_OR_RETURN(std::string_view name, Req(o, "MacAlgorithm"));
  if (name != MacName(t)) {
    return InvalidArgument("MacAlgorithm " + std::string(name) + " does not fit this key (" +
                               std::string(MacName(t)) + ")",
                           "invalid_key_usage");
  }
  return Status::Ok();
}

}  // namespace

std::string_view AwsKeySpec(KeyType t) {
  for (const auto& s : kSpecs) {
    if (s.type == t) return s.spec;
  }
  return "SYMMETRIC_DEFAULT";
}

std::string_view AwsKeyUsage(keys::KeyPurpose p) {
  return p == keys::KeyPurpose::kSign  ? "SIGN_VERIFY"
         : p == keys::KeyPurpose::kMac ? "GENERATE_VERIFY_MAC"
                                       : "ENCRYPT_DECRYPT";
}

std::string_view AwsEncryptionAlgorithm(KeyType t) {
  return t == KeyType::kX25519 ? "KEEP_HPKE_X25519_AES_256_GCM"
         : keys::IsSplit(t)    ? "KEEP_HPKE_P256_AES_256_GCM"
                               : "RSAES_OAEP_SHA_256";
}

void AwsAlgorithms(const keys::KeyMeta& m, json::object& md) {
  if (m.purpose == keys::KeyPurpose::kSign) {
    md["SigningAlgorithms"] = SigningAlgorithms(m.type);
  } else if (m.purpose == keys::KeyPurpose::kMac) {
    md["MacAlgorithms"] = json::array{MacName(m.type)};
  } else if (keys::IsSymmetric(m.type)) {
    md["EncryptionAlgorithms"] = json::array{kSymmetricDefault};
  } else {
    md["EncryptionAlgorithms"] = json::array{AwsEncryptionAlgorithm(m.type)};
  }
}

Result<std::pair<KeyType, std::optional<keys::KeyPurpose>>> AwsKeyTypeOf(
    std::optional<std::string_view> spec, std::optional<std::string_view> usage) {
  KeyType type = KeyType::kAes256Gcm;
  if (spec) {
    bool found = false;
    for (const auto& s : kSpecs) {
      if (s.spec == *spec) {
        type = s.type;
        found = true;
        break;
      }
    }
    if (!found) return Unsupported("KeySpec " + std::string(*spec) + " is not offered by keep");
    if (keys::IsSplit(type)) {
      return Unsupported("KeySpec " + std::string(*spec) +
                         " keys are made with their peer through keep's own API (keep key create "
                         "--type split-p256 --peer NAME)");
    }
  }
  std::optional<keys::KeyPurpose> purpose;
  if (usage) {
    if (*usage == "ENCRYPT_DECRYPT") {
      purpose = keys::KeyPurpose::kEncrypt;
    } else if (*usage == "SIGN_VERIFY") {
      purpose = keys::KeyPurpose::kSign;
    } else if (*usage == "GENERATE_VERIFY_MAC") {
      purpose = keys::KeyPurpose::kMac;
    } else {
      return Unsupported("KeyUsage " + std::string(*usage) + " is not offered by keep");
    }
  }
  return std::pair{type, purpose};
}

HttpResponse AwsDoor::GetPublicKey(Call& call) {
  if (Status st = Fields(call, {"KeyId", "GrantTokens"}); !st.ok()) return AwsErr(call, st);
  auto key = KeyOf(call, access::Operation::kPublicKey);
  if (!key.ok()) return AwsErr(call, key.status());
  if (Status st = CommonFields(*call.in, {}); !st.ok()) return AwsErr(call, st);
  auto r = service_.PublicKey(call.ctx, *key, std::nullopt);
  if (!r.ok()) return AwsErr(call, r.status());
  call.event.version = r->version;
  json::object o{{"KeyId", KeyArn(r->meta)},
                 {"PublicKey", Base64Encode(r->public_key.der())},
                 {"KeySpec", AwsKeySpec(r->meta.type)},
                 {"CustomerMasterKeySpec", AwsKeySpec(r->meta.type)},
                 {"KeyUsage", AwsKeyUsage(r->meta.purpose)}};
  AwsAlgorithms(r->meta, o);
  return AwsOk(SecretString(json::serialize(o)));
}

HttpResponse AwsDoor::Sign(Call& call) {
  if (Status st = Fields(
          call, {"KeyId", "Message", "MessageType", "SigningAlgorithm", "GrantTokens", "DryRun"});
      !st.ok()) {
    return AwsErr(call, st);
  }
  const json::object& o = *call.in;
  auto key = KeyOf(call, access::Operation::kSign);
  if (!key.ok()) return AwsErr(call, key.status());
  if (Status st = CommonFields(o, {}); !st.ok()) return AwsErr(call, st);
  auto alg = SigningAlgorithm(o);
  if (!alg.ok()) return AwsErr(call, alg.status());
  auto msg = Message(o);
  if (!msg.ok()) return AwsErr(call, msg.status());
  if (DryRun(o)) return DryRunAnswer(call);
  auto r = service_.Sign(call.ctx, *key, std::nullopt, msg->first.view(), msg->second, *alg);
  if (!r.ok()) return AwsErr(call, r.status());
  call.event.version = r->version;
  SecretString out = "{\"KeyId\":";
  AppendJsonString(out, KeyArnOf(r->key));
  AppendBase64Field(out, "Signature", r->signature);
  AppendField(out, "SigningAlgorithm", *Req(o, "SigningAlgorithm"));
  out += '}';
  return AwsOk(std::move(out));
}

HttpResponse AwsDoor::Verify(Call& call) {
  if (Status st = Fields(call, {"KeyId", "Message", "MessageType", "Signature", "SigningAlgorithm",
                                "GrantTokens", "DryRun"});
      !st.ok()) {
    return AwsErr(call, st);
  }
  const json::object& o = *call.in;
  auto key = KeyOf(call, access::Operation::kVerify);
  if (!key.ok()) return AwsErr(call, key.status());
  if (Status st = CommonFields(o, {}); !st.ok()) return AwsErr(call, st);
  auto alg = SigningAlgorithm(o);
  if (!alg.ok()) return AwsErr(call, alg.status());
  auto msg = Message(o);
  if (!msg.ok()) return AwsErr(call, msg.status());
  auto sig = ReqBase64(o, "Signature");
  if (!sig.ok()) return AwsErr(call, sig.status());
  if (DryRun(o)) return DryRunAnswer(call);
  // AWS signatures name no version: the latest first, then older ones still allowed.
  auto meta = service_.GetKey(call.ctx, *key);
  if (!meta.ok()) return AwsErr(call, meta.status());
  for (uint32_t v = meta->latest_version; v >= std::max(1u, meta->min_decryption_version); --v) {
    auto r = service_.Verify(call.ctx, *key, v, msg->first.view(), msg->second, *alg, sig->view());
    if (!r.ok()) return AwsErr(call, r.status());
    if (r->valid) {
      call.event.version = v;
      SecretString out = "{\"KeyId\":";
      AppendJsonString(out, KeyArnOf(r->key));
      out += ",\"SignatureValid\":true";
      AppendField(out, "SigningAlgorithm", *Req(o, "SigningAlgorithm"));
      out += '}';
      return AwsOk(std::move(out));
    }
  }
  return AwsErr(call, InvalidArgument("the signature is not valid"),
                {"KMSInvalidSignatureException", 400});
}

Result<keys::KeyMeta> AwsDoor::MacKeyOf(Call& call, access::Operation op) {
  KEEP_ASSIGN_OR_RETURN(std::string key, KeyOf(call, op));
  KEEP_RETURN_IF_ERROR(CommonFields(*call.in, {}));
  KEEP_ASSIGN_OR_RETURN(keys::KeyMeta meta, service_.GetKey(call.ctx, key));
  // Other key types are refused by the service as invalid_key_usage.
  if (keys::IsHmac(meta.type)) KEEP_RETURN_IF_ERROR(MacAlgorithmFits(*call.in, meta.type));
  return meta;
}

HttpResponse AwsDoor::GenerateMac(Call& call) {
  if (Status st = Fields(call, {"KeyId", "Message", "MacAlgorithm", "GrantTokens", "DryRun"});
      !st.ok()) {
    return AwsErr(call, st);
  }
  const json::object& o = *call.in;
  auto meta = MacKeyOf(call, access::Operation::kHmac);
  if (!meta.ok()) return AwsErr(call, meta.status());
  const std::string* key = &meta->name;
  auto msg = ReqBase64(o, "Message");
  if (!msg.ok()) return AwsErr(call, msg.status());
  if (msg->empty() || msg->size() > 4096) {
    return AwsErr(call, InvalidArgument("Message must be 1 to 4096 bytes"));
  }
  if (DryRun(o)) return DryRunAnswer(call);
  auto r = service_.Mac(call.ctx, *key, std::nullopt, msg->view());
  if (!r.ok()) return AwsErr(call, r.status());
  call.event.version = r->version;
  SecretString out = "{\"KeyId\":";
  AppendJsonString(out, KeyArnOf(r->key));
  AppendBase64Field(out, "Mac", r->mac);
  AppendField(out, "MacAlgorithm", MacName(meta->type));
  out += '}';
  return AwsOk(std::move(out));
}

HttpResponse AwsDoor::VerifyMac(Call& call) {
  if (Status st =
          Fields(call, {"KeyId", "Message", "Mac", "MacAlgorithm", "GrantTokens", "DryRun"});
      !st.ok()) {
    return AwsErr(call, st);
  }
  const json::object& o = *call.in;
  auto meta = MacKeyOf(call, access::Operation::kHmacVerify);
  if (!meta.ok()) return AwsErr(call, meta.status());
  const std::string* key = &meta->name;
  auto msg = ReqBase64(o, "Message");
  auto mac = ReqBase64(o, "Mac");
  if (!msg.ok()) return AwsErr(call, msg.status());
  if (!mac.ok()) return AwsErr(call, mac.status());
  if (DryRun(o)) return DryRunAnswer(call);
  for (uint32_t v = meta->latest_version; v >= std::max(1u, meta->min_decryption_version); --v) {
    auto r = service_.MacVerify(call.ctx, *key, v, msg->view(), mac->view());
    if (!r.ok()) return AwsErr(call, r.status());
    if (r->valid) {
      call.event.version = v;
      SecretString out = "{\"KeyId\":";
      AppendJsonString(out, KeyArnOf(r->key));
      out += ",\"MacValid\":true";
      AppendField(out, "MacAlgorithm", MacName(meta->type));
      out += '}';
      return AwsOk(std::move(out));
    }
  }
  return AwsErr(call, InvalidArgument("the MAC is not valid"), {"KMSInvalidMacException", 400});
}

HttpResponse AwsDoor::GenerateDataKeyPair(Call& call, bool with_plaintext) {
  if (Status st = Fields(call, {"KeyId", "KeyPairSpec", "EncryptionContext", "GrantTokens",
                                "DryRun", "Recipient"});
      !st.ok()) {
    return AwsErr(call, st);
  }
  const json::object& o = *call.in;
  auto key = DataKeyOf(call, with_plaintext);
  if (!key.ok()) return AwsErr(call, key.status());
  if (Status st = CommonFields(o, {}); !st.ok()) return AwsErr(call, st);
  auto spec = Req(o, "KeyPairSpec");
  if (!spec.ok()) return AwsErr(call, spec.status());
  asym::Kind kind = asym::Kind::kRsa;
  int bits = 0;
  if (*spec == "RSA_2048" || *spec == "RSA_3072" || *spec == "RSA_4096") {
    bits = std::stoi(std::string(spec->substr(4)));
  } else if (*spec == "ECC_NIST_P256") {
    kind = asym::Kind::kEcP256;
  } else if (*spec == "ECC_NIST_P384") {
    kind = asym::Kind::kEcP384;
  } else if (*spec == "ECC_NIST_EDWARDS25519") {
    kind = asym::Kind::kEd25519;
  } else {
    return AwsErr(call, Unsupported("KeyPairSpec " + std::string(*spec) + " is not offered"));
  }
  auto context = OptContext(o, "EncryptionContext");
  if (!context.ok()) return AwsErr(call, context.status());
  RecordContext(call, *context);
  if (DryRun(o)) return DryRunAnswer(call);
  auto r = service_.DataKeyPair(call.ctx, *key, kind, bits, with_plaintext, *context);
  if (!r.ok()) return AwsErr(call, r.status());
  call.event.version = r->version;
  auto blob = format::FromText(r->private_key_ciphertext);
  if (!blob.ok()) return AwsErr(call, blob.status());
  SecretString out = "{\"KeyId\":";
  AppendJsonString(out, KeyArnOf(r->key));
  AppendBase64Field(out, "PrivateKeyCiphertextBlob", *blob);
  if (r->private_key) AppendBase64Field(out, "PrivateKeyPlaintext", r->private_key->view());
  AppendBase64Field(out, "PublicKey", r->public_key);
  AppendField(out, "KeyPairSpec", *spec);
  out += '}';
  return AwsOk(std::move(out));
}

}  // namespace keep::http
