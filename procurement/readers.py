"""Readers: processes that read a large JSON Lines file's lines beside the importing process.

Reading a compiled release — parsing it, validating it against the OCDS schema, serialising it
for its digest, taking its columns and facts — costs more CPU than PostgreSQL spends storing it.
In one process that work runs on one core: a re-import, which writes nothing, used one core of
two, and an import left a core idle about a fifth of the time. A pool of readers (``python -m
procurement.readers``, plain subprocesses: a Celery prefork worker's children may not start
``multiprocessing`` children) reads the file in chunks, side by side; the importing process takes
their results in the file's order and does the rest as before (``ocds.parse_stream``).

- The file reaches the readers once, as a memory file descriptor passed over a socket; each chunk
  is then asked for with its offsets, a few chunks ahead of the one being taken.
- A reader prepares only lines that hold nothing but valid compiled releases
  (``ocds.read_line``). Every other line (invalid JSON, a problem, releases to merge) goes back
  unread and is read by the importing process itself, so what an import reports is the same
  with readers or without.
- A reader that dies, or a pool that cannot start, costs speed and not the import: the rest of
  the file is read by the importing process. Readers leave when the importing process does (the
  socket they read closes).

Settings: ``PROCUREMENT_IMPORT_READERS`` (how many; 0 reads every file in-process) and
``PROCUREMENT_IMPORT_READERS_MIN_BYTES`` (smaller files are read in-process).
"""

from __future__ import annotations

import atexit
import logging
import os
import pickle
import queue
import socket
import struct
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import suppress
from typing import IO, Any

from django.conf import settings

from procurement import ocds

log = logging.getLogger(__name__)

CHUNK_BYTES = 1 << 19  # about 60 compiled releases of Mexico City's size
AHEAD = 8  # chunks asked of each reader beyond the one being taken: about a batch in all
_SIZE = struct.Struct("<Q")
_ASK = struct.Struct("<QQQ")  # start, end, lines before start


class ReaderGone(Exception):
    """A reader stopped answering."""


