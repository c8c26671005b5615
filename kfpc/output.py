"""Writing compiled manifests where the user asked, and nowhere else.

Why this is careful: kfpc runs in CI containers as root, where `-o /dev/null` or `-o /dev/stdout` name
device nodes and links that a rename would replace for the whole machine. So a target is written the
way it is:
- a name for one of our open descriptors (`-`, `/dev/stdout`, `/proc/self/fd/N`, however spelt) is
  written through that descriptor, so a shell's `>>` keeps appending;
- a device, FIFO or terminal is opened and written in place;
- a regular file is replaced atomically (readers never see half a manifest), keeping its mode and owner;
  where a rename cannot keep them (a file of another user, a read-only folder, a bind mount) it is
  written in place, as the shell would, and a file the user may not write is refused, as the shell does;
- a symlink is followed to what it names.
Several outputs are all or nothing: every output is staged first, each existing file gets a backup, and
a failure on the way puts every old file back and removes every new one.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import signal
import stat
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

from kfpc.errors import KfpcError, UsageError

STDOUT = "-"

_FD_PATH = re.compile(r"/(?:proc/(?:self|thread-self|(\d+))|dev)/fd/(\d+)")
_STD_NAMES = {"/dev/stdout": 1, "/dev/stderr": 2, "/dev/stdin": 0}
_MAX_LINKS = 40  # as the kernel's limit on symlinks followed in one lookup


def check_target(value: str | None, flag: str) -> None:
    """An empty name is a usage mistake (`-o ''`); a trailing slash asks for a folder we do not make."""
    if value is None:
        return
    if value == "":
        hint = "use -o - for standard output" if flag.startswith("-o") else None
        raise UsageError(f"{flag} needs a path, not an empty string", hint=hint)
    if flag.startswith("-o") and value != STDOUT and value.endswith("/"):
        raise UsageError(f"{flag} {value!r} names a directory; give a file name (or use --output-dir)")


def write(target: str, text: str) -> None:
    """Write one output: see the module docstring for what each kind of target gets."""
    fd = descriptor_of(target)
    if fd == 1 and _python_level_stdout():
        sys.stdout.write(text)  # redirected in-process (contextlib.redirect_stdout, a test's capture)
        return
    if fd is not None:
        _write_fd(fd, text.encode("utf-8"), _label(fd))
        return
    write_files([(target, text)])


def _python_level_stdout() -> bool:
    """Whether sys.stdout is an object with no descriptor of its own, which only its write() reaches."""
    if sys.stdout is None:
        return False
    try:
        sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return True
    return False


def write_files(outputs: Sequence[tuple[str, str]]) -> None:
    """Several outputs (`--output-dir`), all or nothing."""
    with _signals_unwind():
        staged: list[_Output] = []
        try:
            for target, text in outputs:
                staged.append(_Output.plan(Path(target), text.encode("utf-8")))
            _refuse_shared_targets(staged)
            for item in staged:
                item.stage()
            for item in staged:
                item.back_up()
            for item in staged:
                item.commit()
        except BaseException:
            for item in reversed(staged):
                item.roll_back()
            raise
        for item in staged:
            item.finish()


def descriptor_of(target: str) -> int | None:
    """The descriptor of ours that `target` names, following links the way open() would."""
    if target == STDOUT:
        return 1
    path = os.path.normpath(os.path.join(os.getcwd(), target))
    for _ in range(_MAX_LINKS):
        if path in _STD_NAMES:
            return _STD_NAMES[path]
        match = _FD_PATH.fullmatch(path)
        if match and (match.group(1) is None or int(match.group(1)) == os.getpid()):
            return int(match.group(2))
        try:
            link = os.readlink(path)
        except OSError:
            return None
        path = os.path.normpath(os.path.join(os.path.dirname(path), link))
    return None


def same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


# ---------------------------------------------------------------------------------------------
# Descriptors and in-place writes


def _write_fd(fd: int, data: bytes, label: str) -> None:
    if fd == 1 and sys.stdout is not None:
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


def _label(fd: int) -> str:
    return {1: "<stdout>", 2: "<stderr>"}.get(fd, f"<descriptor {fd}>")


class ReaderGone(KfpcError):
    """The reader of a pipe went away (`kfpc compile big.yaml | head`): the output is cut, so not a success."""

    default_code = "KFPC100"

    def __init__(self, label: str):
        super().__init__("cannot write: the reader closed the output before it was complete", file=label,
                         code="KFPC100")


# ---------------------------------------------------------------------------------------------
# One output through its stages: plan, stage, back up, commit, then finish or roll back


@dataclass
class _Output:
    shown: Path  # as the user wrote it, for messages
    target: Path  # links resolved
    data: bytes
    how: str  # "special", "create", "replace" or "in-place"
    old: os.stat_result | None = None
    made_dirs: list[Path] = field(default_factory=list)
    temp: Path | None = None
    backup: Path | None = None
    committed: bool = False

    @classmethod
    def plan(cls, shown: Path, data: bytes) -> _Output:
        target = Path(os.path.realpath(shown))
        try:
            old = os.stat(target)
        except FileNotFoundError:
            old = None
        except OSError as exc:
            raise _cannot_write(shown, exc) from None
        if old is not None and stat.S_ISDIR(old.st_mode):
            raise KfpcError(f"cannot write {shown}: it is a directory", file=str(shown), code="KFPC100")
        if old is not None and not stat.S_ISREG(old.st_mode):
            return cls(shown, target, data, "special", old)
        if old is not None and not _may(target, os.W_OK):
            raise _cannot_write(shown, PermissionError(errno.EACCES, "Permission denied"))
        item = cls(shown, target, data, "create" if old is None else _replace_or_in_place(target, old), old)
        item.made_dirs = _make_parents(shown, target.parent)
        return item

    def stage(self) -> None:
        """The new content, complete on disk under a temporary name beside the target."""
        if self.how not in ("create", "replace"):
            return
        try:
            fd, name = tempfile.mkstemp(prefix=".kfpc-", suffix=".tmp", dir=self.target.parent)
        except OSError as exc:
            raise _cannot_write(self.shown, exc) from None
        self.temp = Path(name)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(self.data)
                fh.flush()
                os.fsync(fh.fileno())
            _give_mode(self.temp, self.old)
        except OSError as exc:
            raise _cannot_write(self.shown, exc) from None

    def back_up(self) -> None:
        """A second name for the old content, to put back if a later output fails; none, no commit."""
        if self.old is None or self.how == "special":
            return
        # Written in place, the file keeps its inode, so only a copy (not a second name) keeps the old text.
        self.backup = _backup_of(self.shown, self.target, copy=self.how == "in-place")

    def commit(self) -> None:
        if self.how == "special":
            _write_in_place(self.target, self.data)
        elif self.how == "in-place":
            _write_in_place(self.target, self.data)
        else:
            assert self.temp is not None
            try:
                os.replace(self.temp, self.target)
            except OSError as exc:
                if exc.errno != errno.EBUSY or self.old is None:  # EBUSY: a bind-mounted file
                    raise _cannot_write(self.shown, exc) from None
                self._write_over_busy_file()
            else:
                self.temp = None
        self.committed = True

    def _write_over_busy_file(self) -> None:
        """A bind-mounted file cannot be renamed over; written in place it keeps its inode, so the backup
        must become a copy before the old content is overwritten."""
        assert self.temp is not None
        _unlink(self.temp)
        self.temp = None
        if self.backup is not None:
            _unlink(self.backup)
            self.backup = None
            self.backup = _backup_of(self.shown, self.target, copy=True)
        _write_in_place(self.target, self.data)

    def roll_back(self) -> None:
        if self.temp is not None:
            _unlink(self.temp)
        if self.committed and self.backup is not None:
            _restore(self.backup, self.target)
            self.backup = None
        elif self.committed and self.old is None:
            _unlink(self.target)
        if self.backup is not None:
            _unlink(self.backup)
        for folder in reversed(self.made_dirs):
            try:
                folder.rmdir()
            except OSError:
                pass

    def finish(self) -> None:
        if self.backup is not None:
            _unlink(self.backup)


def _replace_or_in_place(target: Path, old: os.stat_result) -> str:
    """A rename keeps the manifest whole for readers, but only a writable folder allows it, and only
    root can hand a new file to the old owner; otherwise write in place, as the shell's `>` does."""
    if not _may(target.parent, os.W_OK | os.X_OK):
        return "in-place"
    if old.st_nlink > 1:
        return "in-place"  # other names share this file; a rename would leave them the old content
    if os.geteuid() != 0 and (old.st_uid, old.st_gid) != (os.geteuid(), os.getegid()):
        return "in-place"
    return "replace"


