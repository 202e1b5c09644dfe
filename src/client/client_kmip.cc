// libkeep: KMIP managed objects as operators see them (docs/api.md, "KMIP objects").
#include "client/codec.h"
#include "keep/client.h"

namespace keep {
namespace {

using client::Answer;

KmipObjectInfo ReadKmipObject(Answer& a) {
  KmipObjectInfo k;
  k.uid = a.Str("uid");
  k.type = a.Str("type");
  k.group = a.Str("group");
  k.owner = a.OptStr("owner");
  k.state = a.Str("state");
  k.names = a.Strings("names");
  if (a.Has("attributes")) {
    for (Answer& at : a.Objects("attributes")) {
      k.attributes.emplace_back(at.Str("name"), at.Str("value"));
    }
  }
  return k;
}

// A UID as a path segment: printable, no '/', '?', '%' or '#'.
Status CheckKmipUid(std::string_view uid) {
  bool ok = !uid.empty() && uid.size() <= 64;
  for (char c : uid)
    ok = ok && c > 0x20 && c < 0x7f && c != '/' && c != '?' && c != '%' && c != '#';
  return ok ? Status::Ok() : InvalidArgument("a KMIP UID is 1-64 printable characters");
}
}  // namespace

Result<std::vector<KmipObjectInfo>> Client::ListKmipObjects(std::string_view after, int limit,
                                                            std::string* next, CallOptions o) {
  std::string target = "/v1/kmip/objects?limit=" + std::to_string(limit > 0 ? limit : 100);
  if (!after.empty()) {
    KEEP_RETURN_IF_ERROR(CheckKmipUid(after));
    target += "&after=" + std::string(after);
  }
  KEEP_ASSIGN_OR_RETURN(auto r, Call("GET", target, "", true, o));
  KEEP_ASSIGN_OR_RETURN(Answer a, Answer::Parse(r, "kmip list"));
  std::vector<KmipObjectInfo> out;
  for (Answer& k : a.Objects("objects")) out.push_back(ReadKmipObject(k));
  if (next != nullptr) *next = a.OptStr("next");
  KEEP_RETURN_IF_ERROR(a.status());
  return out;
}

Result<KmipObjectInfo> Client::GetKmipObject(std::string_view uid, CallOptions o) {
  KEEP_RETURN_IF_ERROR(CheckKmipUid(uid));
  KEEP_ASSIGN_OR_RETURN(auto r, Call("GET", "/v1/kmip/objects/" + std::string(uid), "", true, o));
  KEEP_ASSIGN_OR_RETURN(Answer a, Answer::Parse(r, "kmip show"));
  KmipObjectInfo k = ReadKmipObject(a);
  KEEP_RETURN_IF_ERROR(a.status());
  return k;
}

}  // namespace keep
