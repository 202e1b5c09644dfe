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
// Attributes and their parts.
inline constexpr uint32_t kAttribute = 0x420008;
inline constexpr uint32_t kAttributeIndex = 0x420009;
inline constexpr uint32_t kAttributeName = 0x42000A;
inline constexpr uint32_t kAttributeValue = 0x42000B;
inline constexpr uint32_t kAttributes = 0x420125;  // KMIP 2.0
inline constexpr uint32_t kAttributeReference = 0x42013B;
inline constexpr uint32_t kCurrentAttribute = 0x42013C;
inline constexpr uint32_t kNewAttribute = 0x42013D;
inline constexpr uint32_t kTemplateAttribute = 0x420091;
inline constexpr uint32_t kCommonTemplateAttribute = 0x42001F;
inline constexpr uint32_t kPrivateKeyTemplateAttribute = 0x420065;
inline constexpr uint32_t kPublicKeyTemplateAttribute = 0x42006E;
inline constexpr uint32_t kCommonAttributes = 0x420126;
inline constexpr uint32_t kPrivateKeyAttributes = 0x420127;
inline constexpr uint32_t kPublicKeyAttributes = 0x420128;
inline constexpr uint32_t kUniqueIdentifier = 0x420094;
inline constexpr uint32_t kName = 0x420053;
inline constexpr uint32_t kNameType = 0x420054;
inline constexpr uint32_t kNameValue = 0x420055;
inline constexpr uint32_t kCryptographicAlgorithm = 0x420028;
inline constexpr uint32_t kCryptographicLength = 0x42002A;
inline constexpr uint32_t kCryptographicParameters = 0x42002B;
inline constexpr uint32_t kCryptographicUsageMask = 0x42002C;
inline constexpr uint32_t kCertificateType = 0x42001D;
inline constexpr uint32_t kOperationPolicyName = 0x42005D;
inline constexpr uint32_t kState = 0x42008D;
inline constexpr uint32_t kInitialDate = 0x420039;
inline constexpr uint32_t kActivationDate = 0x420001;
inline constexpr uint32_t kProcessStartDate = 0x420067;
inline constexpr uint32_t kProtectStopDate = 0x420068;
inline constexpr uint32_t kDeactivationDate = 0x42002F;
inline constexpr uint32_t kDestroyDate = 0x420033;
inline constexpr uint32_t kCompromiseOccurrenceDate = 0x420021;
inline constexpr uint32_t kCompromiseDate = 0x420020;
inline constexpr uint32_t kRevocationReason = 0x420081;
inline constexpr uint32_t kRevocationReasonCode = 0x420082;
inline constexpr uint32_t kRevocationMessage = 0x420080;
inline constexpr uint32_t kObjectGroup = 0x420056;
inline constexpr uint32_t kLink = 0x42004A;
inline constexpr uint32_t kLinkType = 0x42004B;
inline constexpr uint32_t kLinkedObjectIdentifier = 0x42004C;
inline constexpr uint32_t kApplicationSpecificInformation = 0x420004;
inline constexpr uint32_t kContactInformation = 0x420022;
inline constexpr uint32_t kLastChangeDate = 0x420048;
inline constexpr uint32_t kCustomAttribute = 0x42002D;
inline constexpr uint32_t kSensitive = 0x420120;
inline constexpr uint32_t kExtractable = 0x420122;
inline constexpr uint32_t kDescription = 0x4200FC;
inline constexpr uint32_t kComment = 0x4200FD;
inline constexpr uint32_t kOriginalCreationDate = 0x4200BC;
// Objects and key blocks.
inline constexpr uint32_t kSymmetricKey = 0x42008F;
inline constexpr uint32_t kPublicKey = 0x42006D;
inline constexpr uint32_t kPrivateKey = 0x420064;
inline constexpr uint32_t kSecretData = 0x420085;
inline constexpr uint32_t kSecretDataType = 0x420086;
inline constexpr uint32_t kOpaqueObject = 0x42005B;
inline constexpr uint32_t kOpaqueDataType = 0x420059;
inline constexpr uint32_t kOpaqueDataValue = 0x42005A;
inline constexpr uint32_t kCertificate = 0x420013;
inline constexpr uint32_t kCertificateValue = 0x42001E;
inline constexpr uint32_t kSplitKey = 0x420089;
inline constexpr uint32_t kSplitKeyParts = 0x42008B;
inline constexpr uint32_t kKeyPartIdentifier = 0x420044;
inline constexpr uint32_t kSplitKeyThreshold = 0x42008C;
inline constexpr uint32_t kSplitKeyMethod = 0x42008A;
inline constexpr uint32_t kPrimeFieldSize = 0x420062;
inline constexpr uint32_t kKeyBlock = 0x420040;
inline constexpr uint32_t kKeyFormatType = 0x420042;
inline constexpr uint32_t kKeyCompressionType = 0x420041;
inline constexpr uint32_t kKeyValue = 0x420045;
inline constexpr uint32_t kKeyMaterial = 0x420043;
inline constexpr uint32_t kKeyWrappingData = 0x420046;
inline constexpr uint32_t kKeyWrappingSpecification = 0x420047;
inline constexpr uint32_t kKey = 0x42003F;  // Transparent Symmetric Key's
inline constexpr uint32_t kPrivateKeyUniqueIdentifier = 0x420066;
inline constexpr uint32_t kPublicKeyUniqueIdentifier = 0x42006F;
// Locate.
inline constexpr uint32_t kMaximumItems = 0x42004F;
inline constexpr uint32_t kOffsetItems = 0x4200D4;
inline constexpr uint32_t kStorageStatusMask = 0x42008E;
inline constexpr uint32_t kLocatedItems = 0x4200D5;
// Cryptographic operations.
inline constexpr uint32_t kData = 0x4200C2;
inline constexpr uint32_t kIvCounterNonce = 0x42003D;
inline constexpr uint32_t kCorrelationValue = 0x4200D6;
inline constexpr uint32_t kInitIndicator = 0x4200D7;
inline constexpr uint32_t kFinalIndicator = 0x4200D8;
inline constexpr uint32_t kSignatureData = 0x4200C3;
inline constexpr uint32_t kValidityIndicator = 0x42009B;
inline constexpr uint32_t kMacData = 0x4200C6;
inline constexpr uint32_t kDigestedData = 0x420107;
inline constexpr uint32_t kAuthenticatedEncryptionAdditionalData = 0x4200FE;
inline constexpr uint32_t kAuthenticatedEncryptionTag = 0x4200FF;
inline constexpr uint32_t kBlockCipherMode = 0x420011;
inline constexpr uint32_t kPaddingMethod = 0x42005F;
inline constexpr uint32_t kHashingAlgorithm = 0x420038;
inline constexpr uint32_t kKeyRoleType = 0x420083;
inline constexpr uint32_t kDigitalSignatureAlgorithm = 0x4200AE;
inline constexpr uint32_t kRandomIv = 0x4200C5;
inline constexpr uint32_t kIvLength = 0x4200CD;
inline constexpr uint32_t kTagLength = 0x4200CE;
inline constexpr uint32_t kMaskGenerator = 0x420101;
inline constexpr uint32_t kMaskGeneratorHashingAlgorithm = 0x420102;
inline constexpr uint32_t kDerivationMethod = 0x420031;
inline constexpr uint32_t kDerivationParameters = 0x420032;
inline constexpr uint32_t kDerivationData = 0x420030;
inline constexpr uint32_t kSalt = 0x420084;
inline constexpr uint32_t kIterationCount = 0x42003C;
inline constexpr uint32_t kInitializationVector = 0x42003A;
inline constexpr uint32_t kRevocationReasonStructure = kRevocationReason;
// keep's own (the 0x54xxxx extension range): the stored form of a managed object.
inline constexpr uint32_t kKeepObject = 0x540001;
inline constexpr uint32_t kKeepGroup = 0x540002;
inline constexpr uint32_t kKeepOwner = 0x540003;
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
inline constexpr uint32_t kCertificateTypeX509 = 1;

