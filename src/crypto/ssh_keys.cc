// OpenSSH keys (crypto/ssh_keys.h), from RFC 4251/4253 (wire encoding) and OpenSSH's
// PROTOCOL.key (the openssh-key-v1 container).
#include "crypto/ssh_keys.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "common/encoding.h"
#include "keep/secret_string.h"

namespace keep::crypto::ssh {
namespace {

constexpr std::string_view kOpensshBegin = "-----BEGIN OPENSSH PRIVATE KEY-----";
constexpr std::string_view kOpensshEnd = "-----END OPENSSH PRIVATE KEY-----";
constexpr std::string_view kMagic("openssh-key-v1\0", 15);
constexpr size_t kMaxKeyFile = 64 * 1024;

Status Usage(std::string what) {
  return Status(Code::kInvalidArgument, "usage", std::move(what));
}

bool Same(ByteView a, ByteView b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

bool Blank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::string_view TrimLeft(std::string_view s) {
  while (!s.empty() && Blank(s.front())) s.remove_prefix(1);
  return s;
}

// A cursor over the SSH wire encoding; every read is bounded by what is left.
class Wire {
 public:
  explicit Wire(ByteView b) : b_(b) {}
  bool U32(uint32_t* v) {
    if (b_.size() < 4) return false;
    *v = (uint32_t{b_[0]} << 24) | (uint32_t{b_[1]} << 16) | (uint32_t{b_[2]} << 8) | b_[3];
    b_ = b_.subspan(4);
    return true;
  }
  bool String(ByteView* s) {
    uint32_t n;
    if (!U32(&n) || n > b_.size()) return false;
    *s = b_.first(n);
    b_ = b_.subspan(n);
    return true;
  }
  bool Text(std::string_view* s) {
    ByteView b;
    if (!String(&b)) return false;
    *s = std::string_view(reinterpret_cast<const char*>(b.data()), b.size());
    return true;
  }
  // A positive mpint, returned without its sign byte; refuses negative and non-minimal ones.
  bool Mpint(ByteView* v) {
    ByteView b;
    if (!String(&b) || b.empty() || (b[0] & 0x80) != 0) return false;
    if (b[0] == 0) {
      if (b.size() == 1 || (b[1] & 0x80) == 0) return false;
      b = b.subspan(1);
    }
    *v = b;
    return true;
  }
  bool empty() const { return b_.empty(); }
  ByteView rest() const { return b_; }

 private:
  ByteView b_;
};

void PutString(Bytes& out, ByteView s) {
  const auto n = static_cast<uint32_t>(s.size());
  for (int sh = 24; sh >= 0; sh -= 8) out.push_back(static_cast<uint8_t>(n >> sh));
  out.insert(out.end(), s.begin(), s.end());
}

void PutMpint(Bytes& out, ByteView magnitude) {
  while (!magnitude.empty() && magnitude[0] == 0) magnitude = magnitude.subspan(1);
  Bytes v;
  if (!magnitude.empty() && (magnitude[0] & 0x80) != 0) v.push_back(0);
  v.insert(v.end(), magnitude.begin(), magnitude.end());
  PutString(out, v);
}

struct BnFree {
  void operator()(BIGNUM* b) const { BN_clear_free(b); }
};
using Bn = std::unique_ptr<BIGNUM, BnFree>;

Bn ToBn(ByteView v, bool secret) {
  Bn b(secret ? BN_secure_new() : BN_new());
  if (b && BN_bin2bn(v.data(), static_cast<int>(v.size()), b.get()) == nullptr) b.reset();
  return b;
}

// True when the Ed25519 `seed` has the public key `pub`.
bool SeedMakes(ByteView seed, ByteView pub) {
  OsslPtr<EVP_PKEY> k(
      EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size()));
  uint8_t derived[32];
  size_t n = sizeof derived;
  if (!k || EVP_PKEY_get_raw_public_key(k.get(), derived, &n) != 1 || n != 32) {
    DrainOpenSslErrors("ed25519 public");
    return false;
  }
  return Same(ByteView(derived, 32), pub);
}

struct RsaSecret {
  ByteView d, p, q;
};

// An RSA key from its numbers; with `priv`, a key pair that must pass the pairwise check.
Result<std::shared_ptr<EVP_PKEY>> RsaFromParts(ByteView n, ByteView e, const RsaSecret* priv) {
  const auto fail = [](std::string_view where) {
    DrainOpenSslErrors(where);
    return Usage("the RSA key is not valid");
  };
  std::unique_ptr<OSSL_PARAM_BLD, decltype(&OSSL_PARAM_BLD_free)> bld(OSSL_PARAM_BLD_new(),
                                                                      OSSL_PARAM_BLD_free);
  Bn bn_n = ToBn(n, false), bn_e = ToBn(e, false);
  Bn d, p, q, dp, dq, qinv;
  if (!bld || !bn_n || !bn_e ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get())) {
    return fail("rsa params");
  }
  if (priv != nullptr) {
    d = ToBn(priv->d, true), p = ToBn(priv->p, true), q = ToBn(priv->q, true);
    dp.reset(BN_secure_new()), dq.reset(BN_secure_new()), qinv.reset(BN_secure_new());
    Bn pm1(BN_secure_new()), qm1(BN_secure_new());
    std::unique_ptr<BN_CTX, decltype(&BN_CTX_free)> ctx(BN_CTX_secure_new(), BN_CTX_free);
    if (!d || !p || !q || !dp || !dq || !qinv || !pm1 || !qm1 || !ctx ||
        !BN_sub(pm1.get(), p.get(), BN_value_one()) ||
        !BN_sub(qm1.get(), q.get(), BN_value_one()) ||
        !BN_mod(dp.get(), d.get(), pm1.get(), ctx.get()) ||
        !BN_mod(dq.get(), d.get(), qm1.get(), ctx.get()) ||
        BN_mod_inverse(qinv.get(), q.get(), p.get(), ctx.get()) == nullptr ||
        !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_D, d.get()) ||
        !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_FACTOR1, p.get()) ||
        !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_FACTOR2, q.get()) ||
        !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_EXPONENT1, dp.get()) ||
        !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_EXPONENT2, dq.get()) ||
        !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_COEFFICIENT1, qinv.get())) {
      return fail("rsa private params");
    }
  }
  std::unique_ptr<OSSL_PARAM, decltype(&OSSL_PARAM_free)> params(OSSL_PARAM_BLD_to_param(bld.get()),
                                                                 OSSL_PARAM_free);
  OsslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
                        params.get()) != 1) {
    return fail("rsa fromdata");
  }
  std::shared_ptr<EVP_PKEY> key(raw, EVP_PKEY_free);
  if (priv != nullptr) {
    OsslPtr<EVP_PKEY_CTX> check(EVP_PKEY_CTX_new_from_pkey(nullptr, raw, nullptr));
    if (!check || EVP_PKEY_pairwise_check(check.get()) != 1) {
      DrainOpenSslErrors("rsa pairwise check");
      return Usage("the RSA private key is inconsistent (corrupt)");
    }
  }
  return key;
}

