#!/usr/bin/env python3
"""Read an fmriface bundle (docs/bundle-format.md) with numpy only.

    python3 read_bundle.py FILE            # list metadata and tensors
    python3 read_bundle.py --json FILE     # dump everything as JSON (for tests)

As a module: read_bundle(path) -> (meta, tensors, dtypes): dicts keyed by
metadata key or tensor name, holding the metadata values, the decoded numpy
arrays, and the stored dtype codes. Float tensors of every encoding come back as float32, integer tensors as
int16, uint8 or int32. Everything is verified: magic, byte order, version,
header CRC32C, file size, SHA-256 trailer, section layout, tensor bounds and
alignment, and each tensor's CRC32C.
"""
import base64
import hashlib
import json
import struct
import sys

import numpy as np

MAGIC = b"\x89FMB\r\n\x1a\n"
HEADER = struct.Struct("<8sIIQQQQQQQIIII")  # 88 bytes, little-endian
FLOAT, F16, Q8, Q4, Q4F32, I16, U8, I32, Q3 = 1, 2, 3, 4, 5, 6, 7, 8, 9
NAMES = {1: "f32", 2: "f16", 3: "q8", 4: "q4", 5: "q4f32", 6: "i16", 7: "u8", 8: "i32", 9: "q3"}
PLAIN = {FLOAT: "<f4", F16: "<f2", I16: "<i2", U8: "u1", I32: "<i4"}


def _crc32c_table():
    poly, table = 0x82F63B78, []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ poly if c & 1 else c >> 1
        table.append(c)
    return table


_TABLE = _crc32c_table()