def _may(path: Path, mode: int) -> bool:
    """Permission as open() will judge it: by the effective user, where the platform can ask that way."""
    if os.access in os.supports_effective_ids:
        return os.access(path, mode, effective_ids=True)
    return os.access(path, mode)


def _make_parents(shown: Path, folder: Path) -> list[Path]:
    missing: list[Path] = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    made: list[Path] = []
    for new in reversed(missing):
        try:
            new.mkdir()
        except OSError as exc:
            for done in reversed(made):
                done.rmdir()
            raise _cannot_write(shown, exc) from None
        made.append(new)
    return made


def _give_mode(temp: Path, old: os.stat_result | None) -> None:
    """An existing file keeps its permissions and owner; a new one gets the umask's, as from the shell."""
    if old is None:
        return
    if (old.st_uid, old.st_gid) != (os.geteuid(), os.getegid()):
        os.chown(temp, old.st_uid, old.st_gid)  # only reached as root (see _replace_or_in_place)
    os.chmod(temp, stat.S_IMODE(old.st_mode))


def _backup_of(shown: Path, target: Path, copy: bool) -> Path:
    folder = target.parent if _may(target.parent, os.W_OK | os.X_OK) else None  # None: the temp dir
    fd, name = tempfile.mkstemp(prefix=".kfpc-", suffix=".old", dir=folder)
    os.close(fd)
    backup = Path(name)
    if not copy:
        try:
            os.unlink(backup)
            os.link(target, backup)  # cheap: a second name for the same content
            return backup
        except OSError:
            pass
    try:
        shutil.copyfile(target, backup)
        return backup
    except OSError as exc:
        _unlink(backup)
        raise KfpcError(f"cannot write {shown}: cannot keep a copy of the old file to restore on failure "
                        f"({_reason(exc)})", file=str(shown), code="KFPC100") from None


