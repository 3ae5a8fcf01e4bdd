"""Just enough of the protobuf wire format to read the blobs of Anki's schema 18.

Schema 18 (`collection.anki21b`) keeps note type, template, deck and deck-options
settings as protobuf messages in BLOB columns, and the package's media map is a
protobuf message too. Anki's own `.proto` files are not needed to read them: the few
field numbers studyapp uses are named where they are read (see `anki_read`). Messages
decode into {field number: [values]}: varints as int, length-delimited fields as bytes
(a nested message, a string or a packed list), fixed32/fixed64 as raw bytes.
"""

from __future__ import annotations

import struct


class WireError(ValueError):
    """The bytes are not a protobuf message."""


def _varint(data: bytes, position: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if position >= len(data):
            raise WireError("truncated varint")
        byte = data[position]
        position += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, position
        shift += 7
        if shift > 63:
            raise WireError("varint longer than 10 bytes")


def decode(data: bytes | None) -> dict[int, list]:
    """The message's fields by number, each a list in wire order."""
    fields: dict[int, list] = {}
    data = bytes(data or b"")
    position = 0
    while position < len(data):
        key, position = _varint(data, position)
        number, wire_type = key >> 3, key & 7
        value: int | bytes
        if wire_type == 0:
            value, position = _varint(data, position)
        elif wire_type == 2:
            size, position = _varint(data, position)
            if position + size > len(data):
                raise WireError("truncated length-delimited field")
            value, position = data[position:position + size], position + size
        elif wire_type == 5:
            value, position = data[position:position + 4], position + 4
        elif wire_type == 1:
            value, position = data[position:position + 8], position + 8
        else:
            raise WireError(f"unsupported wire type {wire_type}")
        if position > len(data):
            raise WireError("truncated fixed-size field")
        fields.setdefault(number, []).append(value)
    return fields


def first(fields: dict[int, list], number: int, default=None):
    values = fields.get(number)
    return values[-1] if values else default  # protobuf: the last occurrence wins


def text(fields: dict[int, list], number: int) -> str:
    value = first(fields, number, b"")
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else ""


def message(fields: dict[int, list], number: int) -> dict[int, list]:
    value = first(fields, number, b"")
    return decode(value) if isinstance(value, bytes) else {}


def floats(fields: dict[int, list], number: int) -> list[float]:
    """A `repeated float`: packed (one length-delimited run) or one fixed32 per value."""
    result: list[float] = []
    for value in fields.get(number, []):
        if isinstance(value, bytes) and len(value) % 4 == 0:
            result.extend(struct.unpack(f"<{len(value) // 4}f", value))
    return result


def single_float(fields: dict[int, list], number: int) -> float | None:
    value = first(fields, number)
    if isinstance(value, bytes) and len(value) == 4:
        return struct.unpack("<f", value)[0]
    return None
