// What every example does first: a keep::Client from KEEP_ADDR, KEEP_TOKEN, KEEP_CACERT.
#pragma once

#include <keep/client.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

inline std::unique_ptr<keep::Client> ClientFromEnvironment() {
  keep::ClientOptions o;
  if (const char* a = std::getenv("KEEP_ADDR")) o.address = a;
  if (const char* t = std::getenv("KEEP_TOKEN")) o.token = t;
  if (const char* c = std::getenv("KEEP_CACERT")) o.ca_cert_file = c;
  auto client = keep::Client::Create(o);
  if (!client.ok()) {
    std::fprintf(stderr, "%s\n", client.status().ToString().c_str());
    std::exit(1);
  }
  return std::move(client).value();
}
