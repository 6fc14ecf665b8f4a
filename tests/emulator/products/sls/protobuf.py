"""PutLogs bodies: decompression (lz4, zstd, deflate) and a minimal protobuf LogGroup decoder.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ...call import Call
from ...errors import ApiError

if TYPE_CHECKING:
    pass


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(buf) or shift > 63:
            raise ValueError("truncated varint")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7


def _pb_fields(buf: bytes) -> Iterator[tuple[int, int | bytes]]:
    """(field number, value) of one protobuf message: ints for varint/fixed, bytes for length-delimited."""
    pos, n = 0, len(buf)
    while pos < n:
        key = buf[pos]  # (one-byte varints inline: keys and short lengths always are)
        key, pos = (key, pos + 1) if key < 0x80 else _varint(buf, pos)
        field, wire = key >> 3, key & 7
        if field == 0:
            raise ValueError("field number 0")
        if wire == 0:
            value, pos = _varint(buf, pos)
            yield field, value
        elif wire in (1, 5):
            size = 8 if wire == 1 else 4
            if pos + size > n:
                raise ValueError("truncated fixed field")
            yield field, int.from_bytes(buf[pos:pos + size], "little")
            pos += size
        elif wire == 2:
            size = buf[pos] if pos < n else 0x80
            size, pos = (size, pos + 1) if size < 0x80 else _varint(buf, pos)
            if pos + size > n:
                raise ValueError("truncated length-delimited field")
            yield field, buf[pos:pos + size]
            pos += size
        else:
            raise ValueError(f"unsupported wire type {wire}")


def _text(value: int | bytes) -> str:
    if not isinstance(value, bytes):
        raise ValueError("expected a string field")
    return value.decode("utf-8", errors="replace")


def _pair(buf: int | bytes) -> tuple[str, str]:
    """Log.Content / LogTag: Key = 1, Value = 2 (both required)."""
    if not isinstance(buf, bytes):
        raise ValueError("expected a message")
    # the usual encoding first (a short Key, then the Value, nothing else): a large run sends millions
    if len(buf) > 3 and buf[0] == 0x0A and buf[1] < 0x80 and len(buf) > 2 + buf[1] and buf[2 + buf[1]] == 0x12:
        key_end = 2 + buf[1]
        size, start = _varint(buf, key_end + 1)
        if start + size == len(buf):
            return buf[2:key_end].decode("utf-8", errors="replace"), buf[start:].decode("utf-8", errors="replace")
    fields = dict(_pb_fields(buf))
    if 1 not in fields or 2 not in fields:
        raise ValueError("key/value pair without Key or Value")
    return _text(fields[1]), _text(fields[2])


def decode_log_group(buf: bytes) -> dict[str, Any]:
    """LogGroup {Logs = 1, Reserved = 2, Topic = 3, Source = 4, MachineUUID = 5, LogTags = 6};
    Log {Time = 1, Contents = 2, Time_ns = 4}."""
    group: dict[str, Any] = {"logs": [], "topic": "", "source": "", "tags": []}
    for field, value in _pb_fields(buf):
        if field == 1:
            if not isinstance(value, bytes):
                raise ValueError("Log is not a message")
            log: dict[str, Any] = {"time": None, "contents": []}
            for f, v in _pb_fields(value):
                if f == 1 and isinstance(v, int):
                    log["time"] = v
                elif f == 2:
                    log["contents"].append(_pair(v))
            if log["time"] is None:
                raise ValueError("Log without Time")
            group["logs"].append(log)
        elif field == 3:
            group["topic"] = _text(value)
        elif field == 4:
            group["source"] = _text(value)
        elif field == 6:
            group["tags"].append(_pair(value))
    return group


def _decompress(call: Call) -> bytes:
    req = call.req
    kind = req.header("x-log-compresstype").lower()
    raw = req.header("x-log-bodyrawsize")
    try:
        size = int(raw) if raw else None
        if kind == "lz4":
            import lz4.block

            if size is None:
                raise ValueError("x-log-bodyrawsize is required with lz4")
            data = lz4.block.decompress(req.body, uncompressed_size=size)
        elif kind == "zstd":
            import zstd

            data = zstd.decompress(req.body)
        elif kind in ("deflate", "gzip"):
            data = zlib.decompress(req.body, 47 if kind == "gzip" else 15)
        elif kind == "":
            data = req.body
        else:
            raise ApiError("PostBodyInvalid", f"unsupported x-log-compresstype: {kind}", 400)
    except ApiError:
        raise
    except Exception as err:  # lz4/zstd/zlib raise their own error types
        raise ApiError("PostBodyUncompressError", f"failed to decompress the {kind or 'raw'} body: {err}",
                       400) from err
    if size is not None and len(data) != size:
        raise ApiError("PostBodyInvalid", f"decompressed size {len(data)} does not match x-log-bodyrawsize {size}",
                       400)
    return data


# --- encoding (PullLogs answers) -------------------------------------------------------------------

def _enc_varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _enc_field(field: int, value: bytes) -> bytes:
    """A length-delimited field (wire type 2)."""
    return _enc_varint(field << 3 | 2) + _enc_varint(len(value)) + value


def _enc_pair(key: str, value: str) -> bytes:
    return _enc_field(1, key.encode()) + _enc_field(2, value.encode())


def encode_log_group_list(records: list[dict[str, str]]) -> bytes:
    """LogGroupList {LogGroupList = 1} of stored logs, one LogGroup each (the emulator keeps logs, not the groups
    they came in): LogGroup {Logs = 1, Topic = 3, Source = 4, LogTags = 6}, Log {Time = 1 (varint), Contents = 2}
    (the numbers decode_log_group reads: SLS's "Protocol Buffer" format, help.aliyun.com doc 29055)."""
    out = bytearray()
    for r in records:
        contents = b"".join(_enc_field(2, _enc_pair(k, v)) for k, v in r.items()
                            if k not in ("__time__", "__source__", "__topic__") and not k.startswith("__tag__:"))
        log = _enc_varint(1 << 3) + _enc_varint(int(r.get("__time__", 0))) + contents
        group = _enc_field(1, log) + _enc_field(3, r.get("__topic__", "").encode()) + \
            _enc_field(4, r.get("__source__", "").encode()) + \
            b"".join(_enc_field(6, _enc_pair(k.removeprefix("__tag__:"), v)) for k, v in r.items()
                     if k.startswith("__tag__:"))
        out += _enc_field(1, group)
    return bytes(out)
