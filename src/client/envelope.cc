// keep::Envelope: records (format/record.h) under data keys from keepd, with the data-key
// cache on both sides (data_key_cache.h). Contract and the cache's trade-off in
// keep/envelope.h.
#include "keep/envelope.h"

#include <algorithm>
#include <chrono>

#include "client/data_key_cache.h"
#include "common/names.h"
#include "format/record.h"

namespace keep {

namespace rec = format::record;
using client::DataKeyCache;
using client::DataKeyEntry;

namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

Status WrongKey(std::string message) {
  return InvalidArgument(std::move(message), "wrong_key");
}

}  // namespace

struct Envelope::Impl {
  Client& client;
  EnvelopeOptions opt;
  Status invalid;                         // options refused at construction
  std::vector<std::string> partition_by;  // sorted, distinct (when given)
  DataKeyCache enc, dec;

  Impl(Client& c, EnvelopeOptions o)
      : client(c), opt(std::move(o)), enc(opt.cache), dec(opt.cache) {
    if (Status name = ValidateKeyName(opt.key); !name.ok()) {
      invalid = name;
    } else if (opt.cache.max_age_s < 0 || opt.cache.max_messages < 1 ||
               opt.cache.max_messages > (uint64_t{1} << 32) || opt.cache.max_bytes < 1 ||
               opt.cache.capacity < 1) {
      invalid = InvalidArgument(
          "cache limits: max_age_s >= 0, 1 <= max_messages <= 2^32, max_bytes >= 1, "
          "capacity >= 1");
    } else if (opt.segment_log2 < 12 || opt.segment_log2 > 24) {
      invalid = InvalidArgument("segment_log2 must be 12..24");
    }
    if (opt.partition_by) {
      partition_by = *opt.partition_by;
      std::sort(partition_by.begin(), partition_by.end());
      partition_by.erase(std::unique(partition_by.begin(), partition_by.end()), partition_by.end());
    }
  }

  std::vector<std::string> PartitionKeys(const EncryptionContext& ctx) const {
    if (opt.partition_by) return partition_by;
    std::vector<std::string> all;
    for (const auto& [k, v] : ctx) all.push_back(k);
    return all;  // std::map: sorted and distinct
  }

  // The unwrapped keys of a record's data key: from the cache or from keepd.
  Result<std::shared_ptr<const DataKeyEntry>> Unwrap(const rec::Header& h,
                                                     const EncryptionContext& ctx) {
    KEEP_ASSIGN_OR_RETURN(std::string k, rec::WrapContextKey(ctx, h.partition_keys));
    k += h.wrapped;
    if (auto hit = dec.Find(k, NowMs())) return hit;
    KEEP_ASSIGN_OR_RETURN(format::EncryptionContext wrap, rec::WrapContext(ctx, h.partition_keys));
    KEEP_ASSIGN_OR_RETURN(Plaintext p, client.Decrypt(opt.key, h.wrapped, wrap));
    if (p.key != opt.key) {
      return WrongKey("keepd unwrapped the data key under '" + p.key + "', not '" + opt.key + "'");
    }
    if (p.plaintext.size() != rec::kDataKeySize) {
      return InvalidArgument("the record's wrapped data key is not a record data key",
                             "invalid_record");
    }
    KEEP_ASSIGN_OR_RETURN(rec::RecordKeys keys,
                          rec::RecordKeys::Derive(AsBytes(p.plaintext.view())));
    auto e = std::make_shared<DataKeyEntry>(std::move(keys), h.wrapped, NowMs());
    dec.Insert(k, e);
    return std::shared_ptr<const DataKeyEntry>(e);
  }
};

Envelope::Envelope(Client& client, EnvelopeOptions options)
    : impl_(std::make_unique<Impl>(client, std::move(options))) {}
Envelope::~Envelope() = default;

