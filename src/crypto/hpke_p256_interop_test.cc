// DHKEM(P-256) HPKE against an independent implementation: tests/interop/hpke_p256.py
// (written from RFC 9180 with python3-cryptography; it checks itself against A.3.1). Python
// seals to a key split in two shares, which open it together through partials whose
// Chaum–Pedersen proofs verify; keep seals, Python opens.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "common/encoding.h"
#include "crypto/hpke.h"
#include "crypto/proofs.h"

namespace keep::crypto::hpke::p256 {
namespace {

std::string Py(const std::string& args) {
  const std::string cmd =
      "/usr/bin/python3 " KEEP_SOURCE_DIR "/tests/interop/hpke_p256.py " + args + " 2>&1";
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  ::pclose(p);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

TEST(HpkeP256Interop, PythonSealsToASplitKeyAndReadsWhatKeepSeals) {
  ASSERT_EQ(Py("vector"), "ok") << "the independent implementation fails RFC 9180 A.3.1";
  auto a = GenerateKeyPair(), b = GenerateKeyPair();
  ASSERT_TRUE(a.ok() && b.ok());
  const Bytes joint = *AddPoints(a->public_key, b->public_key);
  const std::string info = "6b6565702073706c6974", aad = "6f7264657273", pt = "0102030405";
  const std::string sealed = Py("seal " + HexEncode(joint) + " " + info + " " + aad + " " + pt);
  const size_t sp = sealed.find(' ');
  ASSERT_NE(sp, std::string::npos) << sealed;
  const Bytes enc = *HexDecode(sealed.substr(0, sp)), ct = *HexDecode(sealed.substr(sp + 1));
  // Each share holder answers with its partial and a proof bound to the request.
  const Bytes ctx = {'r', 'e', 'q', '1'};
  auto da = proofs::ProveEqualLogs(a->private_key.view(), enc, ctx);
  auto db = proofs::ProveEqualLogs(b->private_key.view(), enc, ctx);
  ASSERT_TRUE(da.ok() && db.ok());
  EXPECT_TRUE(proofs::VerifyEqualLogs(a->public_key, enc, da->partial, da->proof, ctx).ok());
  EXPECT_TRUE(proofs::VerifyEqualLogs(b->public_key, enc, db->partial, db->proof, ctx).ok());
  const Bytes dh = *AddPoints(da->partial, db->partial);
  auto opened =
      OpenWithDhPoint(Aead::kAes256Gcm, dh, enc, joint, *HexDecode(info), *HexDecode(aad), ct);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(HexEncode(opened->view()), pt);

  // keep seals to one key; Python opens it with that key's scalar.
  auto s = p256::Seal(Aead::kAes256Gcm, a->public_key, *HexDecode(info), *HexDecode(aad),
                      *HexDecode(pt));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(Py("open " + HexEncode(a->private_key.view()) + " " + HexEncode(s->enc) + " " + info +
               " " + aad + " " + HexEncode(s->ciphertext)),
            pt);
}

}  // namespace
}  // namespace keep::crypto::hpke::p256
