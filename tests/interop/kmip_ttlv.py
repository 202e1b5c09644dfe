#!/usr/bin/python3
"""The TTLV examples src/kmip/ttlv_test.cc holds, the DiscoverVersions request
src/kmip/message_test.cc reads and the answer discovery_test.cc expects, encoded by Debian's
python3-pykmip (an independent
implementation): exit 0 when pykmip writes exactly the same bytes."""
import os
import re
import sys

from kmip.core import enums, primitives, utils

TAG = enums.Tags.DEFAULT  # pykmip's 0x420000; the C++ test uses 0x420020


def enc(p):
    s = utils.BytearrayStream()
    p.write(s)
    h = s.buffer.hex()
    assert h.startswith("420000"), h
    return "420020" + h[6:]


CASES = [
    (primitives.Integer(8, tag=TAG), "42002002000000040000000800000000"),
    (primitives.LongInteger(123456789000000000, tag=TAG), "420020030000000801b69b4ba5749200"),
    (primitives.BigInteger(1234567890000000000000000000, tag=TAG),
     "42002004000000100000000003fd35eb6bc2df4618080000"),
    # (the C++ test's Enumeration is 255; pykmip takes only values of its enums: AES = 3)
    (primitives.Enumeration(enums.CryptographicAlgorithm, enums.CryptographicAlgorithm.AES,
                            tag=TAG), "42002005000000040000000300000000"),
    (primitives.Boolean(True, tag=TAG), "42002006000000080000000000000001"),
    (primitives.TextString("Hello World", tag=TAG),
     "420020070000000b48656c6c6f20576f726c640000000000"),
    (primitives.ByteString(b"\x01\x02\x03", tag=TAG), "42002008000000030102030000000000"),
    (primitives.DateTime(0x47DA67F8, tag=TAG), "42002009000000080000000047da67f8"),
    (primitives.Interval(864000, tag=TAG), "4200200a00000004000d2f0000000000"),
]

def request_hex():
    from kmip.core.messages import contents, messages, payloads
    hdr = messages.RequestHeader(protocol_version=contents.ProtocolVersion(1, 2),
                                 batch_count=contents.BatchCount(1))
    item = messages.RequestBatchItem(
        operation=contents.Operation(enums.Operation.DISCOVER_VERSIONS),
        unique_batch_item_id=contents.UniqueBatchItemID(b"\x01"),
        request_payload=payloads.DiscoverVersionsRequestPayload(
            [contents.ProtocolVersion(1, 4), contents.ProtocolVersion(1, 2)]))
    s = utils.BytearrayStream()
    messages.RequestMessage(request_header=hdr, batch_items=[item]).write(s)
    return s.buffer.hex()


here = os.path.dirname(os.path.abspath(__file__))
test = open(os.path.join(here, "..", "..", "src", "kmip", "message_test.cc")).read()
block = re.search(r"kPykmipDiscoverVersions =\s*((?:\s*\"[0-9a-f]+\")+);", test).group(1)
CASES.append(("request", "".join(re.findall(r'"([0-9a-f]+)"', block))))


def answer_hex():
    from kmip.core.messages import contents, payloads
    p = payloads.DiscoverVersionsResponsePayload(
        [contents.ProtocolVersion(1, 4), contents.ProtocolVersion(1, 2)])
    s = utils.BytearrayStream()
    p.write(s)
    return s.buffer.hex()


disc = open(os.path.join(here, "..", "..", "src", "kmip", "discovery_test.cc")).read()
block = re.search(r"kPykmipDiscoverVersionsAnswer =\s*((?:\s*\"[0-9a-f]+\")+);", disc).group(1)
CASES.append(("answer", "".join(re.findall(r'"([0-9a-f]+)"', block))))

bad = 0
for prim, want in CASES:
    got = (request_hex() if prim == "request" else answer_hex() if prim == "answer"
           else enc(prim))
    if got != want:
        print(f"pykmip: {got}\nkeep:   {want}")
        bad += 1
print(f"{len(CASES) - bad}/{len(CASES)} encodings agree")
sys.exit(1 if bad else 0)