class _Reader:
    def __init__(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self.process = subprocess.Popen(  # this interpreter, a fixed module
                [sys.executable, "-m", "procurement.readers"],
                stdin=theirs.fileno(),
                stdout=subprocess.PIPE,
                cwd=settings.BASE_DIR,
            )
        finally:
            theirs.close()
        self.socket = ours
        self.out: IO[bytes] = self.process.stdout  # type: ignore[assignment]
        self.answers: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self.started = threading.Event()
        self.drain = threading.Thread(target=self._drain, name="ocds-reader", daemon=True)
        self.drain.start()

    def send(self, message: bytes, fds: list[int] | None = None) -> None:
        try:
            if fds:
                socket.send_fds(self.socket, [message], fds)
            else:
                self.socket.send(message)
        except OSError as exc:
            raise ReaderGone(str(exc)) from exc

    def _drain(self) -> None:
        """Take the reader's answers as it writes them (a thread of its own), so that it never
        waits for the importing process to get round to them."""
        try:
            while True:
                head = self.out.read(_SIZE.size)
                if len(head) < _SIZE.size:
                    break
                (size,) = _SIZE.unpack(head)
                if not size:  # the reader has started
                    self.started.set()
                    continue
                body = self.out.read(size)
                if len(body) < size:
                    break
                self.answers.put(body)
        except (OSError, ValueError):
            pass
        self.answers.put(None)
        self.started.set()  # a reader that died is asked, and found gone

    def receive(self) -> list[tuple[int, int, int, ocds.Ready | None]]:
        body = self.answers.get()
        if body is None:
            self.answers.put(None)
            raise ReaderGone(f"reader {self.process.pid} exited ({self.process.poll()})")
        return pickle.loads(body)  # noqa: S301  # written by our own reader process

    def close(self) -> None:
        self.socket.close()
        try:
            self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.drain.join()
        self.out.close()


class ReaderPool:
    def __init__(self, count: int) -> None:
        self.readers: list[_Reader] = []
        try:
            for _ in range(count):
                self.readers.append(_Reader())
        except BaseException:
            self.close()
            raise

    def lines(self, content: bytes) -> Iterator[ocds.Line]:
        """The file's lines, as ``ocds.plain_lines`` gives them, most of them already read."""
        chunks = list(_chunks(content, CHUNK_BYTES))
        view, size = memoryview(content), len(content)
        finished = False
        try:
            for (start, stop, before), answers in zip(
                chunks, self._answers(content, chunks), strict=True
            ):
                if answers is None:
                    for number, line, left in ocds.line_views(content, start, before, stop):
                        yield number, line, left, None
                    continue
                for number, begin, end, ready in answers:
                    yield number, view[begin:end], ocds.lines_left(size, end, number), ready
            finished = True
        finally:
            if not finished:  # answers still on their way: these readers are out of step
                self.close()

    def _answers(self, content: bytes, chunks: list[tuple[int, int, int]]) -> Iterator[Any]:
        """Each chunk's answers, in the file's order, or ``None`` for a chunk to read here.

        Chunks are asked of the readers in turn, a few ahead of the one being taken. A chunk
        reached before the readers could be asked for it (they are still starting) is read
        here, and so is the rest of the file once a reader is lost."""
        owners: list[_Reader | None] = [None] * len(chunks)
        window = len(self.readers) * (AHEAD + 1)
        asked = index = 0  # chunks before ``asked`` are asked for, or read here
        try:
            self._share(content)
            for index in range(len(chunks)):
                if self.ready():
                    while asked < min(len(chunks), index + window):
                        owners[asked] = reader = self.readers[asked % len(self.readers)]
                        reader.send(b"C" + _ASK.pack(*chunks[asked]))
                        asked += 1
                owner = owners[index]
                if owner is None:
                    asked = index + 1
                    yield None
                else:
                    yield owner.receive()
        except ReaderGone as exc:
            log.warning("an import reader was lost, the rest is read in-process: %s", exc)
            self.close()
            for _ in range(index, len(chunks)):
                yield None

    def _share(self, content: bytes) -> None:
        """Hand the file to every reader, as a memory file they read their chunks from."""
        fd = os.memfd_create("ocds-import", os.MFD_CLOEXEC)
        try:
            _write_all(fd, content)
            for reader in self.readers:
                reader.send(b"F", [fd])
        finally:
            os.close(fd)

    def ready(self) -> bool:
        """Whether every reader has started (and so can be asked for chunks)."""
        return all(reader.started.is_set() for reader in self.readers)

    def close(self) -> None:
        readers, self.readers = self.readers, []
        for reader in readers:
            with suppress(OSError):
                reader.close()

    @property
    def alive(self) -> bool:
        return bool(self.readers) and all(r.process.poll() is None for r in self.readers)


def _chunks(content: bytes, size: int) -> Iterator[tuple[int, int, int]]:
    """(start, end, lines before start) of pieces of about ``size`` bytes, each whole lines."""
    start = before = 0
    total = len(content)
    while start < total:
        end = content.find(b"\n", start + size)
        end = total if end < 0 else end + 1
        yield start, end, before
        before += content.count(b"\n", start, end)
        start = end


def _write_all(fd: int, content: bytes) -> None:
    view = memoryview(content)
    while view:
        view = view[os.write(fd, view) :]


# --- the importing process's side --------------------------------------------------------------
_pool: ReaderPool | None = None
_pool_pid = 0
_pool_lock = threading.Lock()


def _close_pool() -> None:
    global _pool
    if _pool is not None and _pool_pid == os.getpid():
        _pool.close()
    _pool = None


atexit.register(_close_pool)


def file_lines(content: bytes) -> Iterator[ocds.Line]:
    """A JSON Lines file's lines for ``ocds.parse_stream``: read by the pool of readers when the
    file is large enough and the pool free, else all left to the importing process."""
    readers = settings.PROCUREMENT_IMPORT_READERS
    smallest = settings.PROCUREMENT_IMPORT_READERS_MIN_BYTES
    if (
        readers < 1
        or len(content) < smallest
        or not hasattr(os, "memfd_create")  # Linux's: elsewhere files are read in-process
        or not _pool_lock.acquire(blocking=False)
    ):
        yield from ocds.plain_lines(content)
        return
    try:
        pool = _pool_get(readers)
        if pool is None:
            yield from ocds.plain_lines(content)
        else:
            yield from pool.lines(content)
    finally:
        _pool_lock.release()


def _pool_get(count: int) -> ReaderPool | None:
    global _pool, _pool_pid
    if _pool is not None and (
        _pool_pid != os.getpid() or not _pool.alive or len(_pool.readers) != count
    ):
        if _pool_pid == os.getpid():
            _pool.close()
        _pool = None  # a forked child does not touch its parent's readers
    if _pool is None:
        try:
            _pool, _pool_pid = ReaderPool(count), os.getpid()
        except OSError as exc:
            log.warning("import readers could not start, reading in-process: %s", exc)
            return None
    return _pool


# --- a reader process --------------------------------------------------------------------------
def _serve(commands: socket.socket, out: IO[bytes]) -> None:
    from procurement.rows import published_row

    out.write(_SIZE.pack(0))  # started: the importing process may ask for chunks
    out.flush()
    fd = -1
    while True:
        message, fds, _flags, _addr = socket.recv_fds(commands, 64, 1)
        if not message:
            return  # the importing process has gone
        if message[:1] == b"F":
            if fd >= 0:
                os.close(fd)
            fd = fds[0]
            continue
        start, stop, before = _ASK.unpack(message[1:])
        piece = os.pread(fd, stop - start, start)
        view = memoryview(piece)
        answers: list[tuple[int, int, int, Any]] = [
            (number, start + begin, start + end, ocds.read_line(view[begin:end], published_row))
            for number, begin, end in ocds.spans(piece, 0, before)
        ]
        body = pickle.dumps(answers, protocol=pickle.HIGHEST_PROTOCOL)
        out.write(_SIZE.pack(len(body)))
        out.write(body)
        out.flush()


def main() -> None:
    from django.conf import settings as reader_settings

    # A reader touches no database and keeps no message: none of the project's settings or
    # applications are loaded, so that it starts in a fraction of the time.
    reader_settings.configure(USE_I18N=False)
    commands = socket.socket(fileno=0)
    with ocds.gc_paused():  # parsed documents hold no cycles
        _serve(commands, sys.stdout.buffer)


if __name__ == "__main__":
    main()
