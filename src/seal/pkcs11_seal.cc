#include "seal/pkcs11_seal.h"

#include <dlfcn.h>
#include <p11-kit/pkcs11.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>
#include <vector>

#include "common/log.h"
#include "crypto/random.h"

namespace keep::seal {
namespace {

constexpr uint8_t kBlobVersion = 1;
constexpr size_t kIvSize = 12, kTagSize = 16, kKeySize = 32;
constexpr std::string_view kAad = "keep root key v1";

Status Fail(const std::string& what, CK_RV rv) {
  char code[32];
  std::snprintf(code, sizeof code, "0x%08lx", static_cast<unsigned long>(rv));
  std::string name;
  switch (rv) {
    case CKR_PIN_INCORRECT:
      name = " CKR_PIN_INCORRECT";
      break;
    case CKR_PIN_LOCKED:
      name = " CKR_PIN_LOCKED";
      break;
    case CKR_PIN_EXPIRED:
      name = " CKR_PIN_EXPIRED";
      break;
    case CKR_PIN_INVALID:
      name = " CKR_PIN_INVALID";
      break;
    case CKR_PIN_LEN_RANGE:
      name = " CKR_PIN_LEN_RANGE";
      break;
    case CKR_TOKEN_NOT_PRESENT:
      name = " CKR_TOKEN_NOT_PRESENT";
      break;
    case CKR_DEVICE_ERROR:
      name = " CKR_DEVICE_ERROR";
      break;
    case CKR_ENCRYPTED_DATA_INVALID:
      name = " CKR_ENCRYPTED_DATA_INVALID";
      break;
    case CKR_MECHANISM_INVALID:
      name = " CKR_MECHANISM_INVALID";
      break;
    default:
      break;
  }
  return Unavailable("sealed", "HSM: " + what + " (" + code + name + ")");
}

std::string Label32(const unsigned char* label) {
  std::string s(reinterpret_cast<const char*>(label), 32);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
  return s;
}

}  // namespace

struct Pkcs11Seal::Module {
  void* handle = nullptr;
  CK_FUNCTION_LIST_PTR f = nullptr;
  bool initialized = false;

