#include "http/api.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include <openssl/crypto.h>

#include "common/encoding.h"
#include "common/log.h"
#include "common/time.h"
#include "crypto/random.h"
#include "http/api_internal.h"

namespace keep::http {

Api::Api(service::Service& service, audit::Sink& audit, ApiOptions options)
    : service_(service),
      options_(std::move(options)),
      audit_(audit),
      gate_(service.directory(), service.custody(), audit,
            {options_.guard, options_.rate_limits, options_.lockdown}),
      aws_(
          service, gate_, options_.aws, [this] { return NextRequestId(); }, options_.async_audit) {
  uint8_t rnd[4];
  if (!crypto::RandomFill(rnd).ok()) rnd[0] = rnd[1] = rnd[2] = rnd[3] = 0;
  id_prefix_ = HexEncode(rnd) + "-";
}

std::string Api::NextRequestId() {
  // "<prefix><counter as 12 hex digits>", formatted by hand (snprintf was 4 % of a request).
  static constexpr char kHex[] = "0123456789abcdef";
  uint64_t n = counter_.fetch_add(1, std::memory_order_relaxed);
  size_t digits = 12;  // at least, as %012llx
  for (uint64_t m = n >> 48; m != 0; m >>= 4) ++digits;
  std::string id(id_prefix_.size() + digits, '0');
  std::copy(id_prefix_.begin(), id_prefix_.end(), id.begin());
  for (size_t i = id.size(); n != 0; n >>= 4) id[--i] = kHex[n & 15];
  return id;
}

HttpResponse JsonResponse(int status, SecretString body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

HttpResponse Api::Handle(HttpRequest& req) {
  if (AwsDoor::Claims(req)) {  // the AWS KMS door: its own protocol, the same Gate
    HttpResponse resp = aws_.Handle(req);
    status_counts_[std::min(resp.status / 100, 5)].fetch_add(1, std::memory_order_relaxed);
    return resp;
  }
  const std::string_view target = req.target;
  const size_t q = target.find('?');
  Call call(req, NextRequestId());
  const log::RequestScope log_scope(call.request_id);
  call.path = CleanPath(target);
  call.query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
  const RouteMatch m = FindRoute(req.method, call.path);
  call.route = m.route;
  call.param = m.param;
  if (m.route != nullptr && !m.param.empty()) {
    // What the request acts on, in its record even when it is refused.
    const std::string_view name = ParamName(*m.route);
    if (name == "key") call.event.key = std::string(m.param.substr(0, 128));
    if (name == "accessor") call.event.target = "token:" + std::string(m.param.substr(0, 16));
    if (name == "name") call.event.target = "policy:" + std::string(m.param.substr(0, 64));
    if (name == "access_key_id") call.event.target = "aws:" + std::string(m.param.substr(0, 40));
  }
  HttpResponse resp;
  bool audited = true;
  if (m.route == nullptr) {
    // No operation: recorded with the method and path (Finish).
    if (!m.allow.empty()) {
      resp = Err(call, Status(Code::kMethodNotAllowed, "method_not_allowed",
                              "method not allowed; use " + m.allow));
      resp.headers.emplace_back("Allow", m.allow);
    } else {
      resp = Err(call, NotFound("no such route: " + call.path.substr(0, 200)));
    }
  } else {
    const access::OperationSpec& spec = access::Spec(m.route->op);
    audited = spec.audited;
    call.event.operation = std::string(spec.name);
    Status st = Enter(call);
    resp = st.ok() ? Run(call) : Err(call, st);
  }
  if (audited && !call.recorded) resp = Finish(call, std::move(resp));
  if (resp.status == 429 && call.retry_after > 0) {
    resp.headers.emplace_back("Retry-After", std::to_string(call.retry_after));
  }
  resp.headers.emplace_back("X-Request-Id", call.request_id);
  status_counts_[std::min(resp.status / 100, 5)].fetch_add(1, std::memory_order_relaxed);
  return resp;
}

Status Api::Enter(Call& call) {
  const Route& route = *call.route;
  const access::OperationSpec& spec = access::Spec(route.op);
  if (!spec.credentials) return Status::Ok();
  KEEP_RETURN_IF_ERROR(gate_.Authenticate(call, CredentialsOf(call.req)));
  std::string_view key;
  if (route.key == KeyFrom::kPath) {
    key = call.param;
    KEEP_RETURN_IF_ERROR(ValidateKeyName(key));
  }
  if (route.key == KeyFrom::kHandler) return Status::Ok();  // the handler knows the key
  // Batches are charged once their items are counted (Crypto); everything else here.
  return gate_.Authorize(call, route.op, key, spec.batch ? 0 : 1);
}

HttpResponse Api::Run(Call& call) {
  switch (call.route->handler) {
    case Handler::kHealth:
      return Health(call);
    case Handler::kMetrics:
      return Metrics(call);
    case Handler::kConsole:
      return Console(call);
    case Handler::kInit:
      return Init(call);
    case Handler::kUnseal:
      return Unseal(call);
    case Handler::kSeal:
      return Seal(call);
    case Handler::kBackup:
      return Backup(call);
    case Handler::kRotateKeyring:
      return RotateKeyring(call);
    case Handler::kRekeyStatus:
      return RekeyStatus(call);
    case Handler::kNodes:
      return Nodes(call);
    case Handler::kPeerKeygenCommit:
      return PeerKeygenCommit(call);
    case Handler::kPeerKeygenFinish:
      return PeerKeygenFinish(call);
    case Handler::kPeerPartial:
      return PeerPartial(call);
    case Handler::kRekeyCancel:
      return RekeyCancel(call);
    case Handler::kRekeyInit:
      return RekeyInit(call);
    case Handler::kRekeyUpdate:
      return RekeyUpdate(call);
    case Handler::kLockdownList:
      return LockdownList(call);
    case Handler::kLockdownReinstate:
      return LockdownReinstate(call);
    case Handler::kPolicyList:
      return PolicyList(call);
    case Handler::kPolicyRead:
      return PolicyRead(call);
    case Handler::kPolicyWrite:
      return PolicyWrite(call);
    case Handler::kPolicyDelete:
      return PolicyDelete(call);
    case Handler::kAuditHash:
      return AuditHash(call);
    case Handler::kAuditPublicKey:
      return AuditPublicKey(call);
    case Handler::kAuditRecords:
      return AuditRecords(call);
    case Handler::kTokenList:
      return TokenList(call);
    case Handler::kTokenCreate:
      return TokenCreate(call);
    case Handler::kTokenLookup:
      return TokenLookup(call);
    case Handler::kTokenRevoke:
      return TokenRevoke(call);
    case Handler::kAwsKeyList:
      return AwsKeyList(call);
    case Handler::kAwsKeyCreate:
      return AwsKeyCreate(call);
    case Handler::kAwsKeyRevoke:
      return AwsKeyRevoke(call);
    case Handler::kKeasImport:
      return KeasImport(call);
    case Handler::kKeyList:
      return KeyList(call);
    case Handler::kKeyCreate:
      return KeyCreate(call);
    case Handler::kKeyRead:
      return KeyRead(call);
    case Handler::kKeyUpdate:
      return KeyUpdate(call);
    case Handler::kKeyDelete:
      return KeyDelete(call);
    case Handler::kKeyRotate:
      return KeyRotate(call);
    case Handler::kKeyCancelDeletion:
      return KeyCancelDeletion(call);
    case Handler::kEncrypt:
      return Crypto(call, CryptoKind::kEncrypt);
    case Handler::kDecrypt:
    case Handler::kDecryptAny:
      return Crypto(call, CryptoKind::kDecrypt);
    case Handler::kRewrap:
      return Crypto(call, CryptoKind::kRewrap);
    case Handler::kDataKey:
      return Crypto(call, CryptoKind::kDataKey);
    case Handler::kRandom:
      return Random(call);
    case Handler::kPublicKey:
      return PublicKey(call);
    case Handler::kSign:
      return Sign(call);
    case Handler::kVerify:
      return Verify(call);
    case Handler::kHmac:
      return Hmac(call);
    case Handler::kHmacVerify:
      return HmacVerify(call);
    case Handler::kImportParams:
      return ImportParams(call);
    case Handler::kImport:
      return Import(call);
    case Handler::kKmipList:
      return KmipList(call);
    case Handler::kKmipRead:
      return KmipRead(call);
  }
  return Err(call, Internal("unrouted handler"));
}

Result<access::Credentials> Api::CredentialsOf(const HttpRequest& req) {
  access::Credentials creds;
  if (req.authorization) {
    std::string_view h = *req.authorization;
    constexpr std::string_view kBearer = "Bearer ";
    if (h.size() <= kBearer.size() || h.substr(0, kBearer.size()) != kBearer) {
      return Unauthenticated("the Authorization header must be 'Bearer <token>'");
    }
    creds.bearer = h.substr(kBearer.size());
  }
  creds.cert_subject = req.client_cert_subject;
  creds.cert_spki_sha256 = req.client_cert_spki_sha256;
  return creds;
}

HttpResponse Api::Finish(Call& call, HttpResponse response) {
  if (call.event.operation.empty()) {
    // No operation was reached (an unknown route, a refusal before it): the method and
    // path, with a token accessor in the path moved to `target`, where the trail HMACs it.
    const std::string cut = call.path.substr(0, 100);
    const std::string_view path = cut;
    constexpr std::string_view kTokens = "/v1/auth/tokens/";
    std::string shown(path);
    if (path.substr(0, kTokens.size()) == kTokens) {
      const std::string_view rest = path.substr(kTokens.size());
      const std::string_view accessor = rest.substr(0, rest.find('/'));
      if (!accessor.empty() && accessor != "self") {
        if (call.event.target.empty()) call.event.target = "token:" + std::string(accessor);
        shown = std::string(kTokens) + "{accessor}" + std::string(rest.substr(accessor.size()));
      }
    }
    call.event.operation = std::string(call.req.method.substr(0, 10)) + " " + shown;
  }
  return FinishAudited(gate_, call, response.status, std::move(response), options_.async_audit,
                       call.request_id,
                       [&](HttpResponse& r) { return AuditFailed(r, call.request_id); });
}

HttpResponse FinishAudited(access::Gate& gate, access::Passage& p, int status,
                           HttpResponse response, bool async, std::string_view request_id,
                           const std::function<HttpResponse(HttpResponse&)>& failed) {
  if (async) {
    response.audit_ticket = gate.RecordAsync(p, status, response.error_code);
    if (!response.audit_ticket->done() || response.audit_ticket->status().ok()) return response;
  }
  Status s = response.audit_ticket ? response.audit_ticket->status()
                                   : gate.Record(p, status, response.error_code);
  if (!s.ok()) {
    log::Error("audit append failed for {}: {}", request_id, s.ToString());
    return failed(response);
  }
  return response;
}

}  // namespace keep::http
