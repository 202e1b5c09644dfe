// The AWS KMS door with the clients people run, from Debian: python3-boto3 (every
// supported operation, its errors, paging, signatures refused) and awscli v2, against a
// keepd this test starts, over TLS with the test CA. One key, two doors: ciphertexts made
// through either decrypt through the other. An AWS access key is an identity like a
// token: its policies, the audit trail, decrypt budgets and lockdown, revocation.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "harness.h"

namespace keep::testing {
namespace {

namespace fs = std::filesystem;

std::string Py() {
  return "/usr/bin/python3 " + fs::current_path().string() + "/tests/interop/aws_boto3.py";
}

class AwsDoor : public ::testing::Test {
 protected:
  void Start(const std::string& extra = "") {
    server_ = std::make_unique<Keepd>(extra);
    server_->Start();
    Ok({"key", "create", "orders"});
  }
  std::string Ok(const std::vector<std::string>& args, const std::string& in = "",
                 const std::string& token = "<root>") {
    auto r = server_->Cli(args, in, token);
    EXPECT_EQ(r.exit_code, 0) << args[0] << ": " << r.err << r.out;
    return r.out;
  }
  // `keep aws-key create`: the two lines, as KEY=VALUE environment entries.
  std::vector<std::string> AwsKey(const std::vector<std::string>& policies) {
    std::vector<std::string> args = {"aws-key", "create", "--display-name", "test"};
    for (const auto& p : policies) {
      args.push_back("-p");
      args.push_back(p);
    }
    const std::string out = Ok(args);
    std::vector<std::string> env;
    std::regex line("^(AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY)=(\\S+)$");
    std::istringstream in(out);
    for (std::string l; std::getline(in, l);) {
      EXPECT_TRUE(std::regex_match(l, line)) << "not KEY=VALUE: " << l;
      env.push_back(l);
    }
    EXPECT_EQ(env.size(), 2u) << out;
    env.push_back("AWS_DEFAULT_REGION=us-east-1");
    env.push_back("AWS_CA_BUNDLE=" + server_->ca());
    env.push_back("AWS_CONFIG_FILE=/dev/null");
    env.push_back("AWS_SHARED_CREDENTIALS_FILE=/dev/null");
    env.push_back("AWS_EC2_METADATA_DISABLED=true");
    return env;
  }
  CliResult Sh(const std::string& script, const std::vector<std::string>& aws_env) {
    auto env = CliEnv(*server_);
    env.insert(env.end(), aws_env.begin(), aws_env.end());
    env.push_back("URL=" + server_->addr());
    env.push_back("CA=" + server_->ca());
    return Shell(server_->dir(), script, env);
  }
  std::string AccessKeyId(const std::vector<std::string>& env) {
    return env[0].substr(env[0].find('=') + 1);
  }
  std::unique_ptr<Keepd> server_;
};

TEST_F(AwsDoor, Boto3TourOfEveryOperation) {
  Start();
  const auto env = AwsKey({"root"});
  auto r = Sh(Py() + " \"$URL\" \"$CA\" tour", env);
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_NE(r.out.find("tour ok"), std::string::npos);
  // Keys made through the AWS door are keep keys.
  EXPECT_NE(Ok({"key", "list"}).find("aws-"), std::string::npos);
  // Every request was audited under the access key's identity; its secret never was.
  const std::string trail = Slurp(server_->audit_path());
  EXPECT_NE(trail.find("\"identity\":\"aws:" + AccessKeyId(env) + "\""), std::string::npos);
  EXPECT_NE(trail.find("\"detail\":\"aws Encrypt\""), std::string::npos);
  const std::string secret = env[1].substr(env[1].find('=') + 1);
  EXPECT_EQ(trail.find(secret), std::string::npos);
  EXPECT_EQ(server_->log().find(secret), std::string::npos);
}

TEST_F(AwsDoor, OneKeyTwoDoorsWithTheCliAndAwsCli) {
  Start();
  const auto env = AwsKey({"root"});
  // keep's CLI encrypts, boto3 decrypts (CiphertextBlob is the binary keep ciphertext).
  auto r = Sh("printf 'from keep' | $KEEP encrypt --key orders --context user=alice > ct && " +
                  Py() + " \"$URL\" \"$CA\" decrypt \"$(cat ct)\" user=alice",
              env);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "from keep");
  // boto3 encrypts, keep's CLI decrypts; the context binds across doors.
  r = Sh(Py() + " \"$URL\" \"$CA\" encrypt alias/orders user=bob 'from aws' > aws.ct && " +
             "$KEEP decrypt --context user=bob < aws.ct",
         env);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "from aws");
  r = Sh("$KEEP decrypt --context user=eve < aws.ct", env);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("context_mismatch"), std::string::npos) << "the native API tells it apart";
  // awscli v2 (Debian's /usr/bin/aws): encrypt, decrypt, describe, list.
  r =
      Sh("A='/usr/bin/aws --endpoint-url '$URL' kms' && "
         "$A encrypt --key-id alias/orders --plaintext \"$(printf 'via awscli' | base64)\" "
         "--encryption-context app=cli --query CiphertextBlob --output text | base64 -d > cli.bin"
         " && $A decrypt --ciphertext-blob fileb://cli.bin --encryption-context app=cli "
         "--query Plaintext --output text | base64 -d && echo &&"
         " $A describe-key --key-id alias/orders --query KeyMetadata.KeyState --output text &&"
         " $A list-keys --query 'length(Keys)' --output text",
         env);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "via awscli\nEnabled\n1\n");
  r =
      Sh("/usr/bin/aws --endpoint-url \"$URL\" kms decrypt --ciphertext-blob fileb://cli.bin "
         "--encryption-context app=other",
         env);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("InvalidCiphertextException"), std::string::npos) << r.err;
}