def crc32c(data):
    """CRC-32C (Castagnoli), reflected, init and final xor 0xFFFFFFFF."""
    c, t = 0xFFFFFFFF, _TABLE
    for b in data:
        c = t[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


class BundleError(ValueError):
    pass


def _check(cond, msg):
    if not cond:
        raise BundleError(msg)


def _rows_cols(shape):
    n = int(np.prod(shape, dtype=np.int64))
    if len(shape) < 2:
        return 1, n
    return shape[0], int(np.prod(shape[1:], dtype=np.int64))


def decode(dtype, shape, raw):
    """Decode one tensor's stored bytes into a numpy array of the given shape."""
    shape = tuple(shape)
    if dtype in PLAIN:
        x = np.frombuffer(raw, PLAIN[dtype])
        return (x.astype(np.float32) if dtype == F16 else x.astype(x.dtype.newbyteorder("="))).reshape(shape)
    rows, cols = _rows_cols(shape)
    if dtype == Q8:  # rows float32 scales, then rows*cols int8
        s = np.frombuffer(raw, "<f4", rows).astype(np.float32)
        q = np.frombuffer(raw, np.int8, rows * cols, 4 * rows).reshape(rows, cols)
        return (q * s[:, None]).astype(np.float32).reshape(shape)
    if dtype in (Q4, Q4F32):  # rows*nb scales, then rows*nb blocks of 16 bytes
        nb = -(-cols // 32)
        sd = np.dtype("<f2" if dtype == Q4 else "<f4")
        s = np.frombuffer(raw, sd, rows * nb).astype(np.float32).reshape(rows, nb, 1)
        p = np.frombuffer(raw, np.uint8, rows * nb * 16, rows * nb * sd.itemsize).reshape(rows, nb, 16)
        n = np.stack([p & 15, p >> 4], -1).reshape(rows, nb, 32).astype(np.int8)  # value 2j low, 2j+1 high
        q = np.where(n > 7, n - 16, n).astype(np.int8)  # 4-bit two's complement
        return (q * s).astype(np.float32).reshape(rows, nb * 32)[:, :cols].reshape(shape)
    if dtype == Q3:  # rows*nb float16 scales, then rows*nb blocks of 12 bytes: two bit planes
        nb = -(-cols // 32)
        s = np.frombuffer(raw, "<f2", rows * nb).astype(np.float32).reshape(rows, nb, 1)
        p = np.frombuffer(raw, np.uint8, rows * nb * 12, rows * nb * 2).reshape(rows, nb, 12)
        lo = np.stack([(p[..., :8] >> (2 * k)) & 3 for k in range(4)], -1).reshape(rows, nb, 32)  # value 4j+k
        hi = np.stack([(p[..., 8:] >> k) & 1 for k in range(8)], -1).reshape(rows, nb, 32)  # value 8j+k
        n = (lo | hi << 2).astype(np.int8)
        q = np.where(n > 3, n - 8, n).astype(np.int8)  # 3-bit two's complement
        return (q * s).astype(np.float32).reshape(rows, nb * 32)[:, :cols].reshape(shape)
    raise BundleError("unknown dtype %d" % dtype)


def _payload_size(dtype, shape):
    rows, cols = _rows_cols(shape)
    if dtype in PLAIN:
        return rows * cols * np.dtype(PLAIN[dtype]).itemsize
    if dtype == Q8:
        return 4 * rows + rows * cols
    if dtype in (Q4, Q4F32, Q3):
        return rows * (-(-cols // 32)) * {Q4: 18, Q4F32: 20, Q3: 14}[dtype]
    raise BundleError("unknown dtype %d" % dtype)


class _Cursor:
    def __init__(self, buf, pos, end):
        self.buf, self.pos, self.end = buf, pos, end

    def take(self, n):
        _check(self.pos + n <= self.end, "field of %d bytes at offset %d runs past its section" % (n, self.pos))
        b = self.buf[self.pos:self.pos + n]
        self.pos += n
        return b

    def unpack(self, fmt):
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))

    def string(self, lenfmt="<I"):
        (n,) = self.unpack(lenfmt)
        return self.take(n).decode("utf-8")


def _meta_value(c):
    (t,) = c.unpack("<B")
    if t == 1:
        return c.string()
    if t == 2:
        return c.unpack("<q")[0]
    if t == 3:
        return c.unpack("<d")[0]
    if t == 4:
        (v,) = c.unpack("<B")
        _check(v in (0, 1), "bool byte %d" % v)
        return v == 1
    if t == 5:
        (n,) = c.unpack("<I")
        return [c.string() for _ in range(n)]
    if t == 6:
        (n,) = c.unpack("<I")
        return list(c.unpack("<%dq" % n))
    if t == 7:
        (n,) = c.unpack("<I")
        return list(c.unpack("<%dd" % n))
    if t == 8:
        return json.loads(c.string())
    raise BundleError("unknown metadata type %d" % t)


def read_bundle(path, verify_crc=True):
    with open(path, "rb") as f:
        buf = f.read()
    _check(len(buf) >= 120, "%s: %d bytes, too short" % (path, len(buf)))
    (magic, bom, version, size, moff, msize, toff, tsize, doff, dsize,
     nmeta, ntensor, flags, hcrc) = HEADER.unpack_from(buf)
    _check(magic == MAGIC, "%s: not a bundle" % path)
    _check(bom == 0x01020304, "%s: not little-endian" % path)
    _check(version in (1, 2), "%s: format version %d (this reader knows 1 and 2)" % (path, version))
    _check(crc32c(buf[:84]) == hcrc, "%s: header CRC32C mismatch" % path)
    _check(size == len(buf), "%s: %d bytes, header says %d" % (path, len(buf), size))
    _check(flags == 0 and moff == 88 and toff == moff + msize and doff % 64 == 0
           and doff >= toff + tsize and doff + dsize == size - 32, "%s: bad section layout" % path)
    _check(hashlib.sha256(buf[:-32]).digest() == buf[-32:], "%s: SHA-256 mismatch" % path)

    c, meta = _Cursor(buf, moff, moff + msize), {}
    for _ in range(nmeta):
        key = c.string("<H")
        meta[key] = _meta_value(c)
    c, tensors = _Cursor(buf, toff, toff + tsize), {}
    for _ in range(ntensor):
        name = c.string("<H")
        dtype, rank = c.unpack("<BB")
        _check(dtype != Q3 or version >= 2, "%s: dtype q3 in a version %d file" % (path, version))
        shape = c.unpack("<%dQ" % rank)
        off, nbytes, crc = c.unpack("<QQI")
        _check(off % 64 == 0 and doff <= off and off + nbytes <= doff + dsize, "%s: tensor %s out of bounds" % (path, name))
        _check(nbytes == _payload_size(dtype, shape), "%s: tensor %s has %d bytes" % (path, name, nbytes))
        raw = buf[off:off + nbytes]
        _check(not verify_crc or crc32c(raw) == crc, "%s: tensor %s CRC32C mismatch" % (path, name))
        tensors[name] = (dtype, decode(dtype, shape, raw))
    return meta, {k: v for k, (_, v) in tensors.items()}, {k: d for k, (d, _) in tensors.items()}


def _finite(v):
    """Spell non-finite floats as strings, which strict JSON cannot hold."""
    if isinstance(v, float) and not np.isfinite(v):
        return repr(v)
    if isinstance(v, list):
        return [_finite(x) for x in v]
    return v


def main(argv):
    as_json = "--json" in argv
    paths = [a for a in argv if a != "--json"]
    if len(paths) != 1:
        sys.exit("usage: read_bundle.py [--json] FILE")
    meta, tensors, dtypes = read_bundle(paths[0])
    if as_json:
        out = {"meta": {k: _finite(v) for k, v in meta.items()}, "tensors": {}}
        for name, x in tensors.items():
            out["tensors"][name] = {"dtype": NAMES[dtypes[name]], "shape": list(x.shape), "numpy": x.dtype.str,
                                    "data": base64.b64encode(np.ascontiguousarray(x).astype(x.dtype.newbyteorder("<")).tobytes()).decode()}
        json.dump(out, sys.stdout)
        return
    for k, v in meta.items():
        print("meta   %-28s %r" % (k, v))
    for name, x in tensors.items():
        print("tensor %-28s %-6s %-16s mean %+.4g" % (name, NAMES[dtypes[name]], list(x.shape), x.astype(np.float64).mean() if x.size else 0))


if __name__ == "__main__":
    main(sys.argv[1:])
