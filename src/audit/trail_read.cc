// FileTrail::Recent: the newest records of the current trail file, read backwards from
// its end, for GET /v1/sys/audit/records and the console. Reads only what is on disk (a
// separate descriptor; the writer is never blocked).
#include "audit/trail_impl.h"

namespace keep::audit {
namespace {

constexpr size_t kChunk = 64 * 1024;
constexpr uint64_t kMaxScan = 16ull << 20;

bool Matches(const json::object& o, std::string_view field, const std::string& want) {
  if (want.empty()) return true;
  const json::value* v = o.if_contains(field);
  return v != nullptr && v->is_string() && v->as_string() == want;
}

}  // namespace

Result<RecentRecords> FileTrail::Recent(const RecentQuery& q) const {
  RecentRecords out;
  if (q.verify) {
    auto s = impl_->secret ? impl_->secret() : nullptr;
    if (!s) return Unavailable("sealed", "keep is sealed: the trail cannot be verified");
    KEEP_ASSIGN_OR_RETURN(auto k, crypto::SigningKey::FromSeed(s->view().subspan(32, 32)));
    VerifyOptions vo;
    vo.public_key = k.public_key();
    vo.live = true;
    out.verification = VerifyTrail({impl_->opt.path}, vo);
  }
  const int fd = ::open(impl_->opt.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Unavailable("audit_unavailable", "the audit trail cannot be read");
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return Unavailable("audit_unavailable", "the audit trail cannot be read");
  }
  uint64_t end = static_cast<uint64_t>(st.st_size), scanned = 0;
  std::string carry;  // the start of a line whose beginning is in an earlier chunk
  bool first = true;
  std::string buf;
  while (end > 0 && out.lines.size() < q.limit) {
    if (scanned >= kMaxScan) {
      out.truncated_scan = true;
      break;
    }
    const uint64_t n = std::min<uint64_t>(kChunk, end);
    buf.resize(n);
    if (::pread(fd, buf.data(), n, static_cast<off_t>(end - n)) != static_cast<ssize_t>(n)) break;
    end -= n;
    scanned += n;
    buf += carry;
    if (first) {  // a line still being written has no newline yet: not a record
      const size_t nl = buf.rfind('\n');
      buf.resize(nl == std::string::npos ? 0 : nl + 1);
      first = false;
    }
    // Whole lines from the back; what precedes the first newline continues next round.
    size_t stop = buf.size();
    if (!buf.empty() && buf.back() == '\n') --stop;
    for (;;) {
      const size_t nl = stop == 0 ? std::string::npos : buf.rfind('\n', stop - 1);
      if (nl == std::string::npos && end > 0) break;
      const size_t begin = nl == std::string::npos ? 0 : nl + 1;
      const std::string_view line(buf.data() + begin, stop - begin);
      if (!line.empty()) {
        bool lenient = false;
        auto v = ParseRecordLine(line, &lenient);
        if (v.ok() && v->is_object()) {
          const json::object& o = v->as_object();
          const json::value* seq = o.if_contains("seq");
          const bool in_page = q.before_seq == 0 ||
                               (seq && seq->is_uint64() && seq->as_uint64() < q.before_seq) ||
                               (seq && seq->is_int64() && seq->as_int64() >= 0 &&
                                static_cast<uint64_t>(seq->as_int64()) < q.before_seq);
          if (out.last_checkpoint.empty() && Matches(o, "type", "checkpoint")) {
            out.last_checkpoint = std::string(line);
          }
          if (in_page && Matches(o, "operation", q.operation) && Matches(o, "outcome", q.outcome) &&
              Matches(o, "key", q.key) && out.lines.size() < q.limit) {
            out.lines.emplace_back(line);
          }
        }
      }
      if (nl == std::string::npos) break;
      stop = nl;
    }
    carry.assign(buf.data(), stop);
    if (end == 0) break;
  }
  ::close(fd);
  return out;
}

}  // namespace keep::audit