TEST_F(AwsDoor, AnAccessKeyHasItsPoliciesBudgetAndRevocation) {
  Start("\n[lockdown]\nidentity_decrypt_budget = 2\nwindow = \"1h\"\naction = \"revoke\"\n");
  Ok({"policy", "write", "submit", "-"},
     R"({"rules":[{"keys":"orders","capabilities":["encrypt"]}]})");
  Ok({"policy", "write", "reader", "-"},
     R"({"rules":[{"keys":"orders","capabilities":["decrypt","read"]}]})");
  const auto submit = AwsKey({"submit"});
  const auto reader = AwsKey({"reader"});
  auto r = Sh(Py() + " \"$URL\" \"$CA\" encrypt alias/orders - secret > ct", submit);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The submitter may encrypt only.
  r = Sh(Py() + " \"$URL\" \"$CA\" decrypt \"$(cat ct)\" -", submit);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("AccessDeniedException"), std::string::npos) << r.err;
  r = Sh(Py() + " \"$URL\" \"$CA\" expect-error AccessDeniedException list_keys '{}'", submit);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  // The reader decrypts within its budget, then is locked down like any identity.
  for (int i = 0; i < 2; ++i) {
    r = Sh(Py() + " \"$URL\" \"$CA\" decrypt \"$(cat ct)\" -", reader);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "secret");
  }
  r = Sh(Py() + " \"$URL\" \"$CA\" decrypt \"$(cat ct)\" -", reader);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("AccessDeniedException"), std::string::npos) << r.err;
  const std::string id = "aws:" + AccessKeyId(reader);
  EXPECT_NE(Ok({"lockdown", "list"}).find(id), std::string::npos);
  Ok({"lockdown", "reinstate", id});
  r = Sh(Py() + " \"$URL\" \"$CA\" decrypt \"$(cat ct)\" -", reader);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // Listed, then revoked: its signatures stop working at once.
  const std::string list = Ok({"aws-key", "list"});
  EXPECT_NE(list.find(AccessKeyId(submit)), std::string::npos);
  EXPECT_EQ(list.find(submit[1].substr(submit[1].find('=') + 1)), std::string::npos)
      << "the secret is never listed";
  Ok({"aws-key", "revoke", AccessKeyId(reader)});
  r = Sh(Py() + " \"$URL\" \"$CA\" expect-error UnrecognizedClientException list_keys '{}'",
         reader);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(server_->Cli({"aws-key", "revoke", AccessKeyId(reader)}).exit_code, 1);
  // A token may not hand out policies it does not hold, through either kind of credential.
  const std::string staff = Ok({"token", "create", "-p", "submit", "--format", "json"});
  const std::string tok = staff.substr(staff.find("keep_"), 48);
  auto denied = server_->Cli({"aws-key", "create", "-p", "reader"}, "", tok);
  EXPECT_EQ(denied.exit_code, 1);
  EXPECT_NE(denied.err.find("permission_denied"), std::string::npos) << denied.err;
}

// Like the native API, a caller that cannot authenticate does not get to send a body: the
// answer comes on the headers alone (the body is announced and never sent).
TEST_F(AwsDoor, UnknownCallersAreAnsweredBeforeTheirBody) {
  Start();
  auto head = [](const std::string& auth) {
    return "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: TrentService.Encrypt\r\n"
           "Content-Type: application/x-amz-json-1.1\r\nContent-Length: 900000\r\n" +
           auth + "\r\n";
  };
  std::string r = RawTls(server_->port(), server_->ca(), head(""), 1500);
  EXPECT_NE(r.find("403"), std::string::npos) << r;
  EXPECT_NE(r.find("MissingAuthenticationTokenException"), std::string::npos) << r;
  r = RawTls(server_->port(), server_->ca(),
             head("Authorization: AWS4-HMAC-SHA256 Credential=KEEPAAAAAAAAAAAAAAAA/20261201/"
                  "us-east-1/kms/aws4_request, SignedHeaders=host;x-amz-date, Signature=" +
                  std::string(64, 'a') + "\r\n"),
             1500);
  EXPECT_NE(r.find("UnrecognizedClientException"), std::string::npos) << r;
  const std::string trail = Slurp(server_->audit_path());
  EXPECT_NE(trail.find("\"detail\":\"aws Encrypt\""), std::string::npos) << "both audited";
}

TEST_F(AwsDoor, SealedAndRestartedKeepsTheKeys) {
  Start();
  const auto env = AwsKey({"root"});
  auto r = Sh(Py() + " \"$URL\" \"$CA\" encrypt alias/orders - kept > ct", env);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Ok({"operator", "seal"});
  r = Sh(Py() + " \"$URL\" \"$CA\" expect-error KMSInternalException list_keys '{}'", env);
  EXPECT_EQ(r.exit_code, 0) << "sealed: 503 " << r.out << r.err;
  // After a restart (dev-file unseals itself) the access key still signs: it is stored
  // under the barrier, not in memory only.
  server_->Stop();
  server_->Start();
  r = Sh(Py() + " \"$URL\" \"$CA\" decrypt \"$(cat ct)\" -", env);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "kept");
}

}  // namespace
}  // namespace keep::testing
