// The file body's batches and pool: the same bytes on any number of threads and for
// WriteAt as for Write, plaintext released only once authenticated at batch boundaries.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "common/encoding.h"
#include "common/mapped_file.h"
#include "format/file_test_util.h"

namespace keep::format::file {
namespace {

// A file key with 4 KiB segments and one X25519 stanza (the header the bodies go with).
NewFile SmallFile() {
  auto f = NewFileKey(kSmall);
  EXPECT_TRUE(f.ok());
  auto stanza = WrapForRecipient(Ids().x.public_key(), f->file_key);
  EXPECT_TRUE(stanza.ok());
  f->header.stanzas.push_back(*stanza);
  return std::move(*f);
}

// Batches on several threads change nothing of the bytes: the body is the same for one
// thread and for four (the nonces and keys are the segment's), at sizes around segment and
// batch boundaries (4 KiB segments: 1,024 per 4 MiB batch), whatever the write sizes; it
// decrypts on any number of threads; and a body cut at a batch boundary, or with a segment
// altered in its second batch, releases only authenticated plaintext, then fails.
TEST(FileBody, BatchesOnThreadsAreTheSameBytes) {
  NewFile nf = SmallFile();
  NewFile* f = &nf;
  const size_t batch = (size_t{4} << 20);
  const Bytes plain = Random(2 * batch + 3 * kSeg + 5);
  auto body = [&](ByteView p, unsigned threads, size_t chunk) {
    Bytes out;
    auto e = Encryptor::Create(
        f->file_key, f->header,
        [&](ByteView b) {
          Append(out, b);
          return Status::Ok();
        },
        threads);
    EXPECT_TRUE(e.ok());
    for (size_t i = 0; i < p.size(); i += chunk) {
      EXPECT_TRUE(e->Write(p.subspan(i, std::min(chunk, p.size() - i))).ok());
    }
    EXPECT_TRUE(e->Finish().ok());
    return out;
  };
  auto open = [&](ByteView c, unsigned threads, Bytes* plain_out) -> Status {
    auto d = Decryptor::Create(
        f->file_key, f->header,
        [&](ByteView b) {
          Append(*plain_out, b);
          return Status::Ok();
        },
        threads);
    KEEP_RETURN_IF_ERROR(d.status());
    for (size_t i = 0; i < c.size(); i += 77777) {
      KEEP_RETURN_IF_ERROR(d->Write(c.subspan(i, std::min<size_t>(77777, c.size() - i))));
    }
    return d->Finish();
  };
  for (size_t n : {size_t{0}, size_t{1}, kSeg - 1, kSeg, kSeg + 1, batch - 1, batch, batch + 1,
                   2 * batch, plain.size()}) {
    SCOPED_TRACE(n);
    const ByteView p = ByteView(plain).first(n);
    const Bytes one = body(p, 1, 1 << 20);
    EXPECT_EQ(body(p, 4, 12345), one);
    EXPECT_EQ(one.size(), n + TagBytes(n));
    Bytes back;
    ASSERT_TRUE(open(one, 3, &back).ok());
    EXPECT_EQ(back, Bytes(p.begin(), p.end()));
  }
  const Bytes c = body(plain, 4, 1 << 20);
  const size_t sealed_batch = batch / kSeg * (kSeg + 16);
  // Cut right after the first batch: its segments were followed by nothing, so its last
  // one fails as a last segment; nothing past the authenticated prefix is released.
  Bytes got;
  Status st = open(ByteView(c).first(sealed_batch), 2, &got);
  EXPECT_EQ(st.reason(), "invalid_file");
  EXPECT_LE(got.size(), batch);
  EXPECT_EQ(Bytes(got.begin(), got.end()), Bytes(plain.begin(), plain.begin() + got.size()));
  // A flipped bit in the 10th segment of the second batch: the second batch's first nine
  // segments are released, then the error names segment 1024 + 9.
  Bytes bad = c;
  bad[sealed_batch + 9 * (kSeg + 16) + 100] ^= 1;
  got.clear();
  st = open(bad, 2, &got);
  EXPECT_EQ(st.reason(), "invalid_file");
  EXPECT_NE(st.message().find("segment 1033 "), std::string::npos) << st.message();
  EXPECT_EQ(got.size(), batch + 9 * kSeg);
}

// WriteAt (the pool's threads read the input themselves) makes the same bytes as Write and
// opens them the same way; a read that fails, or a body cut short, is an error, and no
// plaintext past the authenticated prefix comes out.
TEST(FileBody, ReadingAtOffsetsOnThePoolIsTheSameAsStreaming) {
  NewFile nf = SmallFile();
  NewFile* f = &nf;
  const size_t batch = size_t{4} << 20;
  const Bytes plain = Random(2 * batch + kSeg + 3);
  auto read_from = [](ByteView src, uint64_t fail_at = UINT64_MAX) {
    return [src, fail_at](uint64_t at, std::span<uint8_t> to) -> Status {
      if (at + to.size() > src.size()) return InvalidArgument("short read");
      if (at <= fail_at && fail_at < at + to.size()) return InvalidArgument("disk error");
      std::memcpy(to.data(), src.data() + at, to.size());
      return Status::Ok();
    };
  };
  for (size_t n : {size_t{0}, size_t{1}, kSeg, batch, batch + 1, plain.size()}) {
    SCOPED_TRACE(n);
    const ByteView p = ByteView(plain).first(n);
    Bytes streamed, at_offsets;
    auto e1 = Encryptor::Create(f->file_key, f->header, [&](ByteView b) {
      Append(streamed, b);
      return Status::Ok();
    });
    ASSERT_TRUE(e1->Write(p).ok());
    ASSERT_TRUE(e1->Finish().ok());
    uint64_t progress = 0;
    auto e2 = Encryptor::Create(f->file_key, f->header, [&](ByteView b) {
      Append(at_offsets, b);
      return Status::Ok();
    });
    ASSERT_TRUE(e2->WriteAt(n, read_from(p), [&](uint64_t d) { progress = d; }).ok());
    ASSERT_TRUE(e2->Finish().ok());
    EXPECT_EQ(at_offsets, streamed);
    EXPECT_EQ(progress, n);
    EXPECT_FALSE(e2->Write(AsBytes("more")).ok()) << "finished";
    Bytes back;
    auto d = Decryptor::Create(f->file_key, f->header, [&](ByteView b) {
      Append(back, b);
      return Status::Ok();
    });
    ASSERT_TRUE(d->WriteAt(streamed.size(), read_from(streamed)).ok());
    ASSERT_TRUE(d->Finish().ok());
    EXPECT_EQ(back, Bytes(p.begin(), p.end()));
  }
  // A read error in the second batch: the error, not a partial success.
  auto e = Encryptor::Create(f->file_key, f->header, [](ByteView) { return Status::Ok(); });
  Status st = e->WriteAt(plain.size(), read_from(plain, batch + 5));
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("disk error"), std::string::npos) << st.message();
  // Cut bodies, opened at offsets: every ending that Write+Finish refuses is refused.
  Bytes body;
  auto e3 = Encryptor::Create(f->file_key, f->header, [&](ByteView b) {
    Append(body, b);
    return Status::Ok();
  });
  ASSERT_TRUE(e3->Write(plain).ok());
  ASSERT_TRUE(e3->Finish().ok());
  const size_t sealed_batch = batch / kSeg * (kSeg + 16);
  for (size_t cut : {size_t{0}, size_t{7}, sealed_batch, sealed_batch + 9, body.size() - 1}) {
    SCOPED_TRACE(cut);
    Bytes got;
    auto d = Decryptor::Create(f->file_key, f->header, [&](ByteView b) {
      Append(got, b);
      return Status::Ok();
    });
    const ByteView c = ByteView(body).first(cut);
    st = d->WriteAt(c.size(), read_from(c));
    EXPECT_EQ(st.reason(), "invalid_file") << st.ToString();
    EXPECT_EQ(Bytes(got.begin(), got.end()), Bytes(plain.begin(), plain.begin() + got.size()));
  }
}

// WriteMapped (sealing straight from a mapped file) makes the same bytes as Write, on one
// thread (inline) and on the pool; a file truncated after it was mapped is the error
// kInputChanged — the SIGBUS of the lost pages caught on whichever thread touched them.
TEST(FileBody, SealingFromAMappedFileIsTheSameAsStreaming) {
  NewFile nf = SmallFile();
  NewFile* f = &nf;
  const size_t batch = size_t{4} << 20;
  const Bytes plain = Random(2 * batch + kSeg + 3);
  const std::string path =
      (std::filesystem::temp_directory_path() / ("keep-mapped-body-" + std::to_string(::getpid())))
          .string();
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, plain.data(), plain.size()), static_cast<ssize_t>(plain.size()));
  for (unsigned threads : {1u, 0u}) {
    for (size_t n : {size_t{0}, size_t{1}, kSeg, batch, batch + 1, plain.size()}) {
      SCOPED_TRACE(testing::Message() << "threads " << threads << " size " << n);
      Bytes streamed, mapped;
      auto e1 = Encryptor::Create(f->file_key, f->header, [&](ByteView b) {
        Append(streamed, b);
        return Status::Ok();
      });
      ASSERT_TRUE(e1->Write(ByteView(plain).first(n)).ok());
      ASSERT_TRUE(e1->Finish().ok());
      auto m = MappedFile::Map(fd, 0, n);
      ASSERT_TRUE(m.ok()) << m.status();
      uint64_t progress = 0;
      auto e2 = Encryptor::Create(
          f->file_key, f->header,
          [&](ByteView b) {
            Append(mapped, b);
            return Status::Ok();
          },
          threads);
      ASSERT_TRUE(e2->WriteMapped(m->view(), [&](uint64_t d) { progress = d; }).ok());
      ASSERT_TRUE(e2->Finish().ok());
      EXPECT_EQ(mapped, streamed);
      EXPECT_EQ(progress, n);
      EXPECT_FALSE(e2->WriteMapped(m->view()).ok()) << "finished";
    }
  }
  for (unsigned threads : {1u, 0u}) {
    for (uint64_t keep : {uint64_t{0}, uint64_t{batch / 2}, uint64_t{batch + kSeg}}) {
      SCOPED_TRACE(testing::Message() << "threads " << threads << " truncated to " << keep);
      ASSERT_EQ(::ftruncate(fd, static_cast<off_t>(plain.size())), 0);
      ASSERT_EQ(::pwrite(fd, plain.data(), plain.size(), 0), static_cast<ssize_t>(plain.size()));
      auto m = MappedFile::Map(fd, 0, plain.size());
      ASSERT_TRUE(m.ok());
      ASSERT_EQ(::ftruncate(fd, static_cast<off_t>(keep)), 0);
      size_t out = 0;
      auto e = Encryptor::Create(
          f->file_key, f->header,
          [&](ByteView b) {
            out += b.size();
            return Status::Ok();
          },
          threads);
      Status st = e->WriteMapped(m->view());
      EXPECT_EQ(st.message(), kInputChanged) << st.ToString();
      EXPECT_LE(out, keep + keep / kSeg * 16) << "no ciphertext of bytes the file lost";
    }
  }
  ::close(fd);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace keep::format::file
