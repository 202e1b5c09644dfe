// keep rewrap --stream: after `keep key rotate`, moves a stream of keep ciphertexts and
// envelope records (docs/formats.md §9) to the key's latest version through libkeep's batch
// calls. The data is untouched and no plaintext leaves keepd: a ciphertext is rewrapped by
// keepd, a record gets its wrapped data key replaced. One item per line, in the order read:
//   keep:…                          a ciphertext (bound to --context)
//   S0VFUFJFQw…                     a record, base64 (bound to --context)
//   {"record":"…","context":{…}}    either form with its own context ("ciphertext" or
//                                   "record"), written back in the same shape
// A line that cannot be rewrapped is written back unchanged and reported on stderr with its
// number; the command then exits 1. --rate caps items per second; progress goes to a
// terminal's stderr.
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <thread>

#include "cli/cli_internal.h"
#include "cli/file_stream.h"
#include "common/encoding.h"
#include "keep/envelope.h"

namespace keep::cli {
namespace {

using Clock = std::chrono::steady_clock;

struct Item {
  size_t number = 0;
  std::string original;
  bool json = false;
  bool record = false;
  std::string value;  // the ciphertext text, or the record's bytes
  EncryptionContext context;
  std::string result;  // the line to write
};

Status BadLine(size_t n, const std::string& why) {
  return InvalidArgument("line " + std::to_string(n) + ": " + why);
}

Status Parse(Item& it, const EncryptionContext& fallback) {
  std::string_view text = it.original;
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  std::string value(text);  // a copy: the JSON it may come from is gone after the block
  it.context = fallback;
  if (!text.empty() && text.front() == '{') {
    boost::system::error_code ec;
    auto v = json::parse(text, ec);
    if (ec || !v.is_object()) return BadLine(it.number, "not valid JSON");
    const auto& o = v.as_object();
    const json::value* c = o.if_contains("ciphertext");
    const json::value* r = o.if_contains("record");
    if ((c == nullptr) == (r == nullptr) || !(c ? c : r)->is_string()) {
      return BadLine(it.number, "a JSON line has one string \"ciphertext\" or \"record\"");
    }
    if (auto* ctx = o.if_contains("context")) {
      if (!ctx->is_object()) return BadLine(it.number, "\"context\" is an object of strings");
      it.context.clear();
      for (const auto& kv : ctx->as_object()) {
        if (!kv.value().is_string()) return BadLine(it.number, "context values are strings");
        it.context.emplace(kv.key(), kv.value().as_string());
      }
    }
    it.json = true;
    it.record = r != nullptr;
    value.assign((c ? c : r)->as_string());
  } else {
    it.record = value.substr(0, 5) != "keep:";
  }
  if (!it.record) {
    if (value.substr(0, 5) != "keep:") return BadLine(it.number, "not a keep ciphertext");
    it.value = std::move(value);
    return Status::Ok();
  }
  auto bytes = Base64Decode(value);
  if (!bytes.ok() || bytes->size() < 7 ||
      std::string_view(AsChars(*bytes)).substr(0, 7) != "KEEPREC") {
    return BadLine(it.number, "neither a keep ciphertext (keep:…) nor a base64 keep record");
  }
  it.value.assign(AsChars(*bytes));
  return Status::Ok();
}

std::string Render(const Item& it, const std::string& value) {
  const std::string text = it.record ? Base64Encode(AsBytes(value)) : value;
  if (!it.json) return text;
  json::object o{{it.record ? "record" : "ciphertext", text}};
  json::object c;
  for (const auto& [k, v] : it.context) c[k] = v;
  o["context"] = std::move(c);
  return json::serialize(o);
}

// Rewraps the parseable items of one batch; each gets its result line.
Status RewrapBatch(Client& client, Envelope& env, const std::string& key, std::vector<Item>& items,
                   size_t* failed) {
  std::vector<DecryptItem> cts;
  std::vector<std::pair<std::string, EncryptionContext>> recs;
  std::vector<Item*> ct_of, rec_of;
  for (auto& it : items) {
    if (!it.result.empty()) continue;  // already refused
    if (it.record) {
      recs.emplace_back(it.value, it.context);
      rec_of.push_back(&it);
    } else {
      cts.push_back({it.value, it.context});
      ct_of.push_back(&it);
    }
  }
  auto fail = [&](Item& it, const Status& s) {
    std::cerr << "keep: line " << it.number << ": " << s.message() << " (" << s.reason()
              << "); written unchanged\n";
    it.result = it.original;
    ++*failed;
  };
  if (!cts.empty()) {
    KEEP_ASSIGN_OR_RETURN(auto out, client.RewrapBatch(key, cts));
    for (size_t i = 0; i < out.size(); ++i) {
      if (out[i].ok()) {
        ct_of[i]->result = Render(*ct_of[i], out[i]->ciphertext);
      } else {
        fail(*ct_of[i], out[i].status());
      }
    }
  }
  if (!recs.empty()) {
    KEEP_ASSIGN_OR_RETURN(auto out, env.RewrapBatch(recs));
    for (size_t i = 0; i < out.size(); ++i) {
      if (out[i].ok()) {
        rec_of[i]->result = Render(*rec_of[i], *out[i]);
      } else {
        fail(*rec_of[i], out[i].status());
      }
    }
  }
  return Status::Ok();
}

}  // namespace

Status RewrapStream(Context& ctx, const RewrapStreamArgs& a) {
  KEEP_ASSIGN_OR_RETURN(const EncryptionContext fallback, ParseContextMap(a.context));
  KEEP_ASSIGN_OR_RETURN(Client * client, ctx.client());
  Envelope env(*client, {.key = a.key, .cache = {.max_age_s = 0}});
  std::ifstream file;
  if (!a.in.empty() && a.in != "-") {
    file.open(a.in, std::ios::binary);
    if (!file) return Usage("cannot read " + a.in);
  }
  std::istream& in = file.is_open() ? file : std::cin;
  KEEP_RETURN_IF_ERROR(RefuseOutputOverInput(a.in, a.out));
  KEEP_ASSIGN_OR_RETURN(OutputFile out, OpenOutput(a.out, 0644));
  const bool progress = isatty(STDERR_FILENO) == 1;
  const auto start = Clock::now();
  size_t done = 0, failed = 0, number = 0;
  for (bool more = true; more;) {
    std::vector<Item> items;
    std::string line;
    while (items.size() < static_cast<size_t>(a.batch) && (more = bool(std::getline(in, line)))) {
      Item it;
      it.number = ++number;
      it.original = std::move(line);
      if (Status s = Parse(it, fallback); !s.ok()) {
        std::cerr << "keep: " << s.message() << "; written unchanged\n";
        it.result = it.original;
        ++failed;
      }
      items.push_back(std::move(it));
    }
    if (items.empty()) break;
    KEEP_RETURN_IF_ERROR(RewrapBatch(*client, env, a.key, items, &failed));
    for (const auto& it : items) {
      KEEP_RETURN_IF_ERROR(out.Write(AsBytes(it.result)));
      KEEP_RETURN_IF_ERROR(out.Write(AsBytes(std::string_view("\n"))));
    }
    done += items.size();
    const double secs = std::chrono::duration<double>(Clock::now() - start).count();
    if (progress) {
      std::cerr << "\rrewrapped " << done - failed << " of " << done << " lines ("
                << static_cast<long>(secs > 0 ? done / secs : 0) << "/s)" << std::flush;
    }
    if (a.rate > 0 && done / a.rate > secs) {
      std::this_thread::sleep_for(std::chrono::duration<double>(done / a.rate - secs));
    }
  }
  if (progress) std::cerr << "\n";
  KEEP_RETURN_IF_ERROR(out.Commit());
  if (failed > 0) {
    return Status(Code::kInvalidArgument, "invalid_ciphertext",
                  std::to_string(failed) + " of " + std::to_string(done) +
                      " lines were not rewrapped (written unchanged)");
  }
  return Status::Ok();
}

}  // namespace keep::cli