  ~Module() {
    if (initialized) f->C_Finalize(nullptr);
    if (handle) dlclose(handle);
  }
};

namespace {

// One logged-in session; logs out and closes on destruction.
class Session {
 public:
  Session(CK_FUNCTION_LIST_PTR f) : f_(f) {}
  ~Session() {
    if (logged_in_) f_->C_Logout(h_);
    if (open_) f_->C_CloseSession(h_);
  }
  Status Open(const Pkcs11Options& o) {
    CK_ULONG n = 0;
    CK_RV rv = f_->C_GetSlotList(CK_TRUE, nullptr, &n);
    if (rv != CKR_OK) return Fail("cannot list slots", rv);
    std::vector<CK_SLOT_ID> slots(n);
    rv = f_->C_GetSlotList(CK_TRUE, slots.data(), &n);
    if (rv != CKR_OK) return Fail("cannot list slots", rv);
    slots.resize(n);
    std::optional<CK_SLOT_ID> slot;
    for (CK_SLOT_ID s : slots) {
      CK_TOKEN_INFO info;
      if (f_->C_GetTokenInfo(s, &info) == CKR_OK && Label32(info.label) == o.token_label) {
        slot = s;
        break;
      }
    }
    if (!slot) {
      return Unavailable("sealed", "HSM: no token labelled \"" + o.token_label + "\" in " +
                                       std::to_string(n) + " slot(s) of " + o.module);
    }
    rv = f_->C_OpenSession(*slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &h_);
    if (rv != CKR_OK) return Fail("cannot open a session", rv);
    open_ = true;
    if (!o.pin) return Unavailable("sealed", "HSM: no PIN source configured");
    auto pin = o.pin();  // read anew for every login: a corrected PIN file is picked up
    if (!pin.ok()) return Unavailable("sealed", "HSM PIN: " + pin.status().message());
    rv = f_->C_Login(h_, CKU_USER, const_cast<CK_UTF8CHAR_PTR>(pin->data()), pin->size());
    if (rv == CKR_USER_ALREADY_LOGGED_IN) return Status::Ok();
    if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LOCKED || rv == CKR_PIN_EXPIRED ||
        rv == CKR_PIN_INVALID || rv == CKR_PIN_LEN_RANGE) {
      const Status st = Fail("the token \"" + o.token_label + "\" refused the PIN", rv);
      return Status(Code::kUnavailable, "hsm_pin_rejected", st.message());
    }
    if (rv != CKR_OK) return Fail("login to token \"" + o.token_label + "\" failed", rv);
    logged_in_ = true;
    return Status::Ok();
  }
  Result<std::optional<CK_OBJECT_HANDLE>> FindKey(const std::string& label) {
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_KEY_TYPE type = CKK_AES;
    CK_ATTRIBUTE tmpl[] = {{CKA_CLASS, &cls, sizeof cls},
                           {CKA_KEY_TYPE, &type, sizeof type},
                           {CKA_LABEL, const_cast<char*>(label.data()), label.size()}};
    CK_RV rv = f_->C_FindObjectsInit(h_, tmpl, 3);
    if (rv != CKR_OK) return Fail("cannot search for the key", rv);
    CK_OBJECT_HANDLE found[2];
    CK_ULONG count = 0;
    rv = f_->C_FindObjects(h_, found, 2, &count);
    f_->C_FindObjectsFinal(h_);
    if (rv != CKR_OK) return Fail("cannot search for the key", rv);
    if (count > 1) {
      return Unavailable("sealed", "HSM: more than one AES key is labelled \"" + label + "\"");
    }
    if (count == 0) return std::optional<CK_OBJECT_HANDLE>();
    return std::optional<CK_OBJECT_HANDLE>(found[0]);
  }
  Result<CK_OBJECT_HANDLE> GenerateKey(const std::string& label) {
    CK_MECHANISM mech{CKM_AES_KEY_GEN, nullptr, 0};
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_KEY_TYPE type = CKK_AES;
    CK_ULONG len = kKeySize;
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    CK_ATTRIBUTE tmpl[] = {{CKA_CLASS, &cls, sizeof cls},
                           {CKA_KEY_TYPE, &type, sizeof type},
                           {CKA_VALUE_LEN, &len, sizeof len},
                           {CKA_LABEL, const_cast<char*>(label.data()), label.size()},
                           {CKA_TOKEN, &yes, sizeof yes},
                           {CKA_PRIVATE, &yes, sizeof yes},
                           {CKA_SENSITIVE, &yes, sizeof yes},
                           {CKA_EXTRACTABLE, &no, sizeof no},
                           {CKA_ENCRYPT, &yes, sizeof yes},
                           {CKA_DECRYPT, &yes, sizeof yes},
                           {CKA_WRAP, &no, sizeof no},
                           {CKA_UNWRAP, &no, sizeof no}};
    CK_OBJECT_HANDLE key = 0;
    CK_RV rv = f_->C_GenerateKey(h_, &mech, tmpl, sizeof tmpl / sizeof tmpl[0], &key);
    if (rv != CKR_OK) return Fail("cannot generate the AES key \"" + label + "\"", rv);
    return key;
  }
  // AES-GCM encrypt (decrypt = false) or decrypt inside the token.
  Status Gcm(bool encrypt, CK_OBJECT_HANDLE key, ByteView iv, ByteView in, std::span<uint8_t> out) {
    CK_GCM_PARAMS params{};
    params.iv_ptr = const_cast<unsigned char*>(iv.data());
    params.iv_len = iv.size();
    params.iv_bits = iv.size() * 8;
    params.aad_ptr = reinterpret_cast<unsigned char*>(const_cast<char*>(kAad.data()));
    params.aad_len = kAad.size();
    params.tag_bits = kTagSize * 8;
    CK_MECHANISM mech{CKM_AES_GCM, &params, sizeof params};
    CK_RV rv = encrypt ? f_->C_EncryptInit(h_, &mech, key) : f_->C_DecryptInit(h_, &mech, key);
    if (rv != CKR_OK) return Fail("cannot start AES-GCM with the key", rv);
    // Some modules (SoftHSM) want room for the whole input even when decrypting.
    crypto::SecretBytes buf = crypto::SecretBytes::Locked(std::max(in.size(), out.size()));
    CK_ULONG n = buf.size();
    rv = encrypt ? f_->C_Encrypt(h_, const_cast<uint8_t*>(in.data()), in.size(), buf.data(), &n)
                 : f_->C_Decrypt(h_, const_cast<uint8_t*>(in.data()), in.size(), buf.data(), &n);
    if (rv != CKR_OK || n != out.size()) {
      return Fail(encrypt ? "AES-GCM encryption failed"
                          : "the HSM key does not open the wrapped root key (another key "
                            "with this label, or a damaged seal record)",
                  rv);
    }
    std::memcpy(out.data(), buf.data(), n);
    return Status::Ok();
  }

 private:
  CK_FUNCTION_LIST_PTR f_;
  CK_SESSION_HANDLE h_ = 0;
  bool open_ = false, logged_in_ = false;
};

}  // namespace