// The public key in `wire`, which must be of `type` ("ssh-ed25519" or "ssh-rsa").
Result<SshPublicKey> FromWire(ByteView wire) {
  Wire w(wire);
  std::string_view type;
  if (!w.Text(&type)) return Usage("the SSH public key is truncated");
  SshPublicKey out;
  out.wire.assign(wire.begin(), wire.end());
  if (type == "ssh-ed25519") {
    ByteView pub;
    if (!w.String(&pub) || pub.size() != 32 || !w.empty()) {
      return Usage("the ssh-ed25519 key is not 32 bytes");
    }
    KEEP_RETURN_IF_ERROR(Ed25519PublicToX25519(pub).status());
    out.type = SshKeyType::kEd25519;
    std::memcpy(out.ed25519.data(), pub.data(), 32);
    return out;
  }
  if (type == "ssh-rsa") {
    ByteView e, n;
    if (!w.Mpint(&e) || !w.Mpint(&n) || !w.empty()) return Usage("the ssh-rsa key is malformed");
    KEEP_ASSIGN_OR_RETURN(auto key, RsaFromParts(n, e, nullptr));
    auto pub = PublicFromKey(std::move(key));
    if (!pub.ok()) return Usage("ssh-rsa: " + pub.status().message());
    out.type = SshKeyType::kRsa;
    out.rsa = std::move(*pub);
    return out;
  }
  return Usage("SSH key type " + std::string(type.substr(0, 40)) +
               " is not supported: use ssh-ed25519 or ssh-rsa");
}

