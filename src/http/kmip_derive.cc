// The KMIP door: DeriveKey — a symmetric key or secret data derived from a base object by
// PBKDF2, HMAC, AES encryption of the Derivation Data, or NIST SP 800-108 counter mode
// (HMAC PRF), stored as a new object linked to its base.
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include "crypto/asymmetric.h"
#include "http/kmip_internal.h"

namespace keep::http::kmip_ops {
namespace {

namespace asym = crypto::asym;

const char* DigestName(asym::Hash h) {
  return h == asym::Hash::kSha256 ? "SHA256" : h == asym::Hash::kSha384 ? "SHA384" : "SHA512";
}

Result<crypto::SecretBytes> RunKdf(const char* name, std::vector<OSSL_PARAM> params, size_t n) {
  crypto::OsslPtr<EVP_KDF> kdf(EVP_KDF_fetch(nullptr, name, nullptr));
  crypto::OsslPtr<EVP_KDF_CTX> ctx(kdf ? EVP_KDF_CTX_new(kdf.get()) : nullptr);
  params.push_back(OSSL_PARAM_construct_end());
  crypto::SecretBytes out(n);
  if (!ctx || EVP_KDF_derive(ctx.get(), out.data(), n, params.data()) != 1) {
    crypto::DrainOpenSslErrors(name);
    return InvalidArgument(std::string("the ") + name + " derivation failed for these parameters");
  }
  return out;
}

}  // namespace

Result<Item> DeriveKey(Call& c) {
  KEEP_ASSIGN_OR_RETURN(const Item* type, kmip::Field(c.payload, tag::kObjectType,
                                                      Type::kEnumeration, "Object Type", true));
  const auto new_type = static_cast<ObjectType>(type->number);
  if (new_type != ObjectType::kSymmetricKey && new_type != ObjectType::kSecretData) {
    return InvalidArgument("DeriveKey makes symmetric keys or secret data");
  }
  if (c.payload.FindAll(tag::kUniqueIdentifier).size() > 1) {
    return NotSupported("keep derives from one base object");
  }
  KEEP_ASSIGN_OR_RETURN(ManagedObject base, Load(c, O::kHmac));
  if (!UsableForUse(base.state())) return Illegal("DeriveKey needs an Active base object");
  KEEP_RETURN_IF_ERROR(CheckUsage(base, kmip::kUsageDeriveKey, "DeriveKey"));
  if (!base.has_material ||
      (base.type != ObjectType::kSymmetricKey && base.type != ObjectType::kSecretData)) {
    return InvalidArgument("DeriveKey derives from a symmetric key or secret data",
                           "invalid_key_usage");
  }
  KEEP_ASSIGN_OR_RETURN(const Item* method,
                        kmip::Field(c.payload, tag::kDerivationMethod, Type::kEnumeration,
                                    "Derivation Method", true));
  KEEP_ASSIGN_OR_RETURN(const Item* dp,
                        kmip::Field(c.payload, tag::kDerivationParameters, Type::kStructure,
                                    "Derivation Parameters", true));
  const Item* t = c.payload.Find(tag::kTemplateAttribute);
  if (t == nullptr) t = c.payload.Find(tag::kAttributes);
  KEEP_ASSIGN_OR_RETURN(auto attrs, kmip::ParseAttributes(t));
  const std::string base_uid = base.uid;
  KEEP_ASSIGN_OR_RETURN(ManagedObject o, NewObject(c, new_type, std::move(attrs)));
  const auto* len = o.Find("Cryptographic Length");
  if (len == nullptr || len->value.number < 8 || len->value.number > 4096 ||
      len->value.number % 8 != 0) {
    return kmip::MissingData("DeriveKey needs a Cryptographic Length of 8 to 4096 bits");
  }
  const size_t n = static_cast<size_t>(len->value.number / 8);
  const Item* params = dp->Find(tag::kCryptographicParameters);
  KEEP_ASSIGN_OR_RETURN(asym::Hash h,
                        HashOf(ParamOr(params, tag::kHashingAlgorithm,
                                       static_cast<int64_t>(kmip::HashingAlgorithm::kSha256))));
  const Item* data = dp->Find(tag::kDerivationData);
  const ByteView info = data != nullptr ? data->bytes.view() : ByteView{};
  auto* key = const_cast<uint8_t*>(base.material.data());
  char* digest = const_cast<char*>(DigestName(h));
  switch (static_cast<kmip::DerivationMethod>(method->number)) {
    case kmip::DerivationMethod::kPbkdf2: {
      const Item* salt = dp->Find(tag::kSalt);
      const Item* iter = dp->Find(tag::kIterationCount);
      if (salt == nullptr || iter == nullptr || iter->number < 1 || iter->number > 10000000) {
        return kmip::MissingData("PBKDF2 needs a Salt and an Iteration Count (1 to 10^7)");
      }
      uint64_t rounds = static_cast<uint64_t>(iter->number);
      KEEP_ASSIGN_OR_RETURN(
          o.material, RunKdf("PBKDF2",
                             {OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, key,
                                                                base.material.size()),
                              OSSL_PARAM_construct_octet_string(
                                  OSSL_KDF_PARAM_SALT, const_cast<uint8_t*>(salt->bytes.data()),
                                  salt->bytes.size()),
                              OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_ITER, &rounds),
                              OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0)},
                             n));
      break;
    }
    case kmip::DerivationMethod::kHmac: {
      if (data == nullptr) return kmip::MissingData("HMAC derivation needs Derivation Data");
      if (n > asym::HashSize(h)) return InvalidArgument("HMAC derives at most one hash length");
      KEEP_ASSIGN_OR_RETURN(Bytes mac, asym::Hmac(h, base.material.view(), info));
      o.material = crypto::SecretBytes::CopyOf(ByteView(mac).first(n));
      OPENSSL_cleanse(mac.data(), mac.size());
      break;
    }
    case kmip::DerivationMethod::kEncrypt: {
      if (!IsAes(base)) return InvalidArgument("Encrypt derivation needs an AES base key");
      if (data == nullptr || info.empty() || info.size() % 16 != 0 || info.size() < n) {
        return InvalidArgument(
            "Encrypt derivation needs Derivation Data of whole AES blocks, "
            "at least the derived length");
      }
      const size_t n_key = base.material.size();
      if (n_key != 16 && n_key != 24 && n_key != 32) {
        return InvalidArgument("an AES key is 128, 192 or 256 bits");
      }
      const EVP_CIPHER* cipher = n_key == 16   ? EVP_aes_128_ecb()
                                 : n_key == 24 ? EVP_aes_192_ecb()
                                               : EVP_aes_256_ecb();
      crypto::OsslPtr<EVP_CIPHER_CTX> ctx(EVP_CIPHER_CTX_new());
      crypto::SecretBytes out(info.size());
      int w = 0;
      if (!ctx || EVP_EncryptInit_ex(ctx.get(), cipher, nullptr, key, nullptr) != 1 ||
          EVP_CIPHER_CTX_set_padding(ctx.get(), 0) != 1 ||
          EVP_EncryptUpdate(ctx.get(), out.data(), &w, info.data(),
                            static_cast<int>(info.size())) != 1) {
        return Internal("AES derivation failed");
      }
      out.Truncate(n);
      o.material = std::move(out);
      break;
    }
    case kmip::DerivationMethod::kNist800108Counter: {
      // The Derivation Data is the whole fixed input: counter (32 bits) || data, with no
      // separator or length keep would add.
      char mode[] = "counter", mac[] = "HMAC";
      int no = 0;
      KEEP_ASSIGN_OR_RETURN(
          o.material,
          RunKdf("KBKDF",
                 {OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_MODE, mode, 0),
                  OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_MAC, mac, 0),
                  OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
                  OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, key, base.material.size()),
                  OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
                                                    const_cast<uint8_t*>(info.data()), info.size()),
                  OSSL_PARAM_construct_int(OSSL_KDF_PARAM_KBKDF_USE_L, &no),
                  OSSL_PARAM_construct_int(OSSL_KDF_PARAM_KBKDF_USE_SEPARATOR, &no)},
                 n));
      break;
    }
    default:
      return NotSupported(
          "keep derives with PBKDF2, HMAC, Encrypt and NIST SP 800-108 counter mode");
  }
  o.has_material = true;
  o.format = kmip::KeyFormat::kRaw;
  if (new_type == ObjectType::kSecretData) o.subtype = 2;  // Seed
  std::vector<Item> link;
  link.push_back(Item::Enumeration(
      tag::kLinkType, static_cast<uint32_t>(kmip::LinkType::kDerivationBaseObjectLink)));
  link.push_back(Item::Text(tag::kLinkedObjectIdentifier, base_uid));
  o.Add("Link", Item::Structure(0, std::move(link)));
  KEEP_RETURN_IF_ERROR(Store(c, o, true));
  c.placeholder = o.uid;
  return UidPayload(o.uid);
}

}  // namespace keep::http::kmip_ops
