#!/usr/bin/env python3
"""Read TensorBoard event files with the Python standard library only — an independent check of
askfirst's writer (src/util/tfevents.ts): TFRecord framing with masked CRC-32C on length and
data (verified here), Event protobufs decoded field by field. Prints JSON:
{"files": [{"file": ..., "version": ..., "sessionStarts": [step, ...],
            "scalars": {tag: [[step, value, wall_time], ...]}}]}
Usage: read_tfevents.py LOGDIR"""
import glob, json, os, struct, sys

def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF

def masked(data):
    c = crc32c(data)
    return ((((c >> 15) | (c << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF

def records(path):
    with open(path, 'rb') as f:
        buf = f.read()
    i = 0
    while i < len(buf):
        header = buf[i:i + 8]
        (length,) = struct.unpack('<Q', header)
        (len_crc,) = struct.unpack('<I', buf[i + 8:i + 12])
        if len_crc != masked(header):
            raise ValueError('%s: bad length CRC at byte %d' % (path, i))
        data = buf[i + 12:i + 12 + length]
        (data_crc,) = struct.unpack('<I', buf[i + 12 + length:i + 16 + length])
        if data_crc != masked(data):
            raise ValueError('%s: bad data CRC at byte %d' % (path, i))
        yield data
        i += 16 + length

def varint(b, i):
    shift = result = 0
    while True:
        x = b[i]; i += 1
        result |= (x & 0x7F) << shift
        shift += 7
        if not x & 0x80:
            return result, i

def fields(b):
    """(field number, wire type, value) triples of one protobuf message."""
    i = 0
    while i < len(b):
        k, i = varint(b, i)
        num, wire = k >> 3, k & 7
        if wire == 0:
            v, i = varint(b, i)
        elif wire == 1:
            v = b[i:i + 8]; i += 8
        elif wire == 5:
            v = b[i:i + 4]; i += 4
        elif wire == 2:
            n, i = varint(b, i)
            v = b[i:i + n]; i += n
        else:
            raise ValueError('wire type %d' % wire)
        yield num, wire, v

def read(path):
    out = {'file': os.path.basename(path), 'version': None, 'sessionStarts': [], 'scalars': {}}
    for data in records(path):
        wall, step, summary, session, version = 0.0, 0, None, None, None
        for num, wire, v in fields(data):
            if num == 1: (wall,) = struct.unpack('<d', v)
            elif num == 2: step = v if v < (1 << 63) else v - (1 << 64)
            elif num == 3: version = v.decode('utf-8')
            elif num == 5: summary = v
            elif num == 6: session = v
        if version is not None:
            out['version'] = version
        if session is not None and any(n == 1 and val == 1 for n, _, val in fields(session)):
            out['sessionStarts'].append(step)
        if summary is not None:
            for num, _, value in fields(summary):
                if num != 1:
                    continue
                tag, simple = None, None
                for n, _, v in fields(value):
                    if n == 1: tag = v.decode('utf-8')
                    elif n == 2: (simple,) = struct.unpack('<f', v)
                if tag is not None and simple is not None:
                    out['scalars'].setdefault(tag, []).append([step, simple, wall])
    return out

if __name__ == '__main__':
    files = sorted(glob.glob(os.path.join(sys.argv[1], '**', 'events.out.tfevents.*'), recursive=True))
    print(json.dumps({'files': [read(f) for f in files]}))