Result<SshPrivateKey> ParseOpenssh(std::string_view text) {
  const size_t end = text.find(kOpensshEnd);
  if (end == std::string_view::npos) return Usage("the OpenSSH private key has no END line");
  if (!TrimLeft(text.substr(end + kOpensshEnd.size())).empty()) {
    return Usage("text after the OpenSSH private key's END line");
  }
  SecretString b64;
  for (char c : text.substr(kOpensshBegin.size(), end - kOpensshBegin.size())) {
    if (!Blank(c)) b64 += c;
  }
  SecretBytes blob(Base64DecodedSizeBound(b64));
  auto len = Base64DecodeInto(b64, blob.data(), blob.size());
  if (!len.ok()) return Usage("the OpenSSH private key is not valid base64");
  blob.Truncate(*len);

  std::string_view cipher, kdf;
  ByteView kdf_options, pub_wire, priv;
  uint32_t nkeys = 0;
  if (blob.size() < kMagic.size() || std::memcmp(blob.data(), kMagic.data(), kMagic.size()) != 0) {
    return Usage("not an openssh-key-v1 private key");
  }
  Wire w(blob.view().subspan(kMagic.size()));
  if (!w.Text(&cipher) || !w.Text(&kdf) || !w.String(&kdf_options) || !w.U32(&nkeys)) {
    return Usage("the OpenSSH private key is truncated");
  }
  if (cipher != "none" || kdf != "none") {
    return Usage(
        "this SSH private key is protected by a passphrase, which keep does not "
        "open: use age -d -i with it, or an age identity");
  }
  if (!kdf_options.empty() || nkeys != 1) return Usage("the OpenSSH private key must hold one key");
  if (!w.String(&pub_wire) || !w.String(&priv) || !w.empty()) {
    return Usage("the OpenSSH private key is truncated");
  }
  KEEP_ASSIGN_OR_RETURN(SshPublicKey pub, FromWire(pub_wire));

  Wire p(priv);
  uint32_t check1 = 0, check2 = 0;
  std::string_view type;
  if (priv.size() % 8 != 0 || !p.U32(&check1) || !p.U32(&check2) || !p.Text(&type)) {
    return Usage("the OpenSSH private section is malformed");
  }
  if (check1 != check2) return Usage("the OpenSSH private key is corrupt (check words differ)");
  SshPrivateKey out;
  if (type == "ssh-ed25519" && pub.type == SshKeyType::kEd25519) {
    ByteView pk, sk;
    if (!p.String(&pk) || !p.String(&sk) || sk.size() != 64 || !Same(pk, pub.ed25519) ||
        !Same(sk.subspan(32), pub.ed25519)) {
      return Usage("the ssh-ed25519 private key does not match its public key");
    }
    out.ed25519_seed = SecretBytes::LockedCopyOf(sk.first(32));
    if (!SeedMakes(out.ed25519_seed.view(), pub.ed25519)) {
      return Usage("the ssh-ed25519 private key is corrupt (its seed is not its public key's)");
    }
  } else if (type == "ssh-rsa" && pub.type == SshKeyType::kRsa) {
    ByteView n, e, d, iqmp, pp, q;
    if (!p.Mpint(&n) || !p.Mpint(&e) || !p.Mpint(&d) || !p.Mpint(&iqmp) || !p.Mpint(&pp) ||
        !p.Mpint(&q)) {
      return Usage("the ssh-rsa private key is malformed");
    }
    Bytes inner;
    PutString(inner, AsBytes(std::string_view("ssh-rsa")));
    PutMpint(inner, e);
    PutMpint(inner, n);
    if (inner != pub.wire) return Usage("the ssh-rsa private key does not match its public key");
    const RsaSecret secret{d, pp, q};
    KEEP_ASSIGN_OR_RETURN(auto key, RsaFromParts(n, e, &secret));
    auto priv_key = PrivateFromKey(std::move(key));
    if (!priv_key.ok()) return Usage("ssh-rsa: " + priv_key.status().message());
    out.rsa = std::move(*priv_key);
  } else {
    return Usage("the OpenSSH private key's type does not match its public key");
  }
  ByteView comment;
  if (!p.String(&comment)) return Usage("the OpenSSH private section is truncated");
  const ByteView pad = p.rest();
  for (size_t i = 0; i < pad.size(); ++i) {
    if (pad[i] != static_cast<uint8_t>(i + 1))
      return Usage("the OpenSSH private key's padding is wrong");
  }
  out.public_key = std::move(pub);
  return out;
}

}  // namespace

