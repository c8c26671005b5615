"""Writing compiled manifests where the user asked, and nowhere else.

Why this is careful: kfpc runs in CI containers as root, where `-o /dev/null` or `-o /dev/stdout` name
device nodes and links that a rename would replace for the whole machine. So a target is written the
way it is: a regular file is replaced atomically (keeping its mode, so readers never see half a
manifest), a symlink is followed to the file it names, and anything else (device, FIFO, terminal,
`/dev/stdout`) is opened and written in place. Several outputs are all or nothing: every new file is
written to a temporary name first and only then renamed, and a failure on the way restores what was
there before.
"""

from __future__ import annotations

import errno
import os
import re
import signal
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Callable, Sequence

from kfpc.errors import KfpcError, UsageError

STDOUT = "-"

# Names that mean an already open descriptor of this process; opening them anew would start a fresh
# file description at offset 0 (and truncate what the shell redirected), so they are written through
# the descriptor itself.
_FD_PATH = re.compile(r"/(?:proc/self|dev)/fd/(\d+)")
_STD_NAMES = {"/dev/stdout": 1, "/dev/stderr": 2}


def check_target(value: str | None, flag: str) -> None:
    """`-o ''` would otherwise mean the current directory's empty name; refuse it as the usage mistake it is."""
    if value is not None and value.strip() == "":
        hint = "use -o - for standard output" if flag.startswith("-o") else None
        raise UsageError(f"{flag} needs a path, not an empty string", hint=hint)


def write(target: str, text: str) -> None:
    """Write one output: `-` is standard output; see the module docstring for every other kind of path."""
    data = text.encode("utf-8")
    fd = _descriptor_of(target)
    if fd is not None:
        _write_fd(fd, data, _label(fd))
        return
    kind = _kind(Path(target))
    if kind == "special":
        _write_in_place(Path(target), data)
    else:
        write_all([(Path(target), data)])


def write_all(outputs: Sequence[tuple[Path, bytes]], before_commit: Callable[[], None] = lambda: None) -> None:
    """Regular files, all or nothing: on any failure no new file is left and old ones are as they were.
    `before_commit` runs once everything is staged; if it fails, nothing is committed either."""
    with _terminate_as_interrupt():
        plans: list[_Plan] = []
        staged: list[_Staged] = []
        try:
            for path, _ in outputs:
                plans.append(_prepare(path))
            for plan, (_, data) in zip(plans, outputs):
                staged.append(plan.stage(data))
            before_commit()
            _commit(staged)
        except BaseException:
            for item in reversed(staged):
                item.discard()
            for plan in reversed(plans):
                plan.undo_dirs()
            raise


def write_files(outputs: Sequence[tuple[str, str]]) -> None:
    """Several named outputs (`--output-dir`): special files in place, regular ones all or nothing."""
    regular = []
    special = []
    for target, text in outputs:
        (special if _kind(Path(target)) == "special" else regular).append((Path(target), text.encode("utf-8")))

    def write_special() -> None:
        for path, data in special:
            _write_in_place(path, data)

    write_all(regular, before_commit=write_special)


# ---------------------------------------------------------------------------------------------
# What a path is


def _descriptor_of(target: str) -> int | None:
    if target == STDOUT:
        return 1
    if target in _STD_NAMES:
        return _STD_NAMES[target]
    match = _FD_PATH.fullmatch(target)
    return int(match.group(1)) if match else None


def _kind(path: Path) -> str:
    try:
        mode = os.stat(path).st_mode  # follows symlinks: a link is what it points to
    except FileNotFoundError:
        return "missing"
    except OSError as exc:
        raise _cannot_write(path, exc) from None
    if stat.S_ISREG(mode):
        return "regular"
    if stat.S_ISDIR(mode):
        raise KfpcError(f"cannot write {path}: it is a directory", file=str(path), code="KFPC100")
    return "special"


def _label(fd: int) -> str:
    return {1: "<stdout>", 2: "<stderr>"}.get(fd, f"<descriptor {fd}>")


# ---------------------------------------------------------------------------------------------
# Writing in place: descriptors, devices, FIFOs


def _write_fd(fd: int, data: bytes, label: str) -> None:
    if fd == 1:
        sys.stdout.flush()  # anything printed before must come first
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
    except BrokenPipeError:
        raise ReaderGone(label) from None
    except OSError as exc:
        raise KfpcError(f"cannot write: {_reason(exc)}", file=label, code="KFPC100") from None


