// Managed objects and key blocks: attributes checked by name and type in both encodings,
// the stored form round-trips (and refuses what is not one), key blocks are read strictly
// and given back in every format keep offers.
#include "kmip/object.h"

#include <gtest/gtest.h>

#include "crypto/asymmetric.h"
#include "kmip/keyblock.h"

namespace keep::kmip {
namespace {

Item Attr(const std::string& name, Item value) {
  value.tag = tag::kAttributeValue;
  std::vector<Item> a;
  a.push_back(Item::Text(tag::kAttributeName, name));
  a.push_back(std::move(value));
  return Item::Structure(tag::kAttribute, std::move(a));
}

Item NameValue(const std::string& n) {
  std::vector<Item> v;
  v.push_back(Item::Text(tag::kNameValue, n));
  v.push_back(Item::Enumeration(tag::kNameType, 1));
  return Item::Structure(tag::kAttributeValue, std::move(v));
}

TEST(KmipAttributes, CheckedByNameAndType) {
  auto a = ParseAttribute(Attr("Cryptographic Length", Item::Integer(0, 256)));
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->name, "Cryptographic Length");
  EXPECT_EQ(a->value.number, 256);
  // A wrong type, an unknown name, a Name without its parts, no value at all.
  EXPECT_EQ(ParseAttribute(Attr("Cryptographic Length", Item::Text(0, "256"))).status().reason(),
            "bad_request");
  EXPECT_FALSE(ParseAttribute(Attr("Colour", Item::Text(0, "blue"))).ok());
  EXPECT_FALSE(ParseAttribute(Attr("Name", Item::Structure(0))).ok());
  std::vector<Item> only_name;
  only_name.push_back(Item::Text(tag::kAttributeName, "State"));
  EXPECT_EQ(
      ParseAttribute(Item::Structure(tag::kAttribute, std::move(only_name))).status().reason(),
      "kmip_missing_data");
  // Custom attributes: "x-" from clients; anything else unknown is refused.
  EXPECT_TRUE(ParseAttribute(Attr("x-owner", Item::Text(0, "ops"))).ok());
  EXPECT_FALSE(ParseAttribute(Attr("x-", Item::Text(0, "ops"))).ok());
  // KMIP 2.0: the attribute's own tag.
  auto v2 = ParseAttribute(Item::Enumeration(tag::kCryptographicAlgorithm, 3));
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(v2->name, "Cryptographic Algorithm");
  EXPECT_FALSE(ParseAttribute(Item::Integer(0x420999, 1)).ok());
}

TEST(KmipAttributes, WrittenInTheFormOfTheVersion) {
  Attribute a{"Name", 2, NameValue("disk")};
  const Item v1 = AttributeItem(a, {1, 4});
  EXPECT_EQ(v1.tag, tag::kAttribute);
  ASSERT_NE(v1.Find(tag::kAttributeIndex), nullptr);
  EXPECT_EQ(v1.Find(tag::kAttributeIndex)->number, 2);
  const Item v2 = AttributeItem(a, {2, 0});
  EXPECT_EQ(v2.tag, tag::kName);
  EXPECT_EQ(v2.Find(tag::kNameValue)->text, "disk");
  EXPECT_EQ(ValueText(a), "disk");
  EXPECT_EQ(ValueText(Attribute{"State", 0, Item::Enumeration(0, 2)}), "Active");
  EXPECT_EQ(ValueText(Attribute{"Initial Date", 0, Item::DateTime(0, 0)}), "1970-01-01T00:00:00Z");
}

TEST(KmipObjects, TheStoredFormRoundTrips) {
  ManagedObject o;
  o.uid = "2f1d0c1e-0000-4000-8000-000000000001";
  o.type = ObjectType::kSplitKey;
  o.group = "tapes";
  o.owner = "cert:library";
  o.material = crypto::SecretBytes::CopyOf(std::vector<uint8_t>(16, 7));
  o.has_material = true;
  o.split_parts = 3;
  o.split_id = 2;
  o.split_threshold = 2;
  o.split_method = 1;
  o.Set("State", Item::Enumeration(0, 1));
  EXPECT_EQ(o.Add("Name", NameValue("a")), 0);
  EXPECT_EQ(o.Add("Name", NameValue("b")), 1);
  o.Remove("Name", 0);
  EXPECT_EQ(o.Add("Name", NameValue("c")), 2) << "indexes are never reused";
  auto back = DecodeObject(EncodeObject(o).view());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->uid, o.uid);
  EXPECT_EQ(back->group, "tapes");
  EXPECT_EQ(back->owner, "cert:library");
  EXPECT_EQ(back->split_threshold, 2);
  EXPECT_TRUE(back->material == o.material);
  EXPECT_EQ(back->state(), State::kPreActive);
  ASSERT_EQ(back->FindAll("Name").size(), 2u);
  EXPECT_EQ(back->Find("Name", 2)->value.Find(tag::kNameValue)->text, "c");
  EXPECT_EQ(ResourceOf(*back), "kmip/tapes/" + o.uid);
  // Not a stored object: another tag, or an unknown field.
  EXPECT_FALSE(DecodeObject(Encode(Item::Structure(tag::kRequestMessage)).view()).ok());
  std::vector<Item> odd;
  odd.push_back(Item::Text(tag::kUniqueIdentifier, "x"));
  odd.push_back(Item::Integer(tag::kBatchCount, 1));
  EXPECT_FALSE(DecodeObject(Encode(Item::Structure(tag::kKeepObject, std::move(odd))).view()).ok());
  EXPECT_TRUE(ValidGroup("tape-library.1"));
  EXPECT_FALSE(ValidGroup("a/b"));
  EXPECT_FALSE(ValidGroup(""));
}

