#include "access/sigv4.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <ctime>
#include <map>

#include "common/encoding.h"
#include "crypto/kdf.h"
#include "crypto/secret_bytes.h"

namespace keep::access {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kTerminator = "aws4_request";

struct Refusal {
  SigV4Error kind;
  std::string message;
};

char Lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string LowerCase(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = Lower(c);
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A header value as SigV4 canonicalizes it: trimmed, inner runs of spaces made one.
std::string CanonicalValue(std::string_view v) {
  v = Trim(v);
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if ((c == ' ' || c == '\t') && !out.empty() && out.back() == ' ') continue;
    out += (c == '\t') ? ' ' : c;
  }
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string UriDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 && HexValue(s[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// The query's pairs, decoded, re-encoded and sorted (key, then value).
std::string CanonicalQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> pairs;
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (part.empty()) continue;
    const size_t eq = part.find('=');
    const std::string_view k = part.substr(0, eq);
    const std::string_view v = eq == std::string_view::npos ? "" : part.substr(eq + 1);
    pairs.emplace_back(PercentEncode(UriDecode(k), false), PercentEncode(UriDecode(v), false));
  }
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (const auto& [k, v] : pairs) {
    if (!out.empty()) out += '&';
    out += k + "=" + v;
  }
  return out;
}

std::string HexSha256(ByteView data) {
  uint8_t digest[crypto::kSha256Size];
  if (!crypto::Sha256(data, digest).ok()) return {};
  return HexEncode(digest);
}

// "20150830T123600Z" → seconds since the epoch; -1 when malformed.
int64_t ParseAmzDate(std::string_view s) {
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') return -1;
  for (size_t i = 0; i < 15; ++i) {
    if (i != 8 && (s[i] < '0' || s[i] > '9')) return -1;
  }
  auto num = [&](size_t at, size_t n) {
    int v = 0;
    for (size_t i = 0; i < n; ++i) v = v * 10 + (s[at + i] - '0');
    return v;
  };
  std::tm tm{};
  tm.tm_year = num(0, 4) - 1900;
  tm.tm_mon = num(4, 2) - 1;
  tm.tm_mday = num(6, 2);
  tm.tm_hour = num(9, 2);
  tm.tm_min = num(11, 2);
  tm.tm_sec = num(13, 2);
  if (tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
      tm.tm_sec > 60) {
    return -1;
  }
  return static_cast<int64_t>(timegm(&tm));
}

// The Authorization header's three components.
struct AuthHeader {
  std::string_view credential, signed_headers, signature;
};

Result<AuthHeader> ParseAuthorization(std::string_view h, Refusal& why) {
  auto fail = [&](SigV4Error k, std::string m) -> Status {
    why = {k, m};
    return Unauthenticated(std::move(m));
  };
  if (h.empty()) return fail(SigV4Error::kMissing, "Missing Authentication Token");
  if (h.substr(0, kAlgorithm.size()) != kAlgorithm ||
      (h.size() > kAlgorithm.size() && h[kAlgorithm.size()] != ' ')) {
    return fail(SigV4Error::kIncomplete,
                "Authorization header requires the AWS4-HMAC-SHA256 algorithm");
  }
  AuthHeader a;
  std::string_view rest = h.substr(kAlgorithm.size());
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    const std::string_view part = Trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    const size_t eq = part.find('=');
    if (eq == std::string_view::npos) {
      return fail(SigV4Error::kIncomplete, "Authorization header component without '='");
    }
    const std::string_view k = part.substr(0, eq), v = part.substr(eq + 1);
    std::string_view* slot = k == "Credential"      ? &a.credential
                             : k == "SignedHeaders" ? &a.signed_headers
                             : k == "Signature"     ? &a.signature
                                                    : nullptr;
    if (slot == nullptr || !slot->empty()) {
      return fail(SigV4Error::kIncomplete, "Authorization header has an unknown or repeated '" +
                                               std::string(k.substr(0, 40)) + "'");
    }
    *slot = v;
  }
  if (a.credential.empty() || a.signed_headers.empty() || a.signature.empty()) {
    return fail(SigV4Error::kIncomplete,
                "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature'");
  }
  return a;
}

}  // namespace

