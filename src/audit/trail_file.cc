// FileTrail: opening the trail file (continuing its chain, cutting a torn last record,
// refusing a file that does not end with a record), the start record, and rotation.
#include "audit/trail.h"

#include "audit/trail_impl.h"

namespace keep::audit {

Status FileTrail::Impl::OpenFile(bool* clean) {
  fd = ::open(opt.path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Unavailable("audit_unavailable",
                       "cannot open the audit trail " + opt.path + ": " + std::strerror(errno));
  }
  struct stat sb;
  if (::fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
    size = 0;
    *clean = true;
    return Status::Ok();  // a pipe or device: nothing to continue
  }
  size = static_cast<uint64_t>(sb.st_size);
  *clean = true;
  if (size == 0) return Status::Ok();
  // Read back the tail to continue the chain.
  const int rfd = ::open(opt.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (rfd < 0) return Unavailable("audit_unavailable", "cannot read the audit trail's tail");
  const uint64_t want = std::min<uint64_t>(size, 1 << 20);
  std::string tail(want, '\0');
  const ssize_t n = ::pread(rfd, tail.data(), want, static_cast<off_t>(size - want));
  ::close(rfd);
  if (n != static_cast<ssize_t>(want)) {
    return Unavailable("audit_unavailable", "cannot read the audit trail's tail");
  }
  if (tail.back() != '\n') {
    const size_t nl = tail.rfind('\n');
    const uint64_t keep = nl == std::string::npos ? size - want : size - want + nl + 1;
    log::Warn("audit: {} ends with a torn record (a crash mid-write); cutting {} bytes", opt.path,
              size - keep);
    if (::ftruncate(fd, static_cast<off_t>(keep)) != 0) {
      return Unavailable("audit_unavailable", "cannot cut a torn record off the audit trail");
    }
    size = keep;
    tail.resize(nl == std::string::npos ? 0 : nl + 1);
    *clean = false;
    if (size == 0) return Status::Ok();
  }
  tail.pop_back();  // the final newline
  const size_t start = tail.rfind('\n');
  const std::string_view last =
      std::string_view(tail).substr(start == std::string::npos ? 0 : start + 1);
  if (start == std::string::npos && want < size) {
    return Unavailable("audit_unavailable", "the audit trail's last record is too long");
  }
  bool invalid_utf8 = false;  // a record from an earlier keepd: still a record
  auto parsed = ParseRecordLine(last, &invalid_utf8);
  json::value v = parsed.ok() ? std::move(*parsed) : json::value();
  const json::value* seq = v.is_object() ? v.get_object().if_contains("seq") : nullptr;
  if (!seq || !seq->is_int64() || seq->get_int64() < 1) {
    return Unavailable("audit_unavailable", "the audit trail " + opt.path +
                                                " does not end with an audit record; move it "
                                                "aside (and verify it) before starting");
  }
  next_seq = static_cast<uint64_t>(seq->get_int64()) + 1;
  prev = LineHash(last);
  const auto& o = v.get_object();
  const json::value* type = o.if_contains("type");
  const json::value* fin = o.if_contains("final");
  *clean = *clean && type && type->is_string() && type->get_string() == "checkpoint" && fin &&
           fin->is_bool() && fin->get_bool();
  return Status::Ok();
}

namespace {
constexpr uint64_t kAllocateAhead = 8ull << 20;
}

void FileTrail::Impl::AllocateAhead(uint64_t bytes) {
  if (allocate_refused || size + bytes <= allocated) return;
  const uint64_t want =
      std::max<uint64_t>(bytes, std::min<uint64_t>(kAllocateAhead, opt.max_bytes));
  if (::fallocate(fd, FALLOC_FL_KEEP_SIZE, static_cast<off_t>(size), static_cast<off_t>(want)) !=
      0) {
    allocate_refused = true;  // a pipe, a file system without it, a full disk: just append
    allocated = 0;
    return;
  }
  allocated = size + want;
}

void FileTrail::Impl::ReleaseAhead() {
  if (allocated <= size) return;
  // Truncating to the current size frees the blocks allocated past it.
  if (::ftruncate(fd, static_cast<off_t>(size)) != 0) {
    // Nothing lost: the blocks stay allocated until the file is removed.
  }
  allocated = 0;
}

Status FileTrail::Impl::WriteStart(bool clean, std::string_view previous_file) {
  std::string body = "\"time\":\"" + TimeText(NowMs()) + "\",\"type\":\"start\"";
  Str(body, "node", opt.node_id);
  body += std::string(",\"clean\":") + (clean ? "true" : "false");
  if (!previous_file.empty()) Str(body, "previous_file", previous_file);
  return WriteBatch({body}, false);
}

Status FileTrail::Impl::Rotate() {
  if (Status st = WriteBatch({}, /*final=*/true); !st.ok()) return st;
  ReleaseAhead();
  const bool signed_close = since_checkpoint == 0;
  std::string stamp = TimeText(NowMs());  // 2026-11-22T18:00:00.123Z → 20261122T180000.123Z
  std::erase(stamp, '-');
  std::erase(stamp, ':');
  std::string name = opt.path + "." + stamp;
  for (int i = 1; std::filesystem::exists(name); ++i)
    name = opt.path + "." + stamp + "-" + std::to_string(i);
  std::error_code ec;
  std::filesystem::rename(opt.path, name, ec);
  if (ec) return Unavailable("audit_unavailable", "cannot rotate the audit trail: " + ec.message());
  ::close(fd);
  fd = -1;
  allocate_refused = false;
  bool clean = true;
  KEEP_RETURN_IF_ERROR(OpenFile(&clean));
  ++rotations;
  log::Info("audit: rotated to {} ({})", name, signed_close ? "closed" : "sealed: not signed");
  return WriteStart(signed_close, std::filesystem::path(name).filename().string());
}

}  // namespace keep::audit
