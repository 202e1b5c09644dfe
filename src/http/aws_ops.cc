// AwsDoor: the cryptographic operations — Encrypt, Decrypt, ReEncrypt, GenerateDataKey
// (with and without plaintext), GenerateRandom. Request and response fields, limits and
// errors as in the AWS KMS API reference; the work is the service's, through the Gate.
#include "common/encoding.h"
#include "format/ciphertext.h"
#include "http/aws_internal.h"

namespace keep::http {
namespace {

// The CiphertextBlob (binary keep ciphertext) as keep's text form.
Result<std::string> CiphertextText(const json::object& o) {
  KEEP_ASSIGN_OR_RETURN(std::string_view b64, Req(o, "CiphertextBlob"));
  auto blob = Base64Decode(b64);
  if (!blob.ok()) return InvalidArgument("CiphertextBlob is not base64");
  if (blob->empty() || blob->size() > 6144) {
    return InvalidArgument("CiphertextBlob must be 1 to 6144 bytes");
  }
  return format::ToText(*blob);
}

// Appends "name":"<base64 of the binary form of the keep ciphertext text>".
Status AppendBlob(SecretString& out, std::string_view name, std::string_view text) {
  KEEP_ASSIGN_OR_RETURN(const Bytes blob, format::FromText(text));
  AppendJsonString(out, name);
  out += ":\"";
  AppendBase64(out, blob);
  out += '"';
  return Status::Ok();
}

// A ciphertext made outside keep with GetPublicKey's RSA key: RSAES_OAEP_SHA_256, a KeyId,
// and exactly a modulus' length (keep's own v2 RSA ciphertexts are 22 bytes longer).
Result<bool> BareOaep(const json::object& o) {
  KEEP_ASSIGN_OR_RETURN(auto alg, OptString(o, "EncryptionAlgorithm"));
  if (!alg || *alg != "RSAES_OAEP_SHA_256" || !o.contains("KeyId")) return false;
  KEEP_ASSIGN_OR_RETURN(std::string_view b64, Req(o, "CiphertextBlob"));
  const size_t n = b64.size() / 4 * 3 - (b64.ends_with("==") ? 2 : b64.ends_with("=") ? 1 : 0);
  return n == 256 || n == 384 || n == 512;
}

}  // namespace

HttpResponse AwsDoor::Encrypt(Call& call) {
  if (Status st = Fields(call, {"KeyId", "Plaintext", "EncryptionContext", "GrantTokens",
                                "EncryptionAlgorithm", "DryRun"});
      !st.ok()) {
    return AwsErr(call, st);
  }
  const json::object& o = *call.in;
  auto key = KeyOf(call, access::Operation::kEncrypt);
  if (!key.ok()) return AwsErr(call, key.status());
  if (Status st = CommonFields(o, {"EncryptionAlgorithm"}); !st.ok()) return AwsErr(call, st);
  auto plain = ReqBase64(o, "Plaintext");
  if (!plain.ok()) return AwsErr(call, plain.status());
  if (plain->empty() || plain->size() > 4096) {
    return AwsErr(call, InvalidArgument("Plaintext must be 1 to 4096 bytes"));
  }
  auto context = OptContext(o, "EncryptionContext");
  if (!context.ok()) return AwsErr(call, context.status());
  RecordContext(call, *context);
  if (DryRun(o)) return DryRunAnswer(call);
  auto r = service_.Encrypt(call.ctx, *key, plain->view(), *context);
  if (!r.ok()) return AwsErr(call, r.status());
  call.event.version = r->version;
  SecretString out = "{";
  if (Status st = AppendBlob(out, "CiphertextBlob", r->ciphertext); !st.ok()) {
    return AwsErr(call, st);
  }
  AppendField(out, "KeyId", KeyArnOf(r->key));
  AppendField(out, "EncryptionAlgorithm", AlgorithmOfKey(call, r->key));
  out += '}';
  return AwsOk(std::move(out));
}

HttpResponse AwsDoor::Decrypt(Call& call) {
  if (Status st = Fields(call, {"CiphertextBlob", "EncryptionContext", "GrantTokens", "KeyId",
                                "EncryptionAlgorithm", "DryRun", "Recipient"});
      !st.ok()) {
    return AwsErr(call, st);
  }
  const json::object& o = *call.in;
  if (auto bare = BareOaep(o); bare.ok() && *bare) return DecryptBare(call);
  auto text = CiphertextText(o);
  if (!text.ok()) return AwsErr(call, text.status());
  auto key = service_.KeyOfCiphertext(*text);
  if (!key.ok()) return AwsErr(call, key.status());
  if (Status st = Authorize(call, access::Operation::kDecrypt, *key); !st.ok()) {
    return AwsErr(call, st);
  }
  if (Status st = CommonFields(o, {"EncryptionAlgorithm"}); !st.ok()) return AwsErr(call, st);
  if (auto named = OptString(o, "KeyId"); !named.ok()) {
    return AwsErr(call, named.status());
  } else if (*named) {
    auto want = ResolveKey(**named);
    if (!want.ok()) return AwsErr(call, want.status());
    if (*want != *key) {
      return AwsErr(call, InvalidArgument("The key ID in the request does not identify a KMS key "
                                          "that can perform this operation.",
                                          "key_mismatch"));
    }
  }
  auto context = OptContext(o, "EncryptionContext");
  if (!context.ok()) return AwsErr(call, context.status());
  RecordContext(call, *context);
  if (DryRun(o)) return DryRunAnswer(call);
  if (Status st = gate_.CountDecrypts(call, 1); !st.ok()) return AwsErr(call, st);
  auto r = service_.Decrypt(call.ctx, *key, *text, *context);
  if (!r.ok()) return AwsErr(call, r.status());
  return DecryptAnswer(call, *r, AlgorithmOfKey(call, r->key));
}

HttpResponse AwsDoor::DecryptBare(Call& call) {
  const json::object& o = *call.in;
  auto key = KeyOf(call, access::Operation::kDecrypt);
  if (!key.ok()) return AwsErr(call, key.status());
  if (Status st = CommonFields(o, {"EncryptionAlgorithm"}); !st.ok()) return AwsErr(call, st);
  if (const json::value* c = o.if_contains("EncryptionContext");
      c && !(c->is_object() && c->get_object().empty())) {
    return AwsErr(call, InvalidArgument("an encryption context is not supported with "
                                        "RSAES_OAEP_SHA_256 ciphertexts made outside keep"));
  }
  auto blob = ReqBase64(o, "CiphertextBlob");
  if (!blob.ok()) return AwsErr(call, blob.status());
  if (DryRun(o)) return DryRunAnswer(call);
  if (Status st = gate_.CountDecrypts(call, 1); !st.ok()) return AwsErr(call, st);
  auto r = service_.DecryptBareOaep(call.ctx, *key, blob->view());
  if (!r.ok()) return AwsErr(call, r.status());
  return DecryptAnswer(call, *r, "RSAES_OAEP_SHA_256");
}

HttpResponse AwsDoor::DecryptAnswer(Call& call, const service::DecryptResult& r,
                                    std::string_view algorithm) {
  call.event.version = r.version;
  SecretString out = "{\"Plaintext\":\"";
  AppendBase64(out, r.plaintext.view());
  out += '"';
  AppendField(out, "KeyId", KeyArnOf(r.key));
  AppendField(out, "EncryptionAlgorithm", algorithm);
  out += '}';
  return AwsOk(std::move(out));
}

// The EncryptionAlgorithm AWS names for the ciphertexts of `key`.
std::string_view AwsDoor::AlgorithmOfKey(Call& call, std::string_view key) {
  auto meta = service_.GetKey(call.ctx, key);
  if (!meta.ok() || keys::IsSymmetric(meta->type)) return kSymmetricDefault;
  return AwsEncryptionAlgorithm(meta->type);
}

HttpResponse AwsDoor::ReEncrypt(Call& call) {
  if (Status st = Fields(
          call, {"CiphertextBlob", "SourceEncryptionContext", "SourceKeyId", "DestinationKeyId",
                 "DestinationEncryptionContext", "SourceEncryptionAlgorithm",
                 "DestinationEncryptionAlgorithm", "GrantTokens", "DryRun"});
      !st.ok()) {
    return AwsErr(call, st);
  }
  const json::object& o = *call.in;
  auto text = CiphertextText(o);
  if (!text.ok()) return AwsErr(call, text.status());
  auto src = service_.KeyOfCiphertext(*text);
  if (!src.ok()) return AwsErr(call, src.status());
  auto dst_id = Req(o, "DestinationKeyId");
  if (!dst_id.ok()) return AwsErr(call, dst_id.status());
  auto dst = ResolveKey(*dst_id);
  if (!dst.ok()) return AwsErr(call, dst.status());
  // Rewrap on the source; encrypt on a destination that is another key.
  if (Status st = Authorize(call, access::Operation::kRewrap, *src); !st.ok()) {
    return AwsErr(call, st);
  }
  if (*dst != *src) {
    if (Status st = gate_.Allows(call.ctx.identity, access::Operation::kEncrypt, *dst); !st.ok()) {
      return AwsErr(call, st);
    }
    if (Status st = gate_.Admit(call, access::Operation::kEncrypt, "", *dst, 1); !st.ok()) {
      return AwsErr(call, st);
    }
    call.event.target = "key:" + *dst;
  }
  if (Status st = CommonFields(o, {"SourceEncryptionAlgorithm", "DestinationEncryptionAlgorithm"});
      !st.ok()) {
    return AwsErr(call, st);
  }
  if (auto named = OptString(o, "SourceKeyId"); !named.ok()) {
    return AwsErr(call, named.status());
  } else if (*named) {
    auto want = ResolveKey(**named);
    if (!want.ok()) return AwsErr(call, want.status());
    if (*want != *src) {
      return AwsErr(call, InvalidArgument("The source key ID does not identify the KMS key "
                                          "that encrypted the ciphertext.",
                                          "key_mismatch"));
    }
  }
  auto src_ctx = OptContext(o, "SourceEncryptionContext");
  if (!src_ctx.ok()) return AwsErr(call, src_ctx.status());
  auto dst_ctx = OptContext(o, "DestinationEncryptionContext");
  if (!dst_ctx.ok()) return AwsErr(call, dst_ctx.status());
  RecordContext(call, *src_ctx);
  if (DryRun(o)) return DryRunAnswer(call);
  Result<service::EncryptResult> r = Status::Ok();
  if (*dst == *src && *dst_ctx == *src_ctx) {
    r = service_.Rewrap(call.ctx, *src, *text, *src_ctx);
  } else {
    // The plaintext stays in this process, in wiping memory, as in a rewrap.
    auto d = service_.Decrypt(call.ctx, *src, *text, *src_ctx);
    if (!d.ok()) return AwsErr(call, d.status());
    r = service_.Encrypt(call.ctx, *dst, d->plaintext.view(), *dst_ctx);
  }
  if (!r.ok()) return AwsErr(call, r.status());
  SecretString out = "{";
  if (Status st = AppendBlob(out, "CiphertextBlob", r->ciphertext); !st.ok()) {
    return AwsErr(call, st);
  }
  AppendField(out, "SourceKeyId", KeyArnOf(*src));
  AppendField(out, "KeyId", KeyArnOf(r->key));
  AppendField(out, "SourceEncryptionAlgorithm", kSymmetricDefault);
  AppendField(out, "DestinationEncryptionAlgorithm", kSymmetricDefault);
  out += '}';
  return AwsOk(std::move(out));
}

HttpResponse AwsDoor::GenerateDataKey(Call& call, bool with_plaintext) {
  if (Status st = Fields(call, {"KeyId", "KeySpec", "NumberOfBytes", "EncryptionContext",
                                "GrantTokens", "DryRun", "Recipient"});
      !st.ok()) {
    return AwsErr(call, st);
  }
  const json::object& o = *call.in;
  auto key = DataKeyOf(call, with_plaintext);
  if (!key.ok()) return AwsErr(call, key.status());
  if (Status st = CommonFields(o, {}); !st.ok()) return AwsErr(call, st);
  auto spec = OptString(o, "KeySpec");
  auto n = OptInt(o, "NumberOfBytes");
  if (!spec.ok()) return AwsErr(call, spec.status());
  if (!n.ok()) return AwsErr(call, n.status());
  if (spec->has_value() == n->has_value()) {
    return AwsErr(call, InvalidArgument("give either KeySpec or NumberOfBytes"));
  }
  int64_t bytes = 0;
  if (*spec) {
    if (**spec == "AES_256") {
      bytes = 32;
    } else if (**spec == "AES_128") {
      bytes = 16;
    } else {
      return AwsErr(call, InvalidArgument("KeySpec must be AES_256 or AES_128"));
    }
  } else {
    bytes = **n;
    if (bytes < 1 || bytes > 1024) {
      return AwsErr(call, InvalidArgument("NumberOfBytes must be between 1 and 1024"));
    }
  }
  auto context = OptContext(o, "EncryptionContext");
  if (!context.ok()) return AwsErr(call, context.status());
  RecordContext(call, *context);
  if (DryRun(o)) return DryRunAnswer(call);
  std::optional<crypto::SecretBytes> plain;
  std::string ciphertext, used_key;
  if (bytes == 16 || bytes == 32 || bytes == 64) {
    auto r =
        service_.DataKey(call.ctx, *key, static_cast<int>(bytes * 8), with_plaintext, *context);
    if (!r.ok()) return AwsErr(call, r.status());
    plain = std::move(r->plaintext);
    ciphertext = std::move(r->ciphertext);
    used_key = std::move(r->key);
  } else {
    // Other sizes: random bytes from keep, encrypted under the key with the context — what
    // a data key is.
    auto rnd = service_.Random(call.ctx, static_cast<int>(bytes));
    if (!rnd.ok()) return AwsErr(call, rnd.status());
    auto r = service_.Encrypt(call.ctx, *key, rnd->view(), *context);
    if (!r.ok()) return AwsErr(call, r.status());
    if (with_plaintext) plain = std::move(*rnd);
    ciphertext = std::move(r->ciphertext);
    used_key = std::move(r->key);
  }
  SecretString out = "{";
  if (Status st = AppendBlob(out, "CiphertextBlob", ciphertext); !st.ok()) {
    return AwsErr(call, st);
  }
  if (plain) {
    out += ",\"Plaintext\":\"";
    AppendBase64(out, plain->view());
    out += '"';
  }
  AppendField(out, "KeyId", KeyArnOf(used_key));
  out += '}';
  return AwsOk(std::move(out));
}

HttpResponse AwsDoor::GenerateRandom(Call& call) {
  if (Status st = Fields(call, {"NumberOfBytes", "CustomKeyStoreId", "Recipient"}); !st.ok()) {
    return AwsErr(call, st);
  }
  if (Status st = Authorize(call, access::Operation::kRandom, ""); !st.ok()) {
    return AwsErr(call, st);
  }
  const json::object& o = *call.in;
  if (o.contains("CustomKeyStoreId")) {
    return AwsErr(call, Unsupported("custom key stores are not supported"));
  }
  if (Status st = CommonFields(o, {}); !st.ok()) return AwsErr(call, st);
  auto n = OptInt(o, "NumberOfBytes");
  if (!n.ok()) return AwsErr(call, n.status());
  if (!*n || **n < 1 || **n > 1024) {
    return AwsErr(call, InvalidArgument("NumberOfBytes must be between 1 and 1024"));
  }
  auto r = service_.Random(call.ctx, static_cast<int>(**n));
  if (!r.ok()) return AwsErr(call, r.status());
  SecretString out = "{\"Plaintext\":\"";
  AppendBase64(out, r->view());
  out += "\"}";
  return AwsOk(std::move(out));
}

}  // namespace keep::http