def _write_in_place(path: Path, data: bytes) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_TRUNC)
    except OSError as exc:
        raise _cannot_write(path, exc) from None
    try:
        _write_fd(fd, data, str(path))
    finally:
        os.close(fd)


class ReaderGone(KfpcError):
    """The reader of a pipe went away (`kfpc compile big.yaml | head`): the output is cut, so not a success."""

    default_code = "KFPC100"

    def __init__(self, label: str):
        super().__init__("cannot write: the reader closed the output before it was complete", file=label,
                         code="KFPC100")


# ---------------------------------------------------------------------------------------------
# Regular files: stage beside the target, then rename


@dataclass
class _Staged:
    target: Path
    temp: Path
    backup: Path | None = None
    renamed: bool = False

    def discard(self) -> None:
        if self.renamed and self.backup is not None:
            os.replace(self.backup, self.target)  # the old file comes back
            self.backup = None
        elif self.renamed:
            _unlink(self.target)
        _unlink(self.temp)
        if self.backup is not None:
            _unlink(self.backup)


@dataclass
class _Plan:
    target: Path
    created_dirs: list[Path]

    def stage(self, data: bytes) -> _Staged:
        temp = self.target.parent / f".{self.target.name}.kfpc-{os.getpid()}.tmp"
        owner = _owner_of(self.target)
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except OSError as exc:
            raise _cannot_write(self.target, exc) from None
        staged = _Staged(self.target, temp)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            if owner is not None:
                _take_owner(temp, owner)
        except BaseException as exc:
            _unlink(temp)
            if isinstance(exc, OSError):
                raise _cannot_write(self.target, exc) from None
            raise
        return staged

    def undo_dirs(self) -> None:
        for folder in reversed(self.created_dirs):
            try:
                folder.rmdir()
            except OSError:
                pass


def _prepare(path: Path) -> _Plan:
    """Resolve links to the file they name and create missing folders, remembering which were new."""
    target = Path(os.path.realpath(path))
    created: list[Path] = []
    missing = []
    folder = target.parent
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for new in reversed(missing):
        try:
            new.mkdir()
        except OSError as exc:
            for made in reversed(created):
                made.rmdir()
            raise _cannot_write(path, exc) from None
        created.append(new)
    if target.is_dir():
        raise KfpcError(f"cannot write {path}: it is a directory", file=str(path), code="KFPC100")
    return _Plan(target, created)


def _owner_of(target: Path) -> os.stat_result | None:
    try:
        return os.stat(target)
    except FileNotFoundError:
        return None


def _take_owner(temp: Path, old: os.stat_result) -> None:
    """An existing file keeps its permissions and, where we may, its owner; a new one gets the umask's,
    as the shell would give it."""
    if (old.st_uid, old.st_gid) != (os.getuid(), os.getgid()):
        try:
            os.chown(temp, old.st_uid, old.st_gid)
        except PermissionError:
            pass
    os.chmod(temp, stat.S_IMODE(old.st_mode))


def _commit(staged: list[_Staged]) -> None:
    for item in staged:
        if item.target.exists():
            backup = item.target.parent / f".{item.target.name}.kfpc-{os.getpid()}.old"
            try:
                os.link(item.target, backup)  # a second name for the old file, to put back on failure
                item.backup = backup
            except OSError:
                item.backup = None
        try:
            os.replace(item.temp, item.target)
        except OSError as exc:
            raise _cannot_write(item.target, exc) from None
        item.renamed = True
    for item in staged:
        if item.backup is not None:
            _unlink(item.backup)
            item.backup = None


def _unlink(path: Path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _cannot_write(path: Path, exc: OSError) -> KfpcError:
    return KfpcError(f"cannot write {path}: {_reason(exc)}", file=str(path), code="KFPC100")


def _reason(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "no space left on the device"
    return exc.strerror or str(exc)


# ---------------------------------------------------------------------------------------------
# Signals


class _Terminated(BaseException):
    """SIGTERM, raised like KeyboardInterrupt so that clean-up runs on the way out."""


class _terminate_as_interrupt:
    """While outputs are staged, SIGTERM unwinds the stack (removing temporary files) instead of killing
    the process where it stands. Only the main thread may set handlers; elsewhere nothing changes."""

    def __enter__(self) -> None:
        self.previous: Callable[[int, FrameType | None], object] | int | None = None
        try:
            self.previous = signal.signal(signal.SIGTERM, _raise_terminated)
        except ValueError:  # not the main thread
            self.previous = None

    def __exit__(self, *exc: object) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGTERM, self.previous)


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise _Terminated()


def is_termination(exc: BaseException) -> bool:
    return isinstance(exc, _Terminated)
