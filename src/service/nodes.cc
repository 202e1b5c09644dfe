#include "service/nodes.h"

#include <boost/json.hpp>

namespace keep::service {
namespace json = boost::json;

Bytes EncodeNode(const NodeInfo& n) {
  const std::string s = json::serialize(json::object{
      {"id", n.id},
      {"version", n.version},
      {"address", n.address},
      {"started_ms", n.started_ms},
      {"seen_ms", n.seen_ms},
      {"sealed", n.sealed},
      {"feed_connected", n.feed_connected},
      {"lag_ms", n.lag_ms},
  });
  return Bytes(s.begin(), s.end());
}

Result<NodeInfo> DecodeNode(ByteView record) {
  json::error_code ec;
  json::value v = json::parse(
      std::string_view(reinterpret_cast<const char*>(record.data()), record.size()), ec);
  if (ec || !v.is_object()) return InvalidArgument("node record: not a JSON object");
  const json::object& o = v.as_object();
  NodeInfo n;
  auto str = [&](const char* k, std::string* out) -> Status {
    const json::value* f = o.if_contains(k);
    if (!f || !f->is_string()) return InvalidArgument(std::string("node record: ") + k);
    *out = std::string(f->as_string());
    return Status::Ok();
  };
  auto num = [&](const char* k, int64_t* out) -> Status {
    const json::value* f = o.if_contains(k);
    if (!f || !f->is_int64()) return InvalidArgument(std::string("node record: ") + k);
    *out = f->as_int64();
    return Status::Ok();
  };
  auto flag = [&](const char* k, bool* out) -> Status {
    const json::value* f = o.if_contains(k);
    if (!f || !f->is_bool()) return InvalidArgument(std::string("node record: ") + k);
    *out = f->as_bool();
    return Status::Ok();
  };
  KEEP_RETURN_IF_ERROR(str("id", &n.id));
  KEEP_RETURN_IF_ERROR(str("version", &n.version));
  KEEP_RETURN_IF_ERROR(str("address", &n.address));
  KEEP_RETURN_IF_ERROR(num("started_ms", &n.started_ms));
  KEEP_RETURN_IF_ERROR(num("seen_ms", &n.seen_ms));
  KEEP_RETURN_IF_ERROR(flag("sealed", &n.sealed));
  KEEP_RETURN_IF_ERROR(flag("feed_connected", &n.feed_connected));
  KEEP_RETURN_IF_ERROR(num("lag_ms", &n.lag_ms));
  return n;
}

}  // namespace keep::service