Result<std::string> Envelope::Encrypt(std::string_view plaintext, const EncryptionContext& ctx) {
  Impl& im = *impl_;
  KEEP_RETURN_IF_ERROR(im.invalid);
  KEEP_RETURN_IF_ERROR(format::ValidateContext(ctx));
  rec::Header h;
  h.segment_log2 = im.opt.segment_log2;
  h.key_name = im.opt.key;
  h.partition_keys = im.PartitionKeys(ctx);
  KEEP_ASSIGN_OR_RETURN(const std::string k, rec::WrapContextKey(ctx, h.partition_keys));
  const int64_t now = NowMs();
  std::shared_ptr<const DataKeyEntry> e = im.enc.Acquire(k, plaintext.size(), now);
  if (!e) {
    KEEP_ASSIGN_OR_RETURN(format::EncryptionContext wrap, rec::WrapContext(ctx, h.partition_keys));
    KEEP_ASSIGN_OR_RETURN(DataKey dk, im.client.GenerateDataKey(im.opt.key, 256, true, wrap));
    KEEP_ASSIGN_OR_RETURN(rec::RecordKeys keys,
                          rec::RecordKeys::Derive(AsBytes(dk.plaintext->view())));
    auto fresh = std::make_shared<DataKeyEntry>(std::move(keys), dk.ciphertext, now);
    fresh->Use(plaintext.size());
    im.enc.Insert(k, fresh);
    // What this process sealed it may read back without asking keepd again.
    im.dec.Insert(k + dk.ciphertext, fresh);
    e = fresh;
  }
  h.wrapped = e->wrapped;
  return rec::Seal(e->keys, std::move(h), ctx, AsBytes(plaintext));
}

Result<SecretString> Envelope::Decrypt(std::string_view record, const EncryptionContext& ctx) {
  Impl& im = *impl_;
  KEEP_RETURN_IF_ERROR(im.invalid);
  size_t body = 0;
  KEEP_ASSIGN_OR_RETURN(rec::Header h, rec::ParseHeader(record, &body));
  if (h.key_name != im.opt.key) {
    return WrongKey("the record is under the keep key '" + h.key_name + "', not '" + im.opt.key +
                    "'");
  }
  KEEP_ASSIGN_OR_RETURN(auto e, im.Unwrap(h, ctx));
  KEEP_ASSIGN_OR_RETURN(crypto::SecretBytes plain, rec::Open(e->keys, record, ctx));
  return SecretString(std::string_view(reinterpret_cast<const char*>(plain.data()), plain.size()));
}

Result<std::string> Envelope::Rewrap(std::string_view record, const EncryptionContext& ctx) {
  KEEP_ASSIGN_OR_RETURN(auto all, RewrapBatch({{std::string(record), ctx}}));
  return std::move(all[0]);
}

Result<std::vector<Result<std::string>>> Envelope::RewrapBatch(
    const std::vector<std::pair<std::string, EncryptionContext>>& records) {
  Impl& im = *impl_;
  KEEP_RETURN_IF_ERROR(im.invalid);
  std::vector<Result<std::string>> out(records.size(), Status(Code::kInternal, "not reached"));
  std::vector<DecryptItem> items;
  std::vector<size_t> where;
  for (size_t i = 0; i < records.size(); ++i) {
    size_t body = 0;
    auto h = rec::ParseHeader(records[i].first, &body);
    if (!h.ok()) {
      out[i] = h.status();
      continue;
    }
    if (h->key_name != im.opt.key) {
      out[i] = WrongKey("the record is under the keep key '" + h->key_name + "'");
      continue;
    }
    auto wrap = rec::WrapContext(records[i].second, h->partition_keys);
    if (!wrap.ok()) {
      out[i] = wrap.status();
      continue;
    }
    items.push_back({h->wrapped, std::move(*wrap)});
    where.push_back(i);
  }
  if (items.empty()) return out;
  KEEP_ASSIGN_OR_RETURN(auto answers, im.client.RewrapBatch(im.opt.key, items));
  for (size_t j = 0; j < answers.size(); ++j) {
    const size_t i = where[j];
    if (!answers[j].ok()) {
      out[i] = answers[j].status();
      continue;
    }
    out[i] = rec::ReplaceWrapped(records[i].first, answers[j]->ciphertext);
  }
  return out;
}

CacheStats Envelope::encrypt_cache() const {
  return impl_->enc.Stats();
}
CacheStats Envelope::decrypt_cache() const {
  return impl_->dec.Stats();
}
void Envelope::ClearCache() {
  impl_->enc.Clear();
  impl_->dec.Clear();
}

}  // namespace keep