enum class KeyFormat : uint32_t {
  kRaw = 1,
  kOpaque = 2,
  kPkcs1 = 3,
  kPkcs8 = 4,
  kX509 = 5,
  kTransparentSymmetric = 7,
};

enum class Algorithm : uint32_t {
  kAes = 3,
  kRsa = 4,
  kEcdsa = 6,
  kHmacSha1 = 7,
  kHmacSha224 = 8,
  kHmacSha256 = 9,
  kHmacSha384 = 0xA,
  kHmacSha512 = 0xB,
  kEc = 0x1A,
  kChaCha20 = 0x1C,
  kEd25519 = 0x37,
};

enum class State : uint32_t {
  kPreActive = 1,
  kActive = 2,
  kDeactivated = 3,
  kCompromised = 4,
  kDestroyed = 5,
  kDestroyedCompromised = 6,
};

enum class RevocationReasonCode : uint32_t {
  kUnspecified = 1,
  kKeyCompromise = 2,
  kCaCompromise = 3,
};

enum class LinkType : uint32_t {
  kPublicKeyLink = 0x102,
  kPrivateKeyLink = 0x103,
  kDerivationBaseObjectLink = 0x104,
  kDerivedKeyLink = 0x105,
};

enum UsageMask : uint32_t {
  kUsageSign = 0x1,
  kUsageVerify = 0x2,
  kUsageEncrypt = 0x4,
  kUsageDecrypt = 0x8,
  kUsageWrapKey = 0x10,
  kUsageUnwrapKey = 0x20,
  kUsageExport = 0x40,
  kUsageMacGenerate = 0x80,
  kUsageMacVerify = 0x100,
  kUsageDeriveKey = 0x200,
};