def _restore(backup: Path, target: Path) -> None:
    try:
        os.replace(backup, target)
    except OSError:  # a bind-mounted target cannot be renamed over; copy the old content back
        with open(backup, "rb") as fh:
            _write_in_place(target, fh.read())
        _unlink(backup)


def _refuse_shared_targets(outputs: Sequence[_Output]) -> None:
    seen: dict[Path, Path] = {}
    for item in outputs:
        if item.target in seen:
            raise UsageError(f"{seen[item.target]} and {item.shown} are the same file; each output needs its own")
        seen[item.target] = item.shown


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
    if exc.errno == errno.EBADF:
        return "it is closed"
    return exc.strerror or str(exc)


# ---------------------------------------------------------------------------------------------
# Signals


class _Terminated(BaseException):
    """SIGTERM or SIGHUP, raised like KeyboardInterrupt so that clean-up runs on the way out."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


_UNWINDING = (signal.SIGTERM, signal.SIGHUP)


class _signals_unwind:
    """While outputs are staged, SIGTERM and SIGHUP unwind the stack (removing temporary files) instead of
    killing the process where it stands. Only the main thread may set handlers; elsewhere nothing changes."""

    def __enter__(self) -> None:
        self.previous: dict[int, Callable[[int, FrameType | None], object] | int | None] = {}
        try:
            for signum in _UNWINDING:
                self.previous[signum] = signal.signal(signum, _raise_terminated)
        except ValueError:  # not the main thread
            pass

    def __exit__(self, *exc: object) -> None:
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise _Terminated(signum)


def termination_status(exc: BaseException) -> int | None:
    """The exit status for a signal that unwound a write (128 + its number), or None."""
    return 128 + exc.signum if isinstance(exc, _Terminated) else None
