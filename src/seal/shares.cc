#include "seal/shares.h"

#include <algorithm>

#include <openssl/evp.h>

#include <boost/json.hpp>
#include <cstring>

#include "common/encoding.h"
#include "common/json_keys.h"
#include "crypto/random.h"

namespace keep::seal {
namespace {

constexpr std::string_view kPrefix = "kshare1-";
constexpr std::string_view kEncPrefix = "kshare1e-";
constexpr std::string_view kLabel = "keep share v1";
constexpr size_t kBodySize = 44;  // before the check
constexpr size_t kShareSize = 48;

Status Bad(std::string msg) {
  return Status(Code::kInvalidArgument, "invalid_share", std::move(msg));
}

void Sha256(std::initializer_list<ByteView> parts, uint8_t out[32]) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  for (ByteView p : parts) EVP_DigestUpdate(ctx, p.data(), p.size());
  unsigned int n = 0;
  EVP_DigestFinal_ex(ctx, out, &n);
  EVP_MD_CTX_free(ctx);
}

ByteView Str(std::string_view s) {
  return ByteView(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

crypto::SecretBytes Binary(ShareKind kind, ByteView set_id, int threshold,
                           const crypto::Share& share) {
  crypto::SecretBytes b(kShareSize);
  uint8_t* p = b.data();
  p[0] = 1;
  p[1] = static_cast<uint8_t>(kind);
  std::memcpy(p + 2, set_id.data(), kSetIdSize);
  p[10] = static_cast<uint8_t>(threshold);
  p[11] = share.x;
  std::memcpy(p + 12, share.y.data(), 32);
  uint8_t check[32];
  Sha256({Str("keep share check v1"), ByteView(p, kBodySize)}, check);
  std::memcpy(p + kBodySize, check, 4);
  return b;
}

Result<DecodedShare> ParseBinary(ByteView b) {
  if (b.size() != kShareSize) {
    return Bad("the share has the wrong length: mistyped or truncated");
  }
  uint8_t check[32];
  Sha256({Str("keep share check v1"), b.subspan(0, kBodySize)}, check);
  if (!crypto::ConstantTimeEquals(ByteView(check, 4), b.subspan(kBodySize, 4))) {
    return Bad("the share is mistyped: its checksum does not match");
  }
  if (b[0] != 1) return Bad("unsupported share version " + std::to_string(b[0]));
  if (b[1] != 1 && b[1] != 2) return Bad("unknown share kind");
  DecodedShare d;
  d.kind = static_cast<ShareKind>(b[1]);
  d.set_id.assign(b.begin() + 2, b.begin() + 10);
  d.threshold = b[10];
  d.share.x = b[11];
  if (d.share.x == 0 || d.threshold == 0 || d.threshold > 255) {
    return Bad("the share is malformed (x or threshold is zero)");
  }
  d.share.y = crypto::SecretBytes::LockedCopyOf(b.subspan(12, 32));
  return d;
}

}  // namespace

crypto::SecretBytes EncodeShare(ShareKind kind, ByteView set_id, int threshold,
                                const crypto::Share& share) {
  crypto::SecretBytes bin = Binary(kind, set_id, threshold, share);
  const std::string b64 = Base64UrlEncode(bin.view());
  crypto::SecretBytes out(kPrefix.size() + b64.size());
  std::memcpy(out.data(), kPrefix.data(), kPrefix.size());
  std::memcpy(out.data() + kPrefix.size(), b64.data(), b64.size());
  // The base64 temporary held the share: wipe it.
  OPENSSL_cleanse(const_cast<char*>(b64.data()), b64.size());
  return out;
}

Result<DecodedShare> DecodeShare(std::string_view text) {
  text = Trim(text);
  if (text.substr(0, kEncPrefix.size()) == kEncPrefix) {
    return Bad(
        "this share is encrypted to a custodian's key: decrypt it first "
        "(keep operator unseal --identity KEY)");
  }
  if (text.substr(0, kPrefix.size()) != kPrefix) {
    return Bad("not a keep share (shares start with \"kshare1-\")");
  }
  text.remove_prefix(kPrefix.size());
  if (text.size() != 64) return Bad("the share has the wrong length: mistyped or truncated");
  auto bin = Base64UrlDecode(text);
  if (!bin.ok()) return Bad("the share is mistyped: it contains characters a share never has");
  crypto::SecretBytes secret = crypto::SecretBytes::CopyOf(*bin);
  OPENSSL_cleanse(bin->data(), bin->size());
  return ParseBinary(secret.view());
}

Bytes ShareVerifier(ByteView set_id, const crypto::Share& share) {
  Bytes out(32);
  const uint8_t x = share.x;
  Sha256({Str("keep share verifier v1"), set_id, ByteView(&x, 1), share.y.view()}, out.data());
  return out;
}

Result<std::string> EncryptShare(const crypto::PublicKey& recipient,
                                 const crypto::SecretBytes& share_text) {
  std::string_view text(reinterpret_cast<const char*>(share_text.data()), share_text.size());
  KEEP_ASSIGN_OR_RETURN(DecodedShare d, DecodeShare(text));
  crypto::SecretBytes bin = Binary(d.kind, d.set_id, d.threshold, d.share);
  KEEP_ASSIGN_OR_RETURN(Bytes sealed, crypto::SealTo(recipient, bin.view(), kLabel));
  return std::string(kEncPrefix) + Base64UrlEncode(sealed);
}

Result<crypto::SecretBytes> DecryptShare(const crypto::PrivateKey& key, std::string_view text) {
  text = Trim(text);
  if (text.substr(0, kEncPrefix.size()) != kEncPrefix) {
    return Bad("not an encrypted keep share (they start with \"kshare1e-\")");
  }
  auto sealed = Base64UrlDecode(text.substr(kEncPrefix.size()));
  if (!sealed.ok()) return Bad("the encrypted share is damaged (not base64url)");
  auto bin = crypto::OpenWith(key, *sealed, kLabel);
  if (!bin.ok()) return Bad("cannot decrypt the share: " + std::string(bin.status().message()));
  KEEP_ASSIGN_OR_RETURN(DecodedShare d, ParseBinary(bin->view()));
  return EncodeShare(d.kind, d.set_id, d.threshold, d.share);
}

Bytes SealRecord::Serialize() const {
  boost::json::array v;
  for (const auto& b : verifiers) v.emplace_back(HexEncode(b));
  boost::json::object o{{"version", 1},
                        {"type", type},
                        {"share_kind", !share_kind                         ? ""
                                       : *share_kind == ShareKind::kUnseal ? "unseal"
                                                                           : "recovery"},
                        {"shares", shares},
                        {"threshold", threshold},
                        {"set_id", HexEncode(set_id)},
                        {"verifiers", std::move(v)},
                        {"wrapped", Base64Encode(wrapped)},
                        {"created", created}};
  const std::string s = boost::json::serialize(o);
  return Bytes(s.begin(), s.end());
}

Result<SealRecord> SealRecord::Parse(ByteView stored) {
  auto bad = [](const std::string& what) {
    return DataLoss("the seal record is malformed: " + what);
  };
  const std::string_view text(reinterpret_cast<const char*>(stored.data()), stored.size());
  if (CheckJsonKeys(text) == JsonKeys::kDuplicate) return bad("a field appears twice");
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec || !v.is_object()) return bad("not a JSON object");
  const auto& o = v.as_object();
  for (const auto& [k, unused] : o) {
    static constexpr std::string_view kFields[] = {"version",   "type",      "share_kind",
                                                   "shares",    "threshold", "set_id",
                                                   "verifiers", "wrapped",   "created"};
    if (std::find(std::begin(kFields), std::end(kFields), std::string_view(k)) ==
        std::end(kFields)) {
      return bad("unknown field '" + std::string(k.substr(0, 40)) + "'");
    }
  }
  auto str = [&](const char* k) -> const boost::json::string* {
    const auto* f = o.if_contains(k);
    return f && f->is_string() ? &f->as_string() : nullptr;
  };
  auto num = [&](const char* k) -> std::optional<int64_t> {
    const auto* f = o.if_contains(k);
    if (!f || !f->is_int64()) return std::nullopt;
    return f->as_int64();
  };
  if (num("version") != 1) return bad("unsupported version");
  SealRecord r;
  const auto *type = str("type"), *kind = str("share_kind"), *set_id = str("set_id"),
             *wrapped = str("wrapped");
  if (!type || !kind || !set_id || !wrapped) return bad("missing fields");
  r.type = std::string(*type);
  if (*kind == "unseal") {
    r.share_kind = ShareKind::kUnseal;
  } else if (*kind == "recovery") {
    r.share_kind = ShareKind::kRecovery;
  } else if (!kind->empty()) {
    return bad("unknown share kind");
  }
  const auto shares = num("shares"), threshold = num("threshold"), created = num("created");
  if (!shares || !threshold || !created) return bad("missing numbers");
  r.shares = static_cast<int>(*shares);
  r.threshold = static_cast<int>(*threshold);
  r.created = *created;
  auto id = HexDecode(std::string_view(*set_id));
  auto w = Base64Decode(std::string_view(*wrapped));
  if (!id.ok() || !w.ok()) return bad("bad encoding");
  r.set_id = std::move(*id);
  r.wrapped = std::move(*w);
  const auto* vs = o.if_contains("verifiers");
  if (!vs || !vs->is_array()) return bad("missing verifiers");
  for (const auto& e : vs->as_array()) {
    if (!e.is_string()) return bad("bad verifier");
    auto b = HexDecode(std::string_view(e.as_string()));
    if (!b.ok() || b->size() != 32) return bad("bad verifier");
    r.verifiers.push_back(std::move(*b));
  }
  if (r.share_kind) {
    if (r.shares < 1 || r.shares > 255 || r.threshold < 1 || r.threshold > r.shares ||
        r.set_id.size() != kSetIdSize || r.verifiers.size() != static_cast<size_t>(r.shares)) {
      return bad("inconsistent share set");
    }
  } else if (r.shares != 0 || r.threshold != 0 || !r.set_id.empty() || !r.verifiers.empty()) {
    return bad("a seal without shares names a share set");  // found by fuzz/shares
  }
  return r;
}

Result<ShareSet> MakeShareSet(const crypto::SecretBytes& root_key, ShareKind kind, int n,
                              int threshold) {
  if (n < 1 || n > 255 || threshold < 1 || threshold > n) {
    return InvalidArgument("shares and threshold must satisfy 1 <= threshold <= shares <= 255");
  }
  KEEP_ASSIGN_OR_RETURN(auto parts, crypto::ShamirSplit(root_key, n, threshold));
  ShareSet set;
  set.record.share_kind = kind;
  set.record.shares = n;
  set.record.threshold = threshold;
  set.record.set_id.resize(kSetIdSize);
  KEEP_RETURN_IF_ERROR(crypto::RandomFill(set.record.set_id));
  for (const auto& p : parts) {
    set.record.verifiers.push_back(ShareVerifier(set.record.set_id, p));
    set.texts.push_back(EncodeShare(kind, set.record.set_id, threshold, p));
  }
  return set;
}

}  // namespace keep::seal
