#!/usr/bin/env python3
"""Write a gzip'd newc cpio from a spec on stdin (no root / mknod needed).
Spec lines (tab separated):
  dir   <path> <mode-octal>
  file  <path> <mode-octal> <host-src>
  slink <path> <target>
  nod   <path> <mode-octal> c|b <major> <minor>
All entries owned by 0:0, mtime 0 => reproducible output."""
import gzip, os, sys

def hdr(ino, mode, size, name, rdevmaj=0, rdevmin=0, nlink=1):
    n = name.encode() + b"\0"
    fields = [ino, mode, 0, 0, nlink, 0, size, 0, 0, rdevmaj, rdevmin, len(n), 0]
    h = b"070701" + b"".join(b"%08X" % f for f in fields) + n
    return h + b"\0" * ((4 - len(h) % 4) % 4)

def pad(data):
    return data + b"\0" * ((4 - len(data) % 4) % 4)

def main():
    out = sys.argv[1]
    buf = bytearray()
    ino = 1
    for line in sys.stdin:
        p = line.rstrip("\n").split("\t")
        if not p or not p[0]:
            continue
        kind, path = p[0], p[1].lstrip("/")
        ino += 1
        if kind == "dir":
            buf += hdr(ino, 0o040000 | int(p[2], 8), 0, path, nlink=2)
        elif kind == "file":
            data = open(p[3], "rb").read()
            buf += hdr(ino, 0o100000 | int(p[2], 8), len(data), path) + pad(data)
        elif kind == "slink":
            data = p[2].encode()
            buf += hdr(ino, 0o120000 | 0o777, len(data), path) + pad(data)
        elif kind == "nod":
            t = 0o020000 if p[3] == "c" else 0o060000
            buf += hdr(ino, t | int(p[2], 8), 0, path, int(p[4]), int(p[5]))
        else:
            raise SystemExit("bad spec line: " + line)
    buf += hdr(0, 0, 0, "TRAILER!!!")
    tmp = out + ".tmp"
    with open(tmp, "wb") as f:
        f.write(gzip.compress(bytes(buf), compresslevel=6, mtime=0))
    os.replace(tmp, out)

main()
