"""Encryption of backup archives: AES-256-GCM in chunks, so that archives of any size stream
through without being held in memory. The key comes from the environment (LINLI_BACKUP_KEY),
never from the database; the archive carries only a fingerprint of it, so that a restore with
the wrong key says so instead of failing somewhere inside the archive.

Layout: MAGIC, the key's fingerprint (8 bytes), a random nonce prefix (8 bytes), then chunks of
[last flag: 1 byte][length: 4 bytes][ciphertext]. A chunk's nonce is the prefix and its number;
its associated data the header, its number and the flag, so chunks cannot be reordered, cut off
or moved between archives without the authentication failing."""

from __future__ import annotations

import hashlib
import io
import os
import struct

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

MAGIC = b"LINLIBK1"
CHUNK = 1024 * 1024
HEADER = len(MAGIC) + 8 + 8


class BackupKeyError(Exception):
    pass


def derive_key(secret: str) -> bytes:
    if not secret:
        raise BackupKeyError("LINLI_BACKUP_KEY is not set: backups are refused without a key.")
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"linli-backups", info=b"archive-v1"
    ).derive(secret.encode())


def configured_key() -> bytes:
    return derive_key(settings.LINLI_BACKUP_KEY)


def fingerprint(key: bytes) -> bytes:
    return hashlib.sha256(b"fingerprint" + key).digest()[:8]


class EncryptingWriter(io.RawIOBase):
    """Writes ciphertext of what is written to it into `target` (a binary file)."""

    def __init__(self, target, key: bytes) -> None:
        self.target = target
        self.aead = AESGCM(key)
        self.prefix = os.urandom(8)
        self.header = MAGIC + fingerprint(key) + self.prefix
        self.target.write(self.header)
        self.buffer = bytearray()
        self.number = 0
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.buffer += data
        while len(self.buffer) > CHUNK:
            self._seal(bytes(self.buffer[:CHUNK]), last=False)
            del self.buffer[:CHUNK]
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._seal(bytes(self.buffer), last=True)
            self.buffer.clear()
        super().close()

    def _seal(self, plain: bytes, *, last: bool) -> None:
        flag = b"\x01" if last else b"\x00"
        nonce = self.prefix + struct.pack(">I", self.number)
        sealed = self.aead.encrypt(nonce, plain, self.header + nonce + flag)
        self.target.write(flag + struct.pack(">I", len(sealed)) + sealed)
        self.number += 1
        self.size += len(plain)


class DecryptingReader(io.RawIOBase):
    """Reads the plaintext of an archive written by EncryptingWriter from `source`."""

    def __init__(self, source, key: bytes) -> None:
        self.source = source
        self.aead = AESGCM(key)
        self.header = source.read(HEADER)
        if len(self.header) < HEADER or not self.header.startswith(MAGIC):
            raise BackupKeyError("Not a Linli backup archive.")
        if self.header[len(MAGIC) : len(MAGIC) + 8] != fingerprint(key):
            raise BackupKeyError(
                "This archive was encrypted with another key than LINLI_BACKUP_KEY."
            )
        self.prefix = self.header[-8:]
        self.pending = b""
        self.number = 0
        self.finished = False

    def readable(self) -> bool:
        return True

    def readinto(self, target) -> int:
        while not self.pending and not self.finished:
            self.pending = self._open_next()
        count = min(len(target), len(self.pending))
        target[:count] = self.pending[:count]
        self.pending = self.pending[count:]
        return count

    def _open_next(self) -> bytes:
        head = self.source.read(5)
        if len(head) < 5:
            raise BackupKeyError("The archive is cut off.")
        flag, length = head[:1], struct.unpack(">I", head[1:])[0]
        sealed = self.source.read(length)
        if len(sealed) < length:
            raise BackupKeyError("The archive is cut off.")
        nonce = self.prefix + struct.pack(">I", self.number)
        try:
            plain = self.aead.decrypt(nonce, sealed, self.header + nonce + flag)
        except InvalidTag:
            raise BackupKeyError("The archive is damaged (authentication failed).") from None
        self.number += 1
        self.finished = flag == b"\x01"
        return plain
