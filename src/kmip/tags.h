// KMIP tags and enumerations keep's KMIP door uses (OASIS KMIP 1.0–2.0 §9.1.3; the values
// agree with Debian's python3-pykmip, which tests/interop/kmip_ttlv.py and message_test.cc
// check through its encodings).
#pragma once

#include <cstdint>

namespace keep::kmip {

namespace tag {
inline constexpr uint32_t kAuthentication = 0x42000C;
inline constexpr uint32_t kBatchCount = 0x42000D;
inline constexpr uint32_t kBatchErrorContinuationOption = 0x42000E;
inline constexpr uint32_t kBatchItem = 0x42000F;
inline constexpr uint32_t kBatchOrderOption = 0x420010;
inline constexpr uint32_t kAsynchronousIndicator = 0x420007;
inline constexpr uint32_t kMaximumResponseSize = 0x420050;
inline constexpr uint32_t kOperation = 0x42005C;
inline constexpr uint32_t kProtocolVersion = 0x420069;
inline constexpr uint32_t kProtocolVersionMajor = 0x42006A;
inline constexpr uint32_t kProtocolVersionMinor = 0x42006B;
inline constexpr uint32_t kRequestHeader = 0x420077;
inline constexpr uint32_t kRequestMessage = 0x420078;
inline constexpr uint32_t kRequestPayload = 0x420079;
inline constexpr uint32_t kResponseHeader = 0x42007A;
inline constexpr uint32_t kResponseMessage = 0x42007B;
inline constexpr uint32_t kResponsePayload = 0x42007C;
inline constexpr uint32_t kResultMessage = 0x42007D;
inline constexpr uint32_t kResultReason = 0x42007E;
inline constexpr uint32_t kResultStatus = 0x42007F;
inline constexpr uint32_t kTimeStamp = 0x420092;
inline constexpr uint32_t kUniqueBatchItemId = 0x420093;
inline constexpr uint32_t kObjectType = 0x420057;
inline constexpr uint32_t kQueryFunction = 0x420074;
inline constexpr uint32_t kServerInformation = 0x420088;
inline constexpr uint32_t kVendorIdentification = 0x42009D;
}  // namespace tag

enum class ObjectType : uint32_t {
  kCertificate = 1,
  kSymmetricKey = 2,
  kPublicKey = 3,
  kPrivateKey = 4,
  kSplitKey = 5,
  kSecretData = 7,
  kOpaqueData = 8,
};

enum class QueryFunction : uint32_t {
  kOperations = 1,
  kObjects = 2,
  kServerInformation = 3,
};

enum class Operation : uint32_t {
  kCreate = 0x01,
  kCreateKeyPair = 0x02,
  kRegister = 0x03,
  kDeriveKey = 0x05,
  kLocate = 0x08,
  kGet = 0x0A,
  kGetAttributes = 0x0B,
  kGetAttributeList = 0x0C,
  kAddAttribute = 0x0D,
  kModifyAttribute = 0x0E,
  kDeleteAttribute = 0x0F,
  kActivate = 0x12,
  kRevoke = 0x13,
  kDestroy = 0x14,
  kQuery = 0x18,
  kDiscoverVersions = 0x1E,
  kEncrypt = 0x1F,
  kDecrypt = 0x20,
  kSign = 0x21,
  kSignatureVerify = 0x22,
  kMac = 0x23,
};

enum class ResultStatus : uint32_t {
  kSuccess = 0,
  kOperationFailed = 1,
  kOperationPending = 2,
  kOperationUndone = 3,
};

enum class ResultReason : uint32_t {
  kItemNotFound = 0x01,
  kResponseTooLarge = 0x02,
  kAuthenticationNotSuccessful = 0x03,
  kInvalidMessage = 0x04,
  kOperationNotSupported = 0x05,
  kMissingData = 0x06,
  kInvalidField = 0x07,
  kFeatureNotSupported = 0x08,
  kCryptographicFailure = 0x0A,
  kIllegalOperation = 0x0B,
  kPermissionDenied = 0x0C,
  kGeneralFailure = 0x100,
};

}  // namespace keep::kmip