enum class BlockCipherMode : uint32_t { kCbc = 1, kEcb = 2, kCtr = 6, kGcm = 9 };
enum class PaddingMethod : uint32_t { kNone = 1, kOaep = 2, kPkcs5 = 3, kPkcs1v15 = 8, kPss = 0xA };
enum class HashingAlgorithm : uint32_t {
  kSha1 = 4,
  kSha224 = 5,
  kSha256 = 6,
  kSha384 = 7,
  kSha512 = 8,
};
enum class SignatureAlgorithm : uint32_t {
  kSha256WithRsa = 5,
  kSha384WithRsa = 6,
  kSha512WithRsa = 7,
  kRsassaPss = 8,
  kEcdsaWithSha256 = 0xE,
  kEcdsaWithSha384 = 0xF,
  kEcdsaWithSha512 = 0x10,
};
enum class DerivationMethod : uint32_t {
  kPbkdf2 = 1,
  kHash = 2,
  kHmac = 3,
  kEncrypt = 4,
  kNist800108Counter = 5,
  kHkdf = 0xA,
};
enum class ValidityIndicator : uint32_t { kValid = 1, kInvalid = 2, kUnknown = 3 };

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
  kObjectArchived = 0x0D,
  kIndexOutOfBounds = 0x0E,
  kApplicationNamespaceNotSupported = 0x0F,
  kKeyFormatTypeNotSupported = 0x10,
  kKeyCompressionTypeNotSupported = 0x11,
  kEncodingOptionError = 0x12,
  kKeyValueNotPresent = 0x13,
  kAttestationRequired = 0x14,
  kAttestationFailed = 0x15,
  kSensitive = 0x16,
  kNotExtractable = 0x17,
  kObjectAlreadyExists = 0x18,
  kInvalidDataType = 0x1C,
  kReadOnlyAttribute = 0x1D,
  kGeneralFailure = 0x100,
};

}  // namespace keep::kmip