Pkcs11Seal::Pkcs11Seal(Pkcs11Options options) : options_(std::move(options)) {}

Pkcs11Seal::~Pkcs11Seal() = default;

void Pkcs11Seal::Release() {
  module_.reset();
}

namespace {
Status Connect(const Pkcs11Options& o, std::shared_ptr<Pkcs11Seal::Module>& m);
}  // namespace

Result<Bytes> Pkcs11Seal::Wrap(const crypto::SecretBytes& root_key) {
  if (root_key.size() != kKeySize) return InvalidArgument("root key must be 32 bytes");
  KEEP_RETURN_IF_ERROR(Connect(options_, module_));
  Session s(module_->f);
  KEEP_RETURN_IF_ERROR(s.Open(options_));
  KEEP_ASSIGN_OR_RETURN(auto key, s.FindKey(options_.key_label));
  if (!key && options_.generate_key) {
    KEEP_ASSIGN_OR_RETURN(key, s.GenerateKey(options_.key_label));
    log::Info("seal: generated the AES key \"{}\" in token \"{}\"", options_.key_label,
              options_.token_label);
  }
  if (!key) {
    return Unavailable("sealed", "HSM: no AES key labelled \"" + options_.key_label +
                                     "\" in token \"" + options_.token_label +
                                     "\" (set seal.generate_key = true to create it at init)");
  }
  Bytes blob(1 + kIvSize + kKeySize + kTagSize);
  blob[0] = kBlobVersion;
  std::span<uint8_t> iv(blob.data() + 1, kIvSize);
  KEEP_RETURN_IF_ERROR(crypto::RandomFill(iv));
  KEEP_RETURN_IF_ERROR(
      s.Gcm(true, *key, iv, root_key.view(), std::span<uint8_t>(blob).subspan(1 + kIvSize)));
  return blob;
}

Result<crypto::SecretBytes> Pkcs11Seal::Unwrap(ByteView wrapped) {
  if (wrapped.size() != 1 + kIvSize + kKeySize + kTagSize || wrapped[0] != kBlobVersion) {
    return Unavailable("sealed", "the seal record holds no valid HSM-wrapped root key");
  }
  KEEP_RETURN_IF_ERROR(Connect(options_, module_));
  const auto module = module_;  // outlives the session even if released below
  Session s(module->f);
  if (Status st = s.Open(options_); !st.ok()) {
    Release();  // the next attempt loads the module afresh (a token that came back)
    return st;
  }
  KEEP_ASSIGN_OR_RETURN(auto key, s.FindKey(options_.key_label));
  if (!key) {
    return Unavailable("sealed", "HSM: no AES key labelled \"" + options_.key_label +
                                     "\" in token \"" + options_.token_label + "\"");
  }
  crypto::SecretBytes root = crypto::SecretBytes::Locked(kKeySize);
  KEEP_RETURN_IF_ERROR(s.Gcm(false, *key, wrapped.subspan(1, kIvSize), wrapped.subspan(1 + kIvSize),
                             root.mutable_view()));
  return root;
}

namespace {

Status Connect(const Pkcs11Options& o, std::shared_ptr<Pkcs11Seal::Module>& m) {
  if (m) return Status::Ok();
  static std::mutex mu;
  static std::map<std::string, std::weak_ptr<Pkcs11Seal::Module>> loaded;
  std::lock_guard lock(mu);
  if (auto existing = loaded[o.module].lock()) {
    m = std::move(existing);
    return Status::Ok();
  }
  auto mod = std::make_shared<Pkcs11Seal::Module>();
  mod->handle = dlopen(o.module.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (mod->handle == nullptr) {
    const char* err = dlerror();
    return Unavailable("sealed", "HSM: cannot load the PKCS#11 module " + o.module + ": " +
                                     (err ? err : "unknown error"));
  }
  auto get = reinterpret_cast<CK_C_GetFunctionList>(dlsym(mod->handle, "C_GetFunctionList"));
  if (get == nullptr || get(&mod->f) != CKR_OK || mod->f == nullptr) {
    return Unavailable("sealed", "HSM: " + o.module + " is not a PKCS#11 module");
  }
  CK_C_INITIALIZE_ARGS args{};
  args.flags = CKF_OS_LOCKING_OK;
  CK_RV rv = mod->f->C_Initialize(&args);
  if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
    return Fail("cannot initialize " + o.module, rv);
  }
  mod->initialized = rv == CKR_OK;
  loaded[o.module] = mod;
  m = std::move(mod);
  return Status::Ok();
}

}  // namespace

}  // namespace keep::seal
