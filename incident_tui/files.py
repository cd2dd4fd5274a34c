"""Saving files whose names come from elsewhere (remote attachment names, exports): a safe
name inside the target folder, never overwriting, and nothing half-written left behind. And
the other way: whether a local file can be queued for upload, and its name as text."""

from __future__ import annotations

import errno
import functools
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from incident_tui.domain.text import clean
from incident_tui.paths import make_folder

_RESERVED = re.compile(
    r"^(con|prn|aux|nul|clock\$|conin\$|conout\$|com[\d¹²³]|lpt[\d¹²³]) *(\..*)?$", re.I
)
"""Windows device names, with any extension: Windows ignores spaces before the dot too."""

_UNSAFE_START = ("-", "~")
"""First characters a shell or a command reads as something else: ``rm *`` takes ``-rf`` as
options, and ``rm -r ~`` or ``~-`` typed for a file named so reach the home or last folder."""

_INVISIBLE_CATEGORIES = {"Cc", "Cf", "Cs"}
"""Controls, format characters (zero-width spaces and joiners, bidi marks, soft hyphens,
tags) and lone surrogates, which cannot even be written as UTF-8."""

_INVISIBLE_LETTERS = {"\u115f", "\u1160", "\u3164", "\uffa0"}
"""The Hangul fillers: letters by their category, but drawn as nothing."""


def safe_filename(name: str, default: str = "attachment", limit: int = 200) -> str:
    """A local file name for a remote-supplied ``name`` that cannot escape its folder.

    Keeps only the last path segment (``/`` or ``\\``), drops control, escape, bidi and other
    invisible characters (a zero-width space after ``.pdf`` hides the real extension),
    replaces characters Windows forbids, strips leading/trailing dots and spaces (no hidden
    files) and caps the length at ``limit`` UTF-8 bytes, keeping the extension. Last, on the
    name as it is then, a Windows device name (``CON``, ``nul.txt``, ``con .txt``) or a
    first character a shell reads otherwise (``-rf``, ``~``) gets a ``_`` in front.
    """
    # Escape sequences go whole before their lone controls could be dropped one by one.
    text = clean(str(name or ""))
    text = "".join(ch for ch in text if not _invisible(ch))
    text = " ".join(unicodedata.normalize("NFC", text).split())
    text = re.split(r"[/\\]", text.rstrip("/\\ "))[-1]
    text = re.sub(r'[<>:"|?*]', "_", text).strip(" .")
    stem, dot, ext = text.rpartition(".")
    if not dot or not stem or len(ext) > 16:
        stem, ext = text, ""
    ext = "." + ext if ext else ""
    # The cut and the trimmed end can make a device name ("con .txt" is "con.txt" once the
    # space goes): the name is checked as it ends up, and a "_" in front makes any safe.
    saved = _capped("", stem, ext, default, limit)
    if saved.startswith(_UNSAFE_START) or _RESERVED.match(saved):
        saved = _capped("_", stem, ext, default, limit)
    return saved


def _invisible(ch: str) -> bool:
    # Tabs and newlines are controls too, but become spaces: "evil\nname" is "evil name".
    if ch.isspace():
        return False
    return unicodedata.category(ch) in _INVISIBLE_CATEGORIES or ch in _INVISIBLE_LETTERS


def _capped(prefix: str, stem: str, ext: str, default: str, limit: int) -> str:
    """``prefix``, ``stem`` and ``ext`` in at most ``limit`` UTF-8 bytes, the stem cut and
    stripped of trailing dots and spaces; ``default`` and ``ext`` when no stem is left."""
    while stem and len((prefix + stem + ext).encode()) > limit:
        stem = stem[:-1]
    stem = stem.rstrip(" .")
    return (prefix + stem if stem.strip(" .") else default) + ext


def claim_name(tmp: Path, folder: Path, name: str) -> Path:
    """Give the finished ``tmp`` its final name without overwriting anything (``x (1).y``).

    Raises ``FileExistsError`` when no free name is found.
    """
    stem, dot, ext = name.rpartition(".")
    stem, ext = (stem, dot + ext) if dot and stem else (name, "")
    for n in range(10_000):
        target = folder / (name if n == 0 else f"{stem} ({n}){ext}")
        try:
            linked = take_name(tmp, target)
        except FileExistsError:
            continue
        if not linked:
            os.replace(tmp, target)
        return target
    raise FileExistsError(f"no free file name for {name!r} in {folder}")


