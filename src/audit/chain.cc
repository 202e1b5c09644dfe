#include "audit/chain.h"

#include <openssl/sha.h>

#include <boost/json.hpp>
#include <fstream>

#include "common/encoding.h"

namespace keep::audit {
namespace {

namespace json = boost::json;

constexpr std::string_view kSigField = ",\"sig\":\"";

struct Position {
  std::string file;
  uint64_t line = 0;
  uint64_t seq = 0;
};

std::string Where(const Position& p) {
  return p.file + ":" + std::to_string(p.line) + " (seq " + std::to_string(p.seq) + ")";
}

}  // namespace

Hash LineHash(std::string_view line) {
  Hash h{};
  SHA256(reinterpret_cast<const unsigned char*>(line.data()), line.size(), h.data());
  return h;
}

Result<std::string_view> SignedPart(std::string_view line) {
  const size_t at = line.rfind(kSigField);
  if (at == std::string_view::npos) return InvalidArgument("the checkpoint has no signature");
  return line.substr(0, at);
}

Result<json::value> ParseRecordLine(std::string_view line, bool* invalid_utf8) {
  *invalid_utf8 = false;
  boost::system::error_code ec;
  json::value v = json::parse(line, ec);
  if (!ec) return v;
  json::parse_options lenient;
  lenient.allow_invalid_utf8 = true;
  v = json::parse(line, ec, {}, lenient);
  if (ec) return InvalidArgument("not JSON: " + ec.message());
  *invalid_utf8 = true;
  return v;
}

VerifyReport VerifyTrail(const std::vector<std::string>& files, const VerifyOptions& opt) {
  VerifyReport r;
  r.signatures_checked = opt.public_key.has_value();
  Hash prev_hash{};
  bool have_prev = false;
  bool last_final = false;
  uint64_t expected = 0;
  uint64_t since_checkpoint = 0;
  Position prev_pos;
  auto fail = [&](const Position& at, std::string what) {
    r.ok = false;
    r.file = at.file;
    r.line = at.line;
    r.error = std::move(what);
    return r;
  };
  if (files.empty()) return fail({}, "no files to verify");
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return fail({file, 0, 0}, "cannot read " + file);
    std::string line;
    uint64_t lineno = 0;
    while (std::getline(in, line)) {
      ++lineno;
      Position here{file, lineno, 0};
      if (in.eof()) {
        return fail(here, "truncated: the last record is incomplete (no end of line)");
      }
      bool invalid_utf8 = false;
      auto parsed = ParseRecordLine(line, &invalid_utf8);
      const json::object* o =
          (parsed.ok() && parsed->is_object()) ? &parsed->get_object() : nullptr;
      const json::value* seqv = o ? o->if_contains("seq") : nullptr;
      const json::value* prevv = o ? o->if_contains("prev") : nullptr;
      const json::value* typev = o ? o->if_contains("type") : nullptr;
      if (!seqv || !(seqv->is_int64() || seqv->is_uint64()) || !prevv || !prevv->is_string() ||
          !typev || !typev->is_string()) {
        return fail(here, "not an audit record (modified or corrupt)");
      }
      const int64_t seq_signed = seqv->is_int64() ? seqv->get_int64() : 0;
      const uint64_t seq =
          seqv->is_uint64() ? seqv->get_uint64() : static_cast<uint64_t>(seq_signed);
      here.seq = seq;
      auto prev = HexDecode(std::string_view(prevv->get_string()));
      if (!prev.ok() || prev->size() != 32 || seq == 0) {
        return fail(here, "not an audit record (bad seq or prev)");
      }
      const bool links = std::equal(prev->begin(), prev->end(), prev_hash.begin());
      if (!have_prev) {
        r.first_seq = seq;
        if (seq == 1 && !links) return fail(here, "the first record's prev must be all zeros");
        if (seq != 1) {
          r.notes.push_back("the trail starts at seq " + std::to_string(seq) +
                            " (earlier files not given): its first link is not checked");
        }
      } else if (seq == expected && !links) {
        return fail(prev_pos, "modified: the record at " + Where(prev_pos) +
                                  " does not hash to the next record's prev");
      } else if (seq > expected) {
        return fail(here, "deleted or reordered: " + std::to_string(seq - expected) +
                              " record(s) missing before this one (seq jumps from " +
                              std::to_string(expected - 1) + " to " + std::to_string(seq) + ")");
      } else if (seq < expected) {
        return fail(here, "inserted or reordered: seq " + std::to_string(seq) + " appears where " +
                              std::to_string(expected) + " was due");
      }
      const std::string_view type = typev->get_string();
      last_final = false;
      if (type == "checkpoint") {
        if (opt.public_key) {
          auto signed_part = SignedPart(line);
          const json::value* sigv = o->if_contains("sig");
          auto sig = (sigv && sigv->is_string())
                         ? Base64Decode(std::string_view(sigv->get_string()))
                         : Result<Bytes>(InvalidArgument("no sig"));
          if (!signed_part.ok() || !sig.ok() ||
              !crypto::VerifyEd25519(*opt.public_key, AsBytes(*signed_part), *sig)) {
            return fail(here,
                        "bad checkpoint signature: this checkpoint or the records it covers were "
                        "altered, or it was signed by another key");
          }
        }
        ++r.checkpoints;
        since_checkpoint = 0;
        const json::value* fin = o->if_contains("final");
        last_final = fin && fin->is_bool() && fin->get_bool();
      } else {
        ++since_checkpoint;
        if (type == "start") {
          const json::value* clean = o->if_contains("clean");
          if (clean && clean->is_bool() && !clean->get_bool() && have_prev) {
            r.notes.push_back("at " + Where(here) +
                              ": the server restarted without closing the trail (a crash)");
          }
        }
      }
      if (invalid_utf8) {
        r.notes.push_back(
            "at " + Where(here) +
            ": the record holds bytes that are not UTF-8 (client input written unescaped by an "
            "earlier keepd); its chain link and signatures are checked as for any record, "
            "but strict JSON readers reject this line");
      }
      prev_hash = LineHash(line);
      have_prev = true;
      expected = seq + 1;
      r.last_seq = seq;
      ++r.records;
      prev_pos = here;
    }
    if (in.bad()) return fail({file, lineno, 0}, "read error");
  }
  if (r.records == 0) return fail({files.back(), 0, 0}, "the trail is empty");
  r.unsigned_tail = since_checkpoint;
  if (!last_final && !opt.live) {
    return fail(prev_pos, "truncated: the trail ends at " + Where(prev_pos) +
                              " without its closing checkpoint (records removed from the end, "
                              "or a live file: use --live)");
  }
  r.ok = true;
  return r;
}

}  // namespace keep::audit
