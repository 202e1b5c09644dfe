#include "peer/peer_links.h"

#include <boost/json.hpp>
#include <map>
#include <set>

#include "common/encoding.h"
#include "keep/client.h"

namespace keep::peer {
namespace {

namespace json = boost::json;

class HttpsPeerLinks final : public service::PeerLinks {
 public:
  struct Link {
    PeerConfig config;
    std::unique_ptr<Client> client;
  };
  explicit HttpsPeerLinks(std::map<std::string, Link, std::less<>> links)
      : links_(std::move(links)) {}

  bool Known(std::string_view peer) const override { return links_.contains(peer); }

  std::string PeerOf(std::string_view identity_id) const override {
    for (const auto& [name, link] : links_) {
      if (link.config.identity == identity_id) return name;
    }
    return "";
  }

  Result<service::KeygenReveal> KeygenCommit(std::string_view peer,
                                             const service::KeygenOffer& offer) override {
    const std::string body =
        json::serialize(json::object{{"id", HexEncode(offer.id)},
                                     {"version", offer.version},
                                     {"session", offer.session},
                                     {"commitment", Base64Encode(offer.commitment)}});
    KEEP_ASSIGN_OR_RETURN(json::object o,
                          Ask(peer, "/v1/peer/keys/" + offer.key + "/keygen/commit", body));
    service::KeygenReveal r;
    KEEP_ASSIGN_OR_RETURN(r.x_public, Field(peer, o, "public", 65));
    KEEP_ASSIGN_OR_RETURN(r.proof.r, Field(peer, o, "proof_r", 65));
    KEEP_ASSIGN_OR_RETURN(r.proof.s, Field(peer, o, "proof_s", 32));
    return r;
  }

  Result<Bytes> KeygenFinish(std::string_view peer, std::string_view key, std::string_view session,
                             const service::KeygenReveal& reveal) override {
    const std::string body =
        json::serialize(json::object{{"session", session},
                                     {"public", Base64Encode(reveal.x_public)},
                                     {"proof_r", Base64Encode(reveal.proof.r)},
                                     {"proof_s", Base64Encode(reveal.proof.s)}});
    KEEP_ASSIGN_OR_RETURN(json::object o,
                          Ask(peer, "/v1/peer/keys/" + std::string(key) + "/keygen/finish", body));
    return Field(peer, o, "joint", 65);
  }

  Result<service::PartialAnswer> Partial(std::string_view peer,
                                         const service::PartialRequest& req) override {
    const std::string body = json::serialize(json::object{{"id", HexEncode(req.id)},
                                                          {"version", req.version},
                                                          {"enc", Base64Encode(req.enc)},
                                                          {"request_id", req.request_id}});
    KEEP_ASSIGN_OR_RETURN(json::object o, Ask(peer, "/v1/peer/keys/" + req.key + "/partial", body));
    service::PartialAnswer a;
    KEEP_ASSIGN_OR_RETURN(a.partial, Field(peer, o, "partial", 65));
    KEEP_ASSIGN_OR_RETURN(a.proof.r1, Field(peer, o, "proof_r1", 65));
    KEEP_ASSIGN_OR_RETURN(a.proof.r2, Field(peer, o, "proof_r2", 65));
    KEEP_ASSIGN_OR_RETURN(a.proof.s, Field(peer, o, "proof_s", 32));
    return a;
  }

 private:
  static Status Malformed(std::string_view peer, std::string_view what) {
    return Status(
        Code::kUnavailable, "peer_misbehaved",
        "peer '" + std::string(peer) + "' answered malformed JSON (" + std::string(what) + ")");
  }

  static Result<Bytes> Field(std::string_view peer, const json::object& o, std::string_view name,
                             size_t size) {
    const json::value* v = o.if_contains(name);
    if (!v || !v->is_string()) return Malformed(peer, name);
    auto b = Base64Decode(std::string_view(v->as_string()));
    if (!b.ok() || b->size() != size) return Malformed(peer, name);
    return std::move(b).value();
  }

  // One POST to the peer; its JSON answer, or the Status that says whose fault it is.
  Result<json::object> Ask(std::string_view peer, const std::string& target,
                           const std::string& body) const {
    auto it = links_.find(peer);
    if (it == links_.end()) {
      return Status(Code::kUnavailable, "peer_unavailable",
                    "no peer named '" + std::string(peer) + "' is configured ([[peers]])");
    }
    auto r = it->second.client->Send("POST", target, body);
    if (!r.ok()) {
      return Status(Code::kUnavailable, "peer_unavailable",
                    "peer '" + std::string(peer) + "' (" + it->second.config.address +
                        ") could not be reached: " + r.status().message());
    }
    json::error_code ec;
    json::value v = json::parse(std::string_view(r->body.data(), r->body.size()), ec);
    if (r->status != 200) {
      std::string why = "HTTP " + std::to_string(r->status);
      if (!ec && v.is_object()) {
        if (const auto* e = v.as_object().if_contains("error"); e && e->is_object()) {
          const auto* c = e->as_object().if_contains("code");
          const auto* m = e->as_object().if_contains("message");
          if (c && c->is_string()) why = std::string(c->as_string());
          if (m && m->is_string()) why += ": " + std::string(m->as_string());
        }
      }
      return Status(
          Code::kUnavailable, "peer_refused",
          "peer '" + std::string(peer) + "' refused (request " + r->request_id + "): " + why);
    }
    if (ec || !v.is_object()) return Malformed(peer, "not an object");
    return std::move(v.as_object());
  }

  std::map<std::string, Link, std::less<>> links_;
};

}  // namespace

Result<std::shared_ptr<service::PeerLinks>> MakePeerLinks(const std::vector<PeerConfig>& peers) {
  std::map<std::string, HttpsPeerLinks::Link, std::less<>> links;
  std::set<std::string> identities;
  for (const auto& p : peers) {
    if (links.contains(p.name)) return InvalidArgument("peers: two entries named '" + p.name + "'");
    if (!identities.insert(p.identity).second) {
      return InvalidArgument("peers: two entries with identity '" + p.identity + "'");
    }
    ClientOptions o;
    o.address = p.address;
    o.ca_cert_file = p.ca_file;
    o.client_cert_file = p.client_cert_file;
    o.client_key_file = p.client_key_file;
    o.timeout_ms = p.timeout_ms;
    // Not retried: a retry would count twice against the peer's decrypt budget.
    o.max_attempts = 1;
    // Every decryption in flight holds a connection to the peer: keep enough of them open
    // that a busy node does not pay a TLS handshake per request.
    o.max_connections = 64;
    auto c = Client::Create(o);
    if (!c.ok()) {
      return InvalidArgument("peers '" + p.name + "': " + c.status().message());
    }
    links.emplace(p.name, HttpsPeerLinks::Link{p, std::move(c).value()});
  }
  return std::shared_ptr<service::PeerLinks>(std::make_shared<HttpsPeerLinks>(std::move(links)));
}

}  // namespace keep::peer
