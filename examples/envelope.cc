// envelope KEY TEXT: encrypts TEXT as a record bound to {"example":"envelope"}, prints the
// record's size and the cache's counters, decrypts it and prints the plaintext.
#include <keep/envelope.h>
#include <keep/version.h>

#include "common.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: envelope KEY TEXT\n");
    return 2;
  }
  auto client = ClientFromEnvironment();
  keep::Envelope env(*client, {.key = argv[1]});
  const keep::EncryptionContext ctx{{"example", "envelope"}};
  auto record = env.Encrypt(argv[2], ctx);
  if (!record.ok()) {
    std::fprintf(stderr, "encrypt: %s\n", record.status().ToString().c_str());
    return 1;
  }
  auto again = env.Encrypt(argv[2], ctx);  // the cached data key: no keepd call
  auto plain = env.Decrypt(*record, ctx);
  if (!again.ok() || !plain.ok()) {
    std::fprintf(stderr, "decrypt: %s\n", plain.status().ToString().c_str());
    return 1;
  }
  const auto s = env.encrypt_cache();
  std::printf("libkeep %s: record of %zu bytes, %llu keepd call(s) for 2 records\n",
              keep::LibraryVersion(), record->size(), static_cast<unsigned long long>(s.misses));
  std::printf("%.*s\n", static_cast<int>(plain->size()), plain->data());
  return 0;
}