def take_name(tmp: Path, target: Path) -> bool:
    """Take ``target`` for ``tmp`` atomically: hard-linked to it (``True``), or, on a file
    system without hard links, as an empty placeholder the caller moves ``tmp`` onto
    (``False``). Raises ``FileExistsError`` when the name is taken."""
    try:
        os.link(tmp, target)  # atomic, and fails if the name is taken
        return True
    except FileExistsError:
        raise
    except OSError:  # no hard links here: reserve the name instead
        os.close(os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        return False


FULL = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
"""What a write fails with when the disk (or the user's quota on it) has no room for it."""


@contextmanager
def writing_into(folder: Path) -> Iterator[None]:
    """Within the block, a write into ``folder`` that the disk has no room for raises an
    ``OSError`` whose text names the folder and what to do: the bare one says only
    ``[Errno 28] No space left on device``, and not where."""
    try:
        yield
    except OSError as error:
        if error.errno not in FULL:
            raise
        raise OSError(
            f"cannot write into {folder}: {error.strerror}; free some space there, or save "
            "into another folder"
        ) from None


def upload_refusal(path: Path) -> str | None:
    """Why the file at ``path`` cannot be queued for upload (a short lower-case phrase, the
    path cleaned of control characters), or ``None`` when it is a readable regular file.

    A folder, a device or a pipe is refused: copying it beside the cache would fail, never
    end (``/dev/zero``) or wait for a writer that never comes."""
    shown = clean(readable(path), single_line=True)
    try:
        if not path.exists():
            return f"no such file: {shown}"
        if path.is_dir():
            return f"{shown} is a folder: give the path of a file in it"
        if not path.is_file():
            return f"{shown} is not a regular file (a device, a pipe or a socket)"
    except OSError as error:  # a path too long, a broken mount...
        return f"cannot read {shown}: {clean(error.strerror or str(error), single_line=True)}"
    if not os.access(path, os.R_OK):
        return f"cannot read {shown}: permission denied"
    return None


def readable(path: Path | str) -> str:
    """``path`` as text that SQLite, a remote and a terminal all take: a name need not be
    UTF-8 (one from a Latin-1 system, say), and Python keeps the bytes that are not as lone
    surrogates, which none of them accepts; each such byte becomes U+FFFD instead."""
    return os.fsencode(path).decode("utf-8", "replace")


def temp_in(folder: Path) -> tuple[int, Path]:
    """A new temporary file inside ``folder`` (created if missing, see
    :func:`~incident_tui.paths.make_folder`): descriptor and path.

    It gets the mode any new file of the user's gets (``0o666`` less the umask), not the
    ``0o600`` of a temporary file: it becomes the saved download or export, which a shift
    lead may share as they share any other file."""
    make_folder(folder)
    try:
        fd, name = tempfile.mkstemp(prefix=".incident-tui-", suffix=".part", dir=folder)
    except PermissionError:
        # The bare error names the temporary file, which the user never sees.
        raise OSError(f"no permission to write in {folder}") from None
    os.chmod(name, new_file_mode())
    return fd, Path(name)


@functools.cache
def new_file_mode() -> int:
    """``0o666`` less the process's umask: the mode ``open()`` gives a new file."""
    # No way to read the umask but to set it; set back at once (a file another thread
    # creates meanwhile gets the stricter 0o077, never a looser mode).
    mask = os.umask(0o077)
    os.umask(mask)
    return 0o666 & ~mask


def save_bytes(folder: Path, name: str, data: bytes) -> Path:
    """Write ``data`` to a new file in ``folder`` under a safe, unused version of ``name``."""
    return save_chunks(folder, name, [data])


def save_text(folder: Path, name: str, pieces: Iterable[str]) -> Path:
    """:func:`save_bytes` for text made a piece at a time (UTF-8): the pieces are written
    some hundred at a time as they come, so the whole text is never held (an export of
    100,000 incidents built whole took 470 MB)."""
    return save_chunks(folder, name, _utf8_batches(pieces))


def save_chunks(folder: Path, name: str, chunks: Iterable[bytes]) -> Path:
    """Write ``chunks`` to a temporary file in ``folder``, then give it a safe, unused
    version of ``name``: until the last chunk is written nothing shows under that name, and
    a failure (``OSError``, or whatever making the chunks raises) leaves no file behind."""
    fd, tmp = temp_in(folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
        return claim_name(tmp, folder, safe_filename(name, default="export"))
    finally:
        tmp.unlink(missing_ok=True)


def _utf8_batches(pieces: Iterable[str], size: int = 1 << 16) -> Iterator[bytes]:
    # One write a piece costs a call each when a piece is a line; by length, not by count,
    # because a piece may as well be hundreds of incidents.
    batch: list[str] = []
    held = 0
    for piece in pieces:
        batch.append(piece)
        held += len(piece)
        if held >= size:
            yield "".join(batch).encode("utf-8")
            batch, held = [], 0
    if batch:
        yield "".join(batch).encode("utf-8")
