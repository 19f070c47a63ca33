"""Rate-limit counters shared by every worker process of one server, in a memory-mapped file: no service.

The `limits` package ships storages for memory (one per process: under four gunicorn workers a limit is four
times looser than it says), Redis, Memcached and MongoDB (each a service to run). This one registers the
scheme `mmap://` with `limits`: `RATELIMIT_STORAGE_URI=mmap:///srv/lms/instance/ratelimits.mmap`, the
default (a file in the instance folder). Several servers share their limits through Redis instead.

The file is a fixed table of 65,536 slots (1.5 MiB) of (key hash, window end, count), addressed by a 64-bit
BLAKE2 hash of the limit's key and probed linearly. Every process maps the same file (MAP_SHARED, so all of
them see one page cache) and updates a slot under `flock` on the file, plus a thread lock, since threads of
one process share its flock. A hit is a hash, two system calls and a few struct reads: the limiter's work
per API request measured about 35 µs with this file, 31 µs with memory:// and 66 µs with an UPSERT into a
SQLite file, which besides sleeps a millisecond or more whenever its busy handler meets another writer
(README, "Public API"). It serves the fixed-window strategy, Flask-Limiter's default.

Limits of the design, all on the side of letting a request through: when more than 16 live keys fall into
one probe run (tens of thousands of clients within the longest window), the window closest to its end is
forgotten; counts are not durable (the file lives in the page cache; a crash of the machine may lose the
last counts); the file must be on a local disk, never shared between machines.
"""

from __future__ import annotations

import fcntl
import hashlib
import mmap
import os
import struct
import threading
import time
from pathlib import Path
from urllib.parse import unquote, urlparse

from limits.storage import Storage

SLOT = struct.Struct("<Qdq")  # key hash (0: never used), end of the window (epoch seconds), count
SLOTS = 1 << 16
PROBES = 16
SIZE = SLOTS * SLOT.size


def default_uri(instance: Path) -> str:
    return f"mmap://{Path(instance).resolve() / 'ratelimits.mmap'}"


def _path(uri: str) -> str:
    parsed = urlparse(uri)
    return unquote(parsed.netloc + parsed.path)


def _hash(key: str) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "little") | 1


class MmapStorage(Storage):
    """Fixed-window counters in a memory-mapped file shared by the processes of one machine."""

    STORAGE_SCHEME = ["mmap"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        self.path = _path(uri or "")
        if not self.path.startswith("/"):
            raise ValueError("RATELIMIT_STORAGE_URI=mmap:// needs an absolute path, as in "
                             "mmap:///srv/lms/instance/ratelimits.mmap")
        self._pid: int | None = None
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._mapping()  # fail at start-up, not at the first request, if the file cannot be made

    @property
    def base_exceptions(self) -> type[Exception]:
        return OSError

    def _mapping(self) -> tuple[int, mmap.mmap]:
        # After a fork (gunicorn --preload) the child opens its own file description: flock is held per open
        # file description, so a descriptor inherited from the parent would not exclude the parent.
        if self._pid != os.getpid():
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            if os.fstat(fd).st_size < SIZE:
                fcntl.flock(fd, fcntl.LOCK_EX)
                if os.fstat(fd).st_size < SIZE:
                    os.ftruncate(fd, SIZE)  # zeros: every slot unused
                fcntl.flock(fd, fcntl.LOCK_UN)
            self._fd, self._map = fd, mmap.mmap(fd, SIZE)
            self._lock, self._pid = threading.Lock(), os.getpid()
        return self._fd, self._map

    def _find(self, view: mmap.mmap, key_hash: int, now: float) -> tuple[int, bool]:
        """The slot of this key (True), else the slot to take for it (False): the first never used, else
        the first whose window has ended, else the one whose window ends soonest."""
        start = key_hash % SLOTS
        free = soonest = None
        soonest_end = float("inf")
        for probe in range(PROBES):
            offset = ((start + probe) % SLOTS) * SLOT.size
            slot_hash, end, _count = SLOT.unpack_from(view, offset)
            if slot_hash == key_hash:
                return offset, True
            if slot_hash == 0:  # slots are never emptied, so the key is not further on
                return (offset if free is None else free), False
            if end <= now and free is None:
                free = offset
            elif end < soonest_end:
                soonest, soonest_end = offset, end
        return (free if free is not None else soonest), False

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        key_hash, now = _hash(key), time.time()
        fd, view = self._mapping()
        with self._lock:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                offset, found = self._find(view, key_hash, now)
                _hash_, end, count = SLOT.unpack_from(view, offset) if found else (0, 0.0, 0)
                if end <= now:
                    end, count = now + expiry, 0
                count += amount
                SLOT.pack_into(view, offset, key_hash, end, count)
                return count
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)

    def _read(self, key: str) -> tuple[float, int]:
        key_hash, now = _hash(key), time.time()
        fd, view = self._mapping()
        with self._lock:
            fcntl.flock(fd, fcntl.LOCK_SH)
            try:
                offset, found = self._find(view, key_hash, now)
                _hash_, end, count = SLOT.unpack_from(view, offset)
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        return (end, count) if found and end > now else (now, 0)

    def get(self, key: str) -> int:
        return self._read(key)[1]

    def get_expiry(self, key: str) -> float:
        return self._read(key)[0]

    def check(self) -> bool:
        try:
            self._mapping()
        except OSError:
            return False
        return True

    def clear(self, key: str) -> None:
        key_hash, now = _hash(key), time.time()
        fd, view = self._mapping()
        with self._lock:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                offset, found = self._find(view, key_hash, now)
                if found:
                    SLOT.pack_into(view, offset, key_hash, 0.0, 0)  # ended: the slot stays in its probe run
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)

    def reset(self) -> int | None:
        fd, view = self._mapping()
        with self._lock:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                now = time.time()
                live = sum(1 for slot_hash, end, _count in SLOT.iter_unpack(view) if slot_hash and end > now)
                view[:] = bytes(SIZE)
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        return live
