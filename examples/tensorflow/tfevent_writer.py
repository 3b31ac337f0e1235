"""tf.summary's file format without TensorFlow: TFRecord-framed Event protos (event.proto), scalars
as TF2 writes them (a DT_FLOAT scalar tensor in Summary.Value.tensor) or, for the names given in
`tf1`, as TF1 did (Summary.Value.simple_value). Standard library only."""
import os
import socket
import struct
import time

_TABLE = []
for _i in range(256):
    _c = _i
    for _ in range(8):
        _c = (0x82F63B78 ^ (_c >> 1)) if _c & 1 else _c >> 1
    _TABLE.append(_c)


def _masked_crc(data):
    c = 0xFFFFFFFF
    for b in data:
        c = _TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    c ^= 0xFFFFFFFF
    return ((((c >> 15) | (c << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


def _varint(n):
    out = b""
    while True:
        b, n = n & 0x7F, n >> 7
        if not n:
            return out + bytes([b])
        out += bytes([b | 0x80])


def _field(num, wire, payload):
    key = _varint((num << 3) | wire)
    return key + _varint(len(payload)) + payload if wire == 2 else key + payload


class EventWriter:
    def __init__(self, folder):
        os.makedirs(folder, exist_ok=True)
        name = f"events.out.tfevents.{int(time.time())}.{socket.gethostname()}.{os.getpid()}.v2"
        self._f = open(os.path.join(folder, name), "wb")
        self._write(_field(1, 1, struct.pack("<d", time.time())) + _field(3, 2, b"brain.Event:2"))

    def _write(self, data):
        header = struct.pack("<Q", len(data))
        self._f.write(header + struct.pack("<I", _masked_crc(header)) + data + struct.pack("<I", _masked_crc(data)))
        self._f.flush()

    def scalars(self, step, values, tf1=()):
        summary = b""
        for tag, value in values.items():
            if tag in tf1:
                payload = _field(2, 5, struct.pack("<f", value))
            else:
                tensor = _field(1, 0, _varint(1)) + _field(2, 2, b"") + _field(4, 2, struct.pack("<f", value))
                payload = _field(8, 2, tensor)
            summary += _field(1, 2, _field(1, 2, tag.encode()) + payload)
        self._write(_field(1, 1, struct.pack("<d", time.time())) + _field(2, 0, _varint(step)) + _field(5, 2, summary))