Result<SshPublicKey> ParseSshPublicKey(std::string_view line) {
  line = TrimLeft(line);
  const size_t sp = line.find_first_of(" \t");
  if (sp == std::string_view::npos) return Usage("an SSH public key is \"TYPE BASE64 [comment]\"");
  const std::string_view type = line.substr(0, sp);
  std::string_view rest = TrimLeft(line.substr(sp));
  const std::string_view b64 = rest.substr(0, rest.find_first_of(" \t\r\n"));
  if (type != "ssh-ed25519" && type != "ssh-rsa") {
    return Usage("SSH key type " + std::string(type.substr(0, 40)) +
                 " is not supported: use ssh-ed25519 or ssh-rsa");
  }
  auto wire = Base64Decode(b64);
  if (!wire.ok()) return Usage("the SSH public key is not valid base64");
  Wire w(*wire);
  std::string_view inner;
  if (!w.Text(&inner) || inner != type) {
    return Usage("the SSH public key's type does not match its " + std::string(type) + " prefix");
  }
  return FromWire(*wire);
}

bool LooksLikePemPrivateKey(std::string_view text) {
  text = TrimLeft(text);
  if (text.rfind("-----BEGIN ", 0) != 0) return false;
  const std::string_view first = text.substr(0, text.find('\n'));
  return first.find("PRIVATE KEY-----") != std::string_view::npos;
}

Result<SshPrivateKey> ParseSshPrivateKey(std::string_view text) {
  if (text.size() > kMaxKeyFile) return Usage("the private key file is too large");
  text = TrimLeft(text);
  if (text.rfind(kOpensshBegin, 0) == 0) return ParseOpenssh(text);
  if (!LooksLikePemPrivateKey(text)) return Usage("not an SSH or PEM private key");
  if (text.find("ENCRYPTED") != std::string_view::npos) {
    return Usage(
        "this private key is protected by a passphrase, which keep does not open "
        "for age files: use age -d -i with it");
  }
  auto key = ParsePrivateKeyPem(text);
  if (!key.ok()) return Usage(key.status().message());
  if (key->type() != KeyType::kRsa) {
    return Usage("a PEM identity for an age file must be an RSA key (ssh-rsa)");
  }
  SshPrivateKey out;
  out.public_key.type = SshKeyType::kRsa;
  KEEP_ASSIGN_OR_RETURN(out.public_key.wire, SshRsaWire(key->public_key()));
  out.public_key.rsa = key->public_key();
  out.rsa = std::move(*key);
  return out;
}

Result<Bytes> SshRsaWire(const PublicKey& key) {
  BIGNUM* raw_n = nullptr;
  BIGNUM* raw_e = nullptr;
  EVP_PKEY_get_bn_param(key.get(), OSSL_PKEY_PARAM_RSA_N, &raw_n);
  EVP_PKEY_get_bn_param(key.get(), OSSL_PKEY_PARAM_RSA_E, &raw_e);
  Bn n(raw_n), e(raw_e);
  if (!n || !e) {
    DrainOpenSslErrors("rsa n/e");
    return Usage("not an RSA key");
  }
  Bytes nb(static_cast<size_t>(BN_num_bytes(n.get()))),
      eb(static_cast<size_t>(BN_num_bytes(e.get())));
  BN_bn2bin(n.get(), nb.data());
  BN_bn2bin(e.get(), eb.data());
  Bytes out;
  PutString(out, AsBytes(std::string_view("ssh-rsa")));
  PutMpint(out, eb);
  PutMpint(out, nb);
  return out;
}

}  // namespace keep::crypto::ssh