Result<SigV4Claim> DecodeSigV4(const SigV4Request& r, const SigV4Expect& expect, SigV4Error* kind) {
  Refusal why{SigV4Error::kNone, ""};
  auto fail = [&](SigV4Error k, std::string m) -> Status {
    if (kind) *kind = k;
    return Unauthenticated(std::move(m));
  };
  auto parsed = ParseAuthorization(r.authorization, why);
  if (!parsed.ok()) return fail(why.kind, why.message);
  const AuthHeader& a = *parsed;

  // Credential=AKID/DATE/REGION/SERVICE/aws4_request
  std::vector<std::string_view> scope;
  for (std::string_view c = a.credential;;) {
    const size_t slash = c.find('/');
    scope.push_back(c.substr(0, slash));
    if (slash == std::string_view::npos) break;
    c = c.substr(slash + 1);
  }
  if (scope.size() != 5 || scope[0].empty() || scope[0].size() > 128 || scope[1].size() != 8 ||
      scope[4] != kTerminator) {
    return fail(SigV4Error::kIncomplete,
                "Credential should be scoped to a valid region, like AKID/YYYYMMDD/REGION/"
                "SERVICE/aws4_request");
  }
  if (scope[3] != expect.service) {
    return fail(SigV4Error::kInvalid, "Credential should be scoped to correct service: '" +
                                          std::string(expect.service) + "'");
  }
  if (scope[2] != expect.region) {
    return fail(SigV4Error::kInvalid, "Credential should be scoped to a valid region, not '" +
                                          std::string(scope[2].substr(0, 40)) + "'; expected '" +
                                          std::string(expect.region) + "'");
  }
  if (a.signature.size() != 64 || !std::all_of(a.signature.begin(), a.signature.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
      })) {
    return fail(SigV4Error::kIncomplete, "the Signature is not 64 lowercase hex digits");
  }

  // The request's headers by lower-case name; repeated ones joined with ','.
  std::map<std::string, std::string, std::less<>> headers;
  for (const auto& [name, value] : r.headers) {
    std::string& slot = headers[LowerCase(name)];
    if (!slot.empty()) slot += ',';
    slot += CanonicalValue(value);
  }
  if (headers.count("x-amz-security-token")) {
    return fail(SigV4Error::kInvalid,
                "session tokens (X-Amz-Security-Token) are not supported: sign with a keep AWS "
                "access key");
  }

  // SignedHeaders: lower-case names separated by ';', in order, including host and
  // x-amz-date.
  std::string canonical_headers;
  bool host = false, date = false;
  std::string_view prev;
  for (std::string_view names = a.signed_headers;;) {
    const size_t semi = names.find(';');
    const std::string_view n = names.substr(0, semi);
    if (n.empty() || LowerCase(n) != n || (!prev.empty() && !(prev < n))) {
      return fail(SigV4Error::kIncomplete,
                  "SignedHeaders must be lower-case names, sorted, separated by ';'");
    }
    auto it = headers.find(n);
    if (it == headers.end()) {
      return fail(SigV4Error::kInvalid,
                  "the signed header '" + std::string(n.substr(0, 60)) + "' is not in the request");
    }
    canonical_headers += std::string(n) + ":" + it->second + "\n";
    host = host || n == "host";
    date = date || n == "x-amz-date";
    prev = n;
    if (semi == std::string_view::npos) break;
    names = names.substr(semi + 1);
  }
  if (!host || !date) {
    return fail(SigV4Error::kIncomplete, "the signed headers must include host and x-amz-date");
  }

  const std::string& amz_date = headers.find("x-amz-date")->second;
  const int64_t t = ParseAmzDate(amz_date);
  if (t < 0) return fail(SigV4Error::kIncomplete, "X-Amz-Date must be YYYYMMDDTHHMMSSZ");
  if (amz_date.compare(0, 8, scope[1]) != 0) {
    return fail(SigV4Error::kInvalid, "the Credential's date is not the date of X-Amz-Date");
  }
  if (t < expect.now_unix - expect.max_skew_seconds) {
    return fail(SigV4Error::kInvalid, "Signature expired: " + amz_date +
                                          " is now earlier than the server's time minus " +
                                          std::to_string(expect.max_skew_seconds / 60) + " min.");
  }
  if (t > expect.now_unix + expect.max_skew_seconds) {
    return fail(SigV4Error::kInvalid, "Signature not yet current: " + amz_date +
                                          " is still later than the server's time plus " +
                                          std::to_string(expect.max_skew_seconds / 60) + " min.");
  }

  const std::string body_hash = HexSha256(r.body);
  if (auto it = headers.find("x-amz-content-sha256");
      it != headers.end() && it->second != "UNSIGNED-PAYLOAD" && it->second != body_hash) {
    return fail(SigV4Error::kInvalid, "x-amz-content-sha256 is not the SHA-256 of the body");
  }

  std::string canonical;
  canonical.reserve(256 + canonical_headers.size());
  canonical += r.method;
  canonical += '\n';
  canonical += r.path.empty() ? std::string("/") : PercentEncode(r.path, true);
  canonical += '\n';
  canonical += CanonicalQuery(r.query);
  canonical += '\n';
  canonical += canonical_headers;
  canonical += '\n';
  canonical += a.signed_headers;
  canonical += '\n';
  canonical += body_hash;

  SigV4Claim c;
  c.access_key_id = std::string(scope[0]);
  c.date = std::string(scope[1]);
  c.region = std::string(scope[2]);
  c.service = std::string(scope[3]);
  c.signature = std::string(a.signature);
  c.string_to_sign = std::string(kAlgorithm) + "\n" + amz_date + "\n" + c.date + "/" + c.region +
                     "/" + c.service + "/" + std::string(kTerminator) + "\n" +
                     HexSha256(AsBytes(canonical));
  if (kind) *kind = SigV4Error::kNone;
  return c;
}