Item SymmetricKeyItem(ByteView key, uint32_t format, std::optional<int32_t> length) {
  std::vector<Item> value;
  value.push_back(Item::Bytes(tag::kKeyMaterial, key));
  std::vector<Item> block;
  block.push_back(Item::Enumeration(tag::kKeyFormatType, format));
  block.push_back(Item::Structure(tag::kKeyValue, std::move(value)));
  block.push_back(Item::Enumeration(tag::kCryptographicAlgorithm, 3));
  if (length) block.push_back(Item::Integer(tag::kCryptographicLength, *length));
  std::vector<Item> obj;
  obj.push_back(Item::Structure(tag::kKeyBlock, std::move(block)));
  return Item::Structure(tag::kSymmetricKey, std::move(obj));
}

TEST(KmipKeyBlocks, SymmetricKeysAreReadStrictly) {
  const std::vector<uint8_t> key(32, 9);
  ManagedObject o;
  auto facts = ReadObject(SymmetricKeyItem(key, 1, 256), o);
  ASSERT_TRUE(facts.ok()) << facts.status().ToString();
  EXPECT_EQ(*facts->length, 256);
  EXPECT_EQ(*facts->algorithm, 3u);
  ManagedObject bad;
  EXPECT_EQ(ReadObject(SymmetricKeyItem(key, 1, 128), bad).status().reason(), "bad_request")
      << "the length must match the key";
  EXPECT_EQ(ReadObject(SymmetricKeyItem(key, 4, std::nullopt), bad).status().reason(),
            "kmip_format_not_supported");
  EXPECT_FALSE(ReadObject(SymmetricKeyItem({}, 1, std::nullopt), bad).ok());
  bad.type = ObjectType::kPublicKey;
  EXPECT_FALSE(ReadObject(SymmetricKeyItem(key, 1, 256), bad).ok()) << "type mismatch";
  // Given back Raw and as a Transparent Symmetric Key; not as PKCS#8.
  auto raw = ObjectItem(o, std::nullopt);
  ASSERT_TRUE(raw.ok());
  auto t = ObjectItem(o, KeyFormat::kTransparentSymmetric);
  ASSERT_TRUE(t.ok());
  const Item* material = t->Find(tag::kKeyBlock)->Find(tag::kKeyValue)->Find(tag::kKeyMaterial);
  ASSERT_EQ(material->type, Type::kStructure);
  EXPECT_TRUE(material->Find(tag::kKey)->bytes.Equals(key));
  EXPECT_EQ(ObjectItem(o, KeyFormat::kPkcs8).status().reason(), "kmip_format_not_supported");
}

TEST(KmipKeyBlocks, RsaKeysConvertBetweenFormats) {
  auto pair = crypto::asym::KeyPair::Generate(crypto::asym::Kind::kRsa, 2048);
  ASSERT_TRUE(pair.ok());
  auto pkcs1 = EncodeKey(pair->get(), true, KeyFormat::kPkcs1);
  ASSERT_TRUE(pkcs1.ok());
  std::vector<Item> value;
  value.push_back(Item::Bytes(tag::kKeyMaterial, pkcs1->view()));
  std::vector<Item> block;
  block.push_back(Item::Enumeration(tag::kKeyFormatType, 3));
  block.push_back(Item::Structure(tag::kKeyValue, std::move(value)));
  std::vector<Item> obj;
  obj.push_back(Item::Structure(tag::kKeyBlock, std::move(block)));
  ManagedObject o;
  o.type = ObjectType::kPrivateKey;
  auto facts = ReadObject(Item::Structure(tag::kPrivateKey, std::move(obj)), o);
  ASSERT_TRUE(facts.ok()) << facts.status().ToString();
  EXPECT_EQ(*facts->length, 2048);
  EXPECT_EQ(*facts->algorithm, static_cast<uint32_t>(Algorithm::kRsa));
  auto p8 = ObjectItem(o, KeyFormat::kPkcs8);
  ASSERT_TRUE(p8.ok());
  const Item& m = *p8->Find(tag::kKeyBlock)->Find(tag::kKeyValue)->Find(tag::kKeyMaterial);
  auto again = crypto::asym::KeyPair::FromPkcs8(m.bytes.view());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->public_key().der(), pair->public_key().der());
  auto pub = PublicKeyOf(o);
  ASSERT_TRUE(pub.ok());
  auto spki = SpkiDer(pub->get());
  ASSERT_TRUE(spki.ok());
  EXPECT_EQ(*spki, pair->public_key().der());
  EXPECT_EQ(ObjectItem(o, KeyFormat::kX509).status().reason(), "kmip_format_not_supported");
  // Destroyed: no material to give.
  o.material = crypto::SecretBytes();
  o.has_material = false;
  EXPECT_FALSE(ObjectItem(o, std::nullopt).ok());
}

}  // namespace
}  // namespace keep::kmip