Result<std::string> SigV4AccessKeyId(std::string_view authorization, SigV4Error* kind) {
  Refusal why{SigV4Error::kNone, ""};
  auto parsed = ParseAuthorization(authorization, why);
  if (!parsed.ok()) {
    if (kind) *kind = why.kind;
    return parsed.status();
  }
  const std::string_view id = parsed->credential.substr(0, parsed->credential.find('/'));
  if (id.empty() || id.size() > 128) {
    if (kind) *kind = SigV4Error::kIncomplete;
    return Unauthenticated("the Credential has no access key id");
  }
  if (kind) *kind = SigV4Error::kNone;
  return std::string(id);
}

Result<crypto::SecretBytes> SigV4SigningKey(ByteView secret, std::string_view date,
                                            std::string_view region, std::string_view service) {
  crypto::SecretBytes k = crypto::SecretBytes::Locked(4 + secret.size());
  std::copy_n("AWS4", 4, k.data());
  std::copy(secret.begin(), secret.end(), k.data() + 4);
  uint8_t a[crypto::kSha256Size];
  crypto::SecretBytes out = crypto::SecretBytes::Locked(crypto::kSha256Size);
  Status st = crypto::HmacSha256(k.view(), AsBytes(date), out.mutable_view());
  st = st.ok() ? crypto::HmacSha256(out.view(), AsBytes(region), a) : st;
  st = st.ok() ? crypto::HmacSha256(a, AsBytes(service), out.mutable_view()) : st;
  st = st.ok() ? crypto::HmacSha256(out.view(), AsBytes(kTerminator), a) : st;
  if (st.ok()) std::copy(a, a + sizeof a, out.data());
  OPENSSL_cleanse(a, sizeof a);
  KEEP_RETURN_IF_ERROR(st);
  return out;
}

Result<std::string> SignSigV4(ByteView secret, std::string_view date, std::string_view region,
                              std::string_view service, std::string_view string_to_sign) {
  KEEP_ASSIGN_OR_RETURN(const crypto::SecretBytes key,
                        SigV4SigningKey(secret, date, region, service));
  uint8_t sig[crypto::kSha256Size];
  KEEP_RETURN_IF_ERROR(crypto::HmacSha256(key.view(), AsBytes(string_to_sign), sig));
  return HexEncode(sig);
}

Status VerifySigV4With(const SigV4Claim& claim, ByteView signing_key) {
  uint8_t sig[crypto::kSha256Size];
  KEEP_RETURN_IF_ERROR(crypto::HmacSha256(signing_key, AsBytes(claim.string_to_sign), sig));
  const std::string expected = HexEncode(sig);
  if (expected.size() != claim.signature.size() ||
      CRYPTO_memcmp(expected.data(), claim.signature.data(), expected.size()) != 0) {
    return Unauthenticated(
        "The request signature we calculated does not match the signature you provided. Check "
        "your AWS Secret Access Key and signing method.");
  }
  return Status::Ok();
}

Status VerifySigV4(const SigV4Claim& claim, ByteView secret) {
  KEEP_ASSIGN_OR_RETURN(const crypto::SecretBytes key,
                        SigV4SigningKey(secret, claim.date, claim.region, claim.service));
  return VerifySigV4With(claim, key.view());
}

}  // namespace keep::access
