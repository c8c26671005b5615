"""Where `-o` and `--output-dir` write: the target the user named, as what it is, and nothing else.

Device nodes, FIFOs and links are made privately in a temporary directory; the real /dev is never used.
"""

from __future__ import annotations

import errno
import shutil
import tempfile
import os
import signal
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from conftest import GOLDEN
from kfpc import cli, output
from kfpc.errors import KfpcError

HELLO = GOLDEN / "hello_container" / "pipeline.yaml"
WIDE = GOLDEN / "wide_dag" / "pipeline.yaml"


def kfpc(*args: str, **kwargs) -> subprocess.CompletedProcess:
    kwargs.setdefault("capture_output", True)
    return subprocess.run([sys.executable, "-m", "kfpc", *args], **kwargs)


@pytest.fixture(scope="module")
def hello_text() -> bytes:
    proc = kfpc("compile", str(HELLO))
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def _device(tmp_path: Path, name: str, minor: int) -> Path:
    """A private character device (1,3 is null, 1,7 is full); needs root, as CI containers have."""
    path = tmp_path / name
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, minor))
    except PermissionError:
        pytest.skip("making a device node needs root")
    return path


def test_dash_is_standard_output(hello_text: bytes) -> None:
    proc = kfpc("compile", str(HELLO), "-o", "-")
    assert proc.returncode == 0 and proc.stdout == hello_text


@pytest.mark.parametrize("flag", ["-o", "--output-dir"])
def test_empty_target_is_a_usage_error(flag: str, tmp_path: Path) -> None:
    proc = kfpc("compile", str(HELLO), flag, "", cwd=tmp_path)
    assert proc.returncode == 2
    assert b"needs a path" in proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_device_node_is_written_not_replaced(tmp_path: Path) -> None:
    null = _device(tmp_path, "null", 3)
    proc = kfpc("compile", str(HELLO), "-o", str(null))
    assert proc.returncode == 0, proc.stderr
    assert stat.S_ISCHR(os.lstat(null).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null"]


def test_symlink_is_followed(tmp_path: Path, hello_text: bytes) -> None:
    real = tmp_path / "real.yaml"
    real.write_text("old\n")
    link = tmp_path / "link.yaml"
    link.symlink_to(real.name)
    proc = kfpc("compile", str(HELLO), "-o", str(link))
    assert proc.returncode == 0, proc.stderr
    assert link.is_symlink() and os.readlink(link) == "real.yaml"
    assert real.read_bytes() == hello_text


def test_dangling_symlink_creates_its_target(tmp_path: Path, hello_text: bytes) -> None:
    link = tmp_path / "link.yaml"
    link.symlink_to("sub/made.yaml")
    proc = kfpc("compile", str(HELLO), "-o", str(link))
    assert proc.returncode == 0, proc.stderr
    assert link.is_symlink() and (tmp_path / "sub" / "made.yaml").read_bytes() == hello_text


def test_symlink_to_a_device_writes_the_device(tmp_path: Path) -> None:
    null = _device(tmp_path, "null", 3)
    link = tmp_path / "stdout-like"
    link.symlink_to(null)
    assert kfpc("compile", str(HELLO), "-o", str(link)).returncode == 0
    assert link.is_symlink() and stat.S_ISCHR(os.lstat(null).st_mode)


def test_fifo_is_written_in_place(tmp_path: Path, hello_text: bytes) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    proc = kfpc("compile", str(HELLO), "-o", str(fifo), timeout=60)
    reader.join(timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert received == [hello_text]


def test_file_keeps_its_mode(tmp_path: Path, hello_text: bytes) -> None:
    target = tmp_path / "wf.yaml"
    target.write_text("old\n")
    target.chmod(0o600)
    assert kfpc("compile", str(HELLO), "-o", str(target)).returncode == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert target.read_bytes() == hello_text


def test_new_file_gets_the_umask(tmp_path: Path) -> None:
    target = tmp_path / "wf.yaml"
    proc = kfpc("compile", str(HELLO), "-o", str(target), preexec_fn=lambda: os.umask(0o077))
    assert proc.returncode == 0, proc.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_dev_stdout_writes_through_the_redirection(tmp_path: Path, hello_text: bytes) -> None:
    """`-o /dev/stdout > file` must fill the file the shell opened, not replace it or start over."""
    redirected = tmp_path / "out.yaml"
    with redirected.open("wb") as fh:
        fh.write(b"# before\n")
        fh.flush()
        proc = kfpc("compile", str(HELLO), "-o", "/dev/stdout", stdout=fh, stderr=subprocess.PIPE,
                    capture_output=False)
    assert proc.returncode == 0, proc.stderr
    assert redirected.read_bytes() == b"# before\n" + hello_text


def test_failed_compile_leaves_the_output_alone(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("pipelineInfo: {name: x}\nroot: 7\n")
    target = tmp_path / "wf.yaml"
    target.write_bytes(b"precious\n")
    proc = kfpc("compile", str(bad), "-o", str(target))
    assert proc.returncode == 1
    assert target.read_bytes() == b"precious\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml", "wf.yaml"]


def test_output_dir_is_all_or_nothing_when_a_directory_is_in_the_way(tmp_path: Path) -> None:
    first = tmp_path / "a.yaml"
    second = tmp_path / "b.yaml"
    first.write_bytes(HELLO.read_bytes())
    second.write_bytes(HELLO.read_bytes())
    out = tmp_path / "out"
    (out / "b.yaml").mkdir(parents=True)
    proc = kfpc("compile", str(first), str(second), "--output-dir", str(out))
    assert proc.returncode == 1
    assert b"is a directory" in proc.stderr and b"Traceback" not in proc.stderr
    assert sorted(p.name for p in out.iterdir()) == ["b.yaml"]  # a.yaml was not left behind


def test_output_dir_is_all_or_nothing_when_the_disk_fills(tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "out" / "deeper"
    existing = tmp_path / "keep"
    existing.mkdir()
    (existing / "a.yaml").write_bytes(b"old a\n")
    calls = []

    def full_on_second(fd: int) -> None:
        calls.append(fd)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(output.os, "fsync", full_on_second)
    with pytest.raises(KfpcError) as info:
        output.write_files([(str(existing / "a.yaml"), "new a\n"), (str(out / "b.yaml"), "new b\n")])
    assert "no space left" in str(info.value)
    assert (existing / "a.yaml").read_bytes() == b"old a\n"
    assert sorted(p.name for p in existing.iterdir()) == ["a.yaml"]
    assert not (tmp_path / "out").exists()  # folders made for the outputs are gone too


def test_output_dir_restores_replaced_files_when_a_later_rename_fails(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "a.yaml").write_bytes(b"old a\n")
    (tmp_path / "b.yaml").write_bytes(b"old b\n")
    real_replace = os.replace
    renames = []

    def fail_second(src, dst) -> None:
        if str(src).endswith(".tmp"):
            renames.append(dst)
            if len(renames) == 2:
                raise OSError(errno.EIO, "Input/output error")
        real_replace(src, dst)

    monkeypatch.setattr(output.os, "replace", fail_second)
    with pytest.raises(KfpcError, match="Input/output error"):
        output.write_files([(str(tmp_path / "a.yaml"), "new a\n"), (str(tmp_path / "b.yaml"), "new b\n")])
    assert (tmp_path / "a.yaml").read_bytes() == b"old a\n"
    assert (tmp_path / "b.yaml").read_bytes() == b"old b\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.yaml", "b.yaml"]


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGTERM, 128 + signal.SIGTERM), (signal.SIGINT, 130)])
def test_signal_while_writing_removes_temporary_files(signum: int, status: int, tmp_path: Path,
                                                      monkeypatch) -> None:
    target = tmp_path / "wf.yaml"
    target.write_bytes(b"old\n")
    before = signal.getsignal(signal.SIGTERM)

    def interrupted(fd: int) -> None:
        os.kill(os.getpid(), signum)

    monkeypatch.setattr(output.os, "fsync", interrupted)
    assert cli.main(["compile", str(HELLO), "-o", str(target)]) == status
    assert sorted(p.name for p in tmp_path.iterdir()) == ["wf.yaml"]
    assert target.read_bytes() == b"old\n"
    assert signal.getsignal(signal.SIGTERM) is before  # the handler is ours only while writing


def test_reader_that_goes_away_is_a_failure() -> None:
    # Tekton's manifest of the wide pipeline (~470 KB) is far larger than a pipe's buffer
    proc = subprocess.Popen([sys.executable, "-m", "kfpc", "compile", "-b", "tekton", str(WIDE)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.read(100)
    proc.stdout.close()  # as `| head` does
    err = proc.stderr.read()
    assert proc.wait(timeout=60) == 1
    assert b"reader closed" in err and b"Traceback" not in err and b"KFPC700" not in err


def test_full_disk_on_standard_output(tmp_path: Path) -> None:
    full = _device(tmp_path, "full", 7)
    with full.open("wb") as fh:
        proc = kfpc("compile", str(HELLO), stdout=fh, stderr=subprocess.PIPE, capture_output=False)
    assert proc.returncode == 1
    assert b"no space left" in proc.stderr and b"KFPC700" not in proc.stderr and b"Traceback" not in proc.stderr


def test_full_device_as_output_file(tmp_path: Path) -> None:
    full = _device(tmp_path, "full", 7)
    proc = kfpc("compile", str(HELLO), "-o", str(full))
    assert proc.returncode == 1 and b"no space left" in proc.stderr
    assert stat.S_ISCHR(os.lstat(full).st_mode)


def test_closed_standard_input() -> None:
    proc = kfpc("compile", "-", stdin=subprocess.DEVNULL, preexec_fn=lambda: os.close(0))
    assert proc.returncode == 1
    assert b"standard input" in proc.stderr and b"KFPC700" not in proc.stderr


# ---------------------------------------------------------------------------------------------
# Cases an independent review found


def test_closed_standard_output_is_a_clean_error() -> None:
    proc = kfpc("compile", str(HELLO), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, capture_output=False,
                preexec_fn=lambda: os.close(1))
    assert proc.returncode == 1
    assert b"closed" in proc.stderr and b"KFPC700" not in proc.stderr


def test_closed_standard_error_keeps_messages_out_of_the_manifest(tmp_path: Path) -> None:
    out = tmp_path / "out.yaml"
    with out.open("wb") as fh:
        proc = kfpc("compile", str(GOLDEN / "loops" / "pipeline.yaml"), "-b", "tekton", stdout=fh,
                    stderr=subprocess.DEVNULL, capture_output=False, preexec_fn=lambda: os.close(2))
    assert proc.returncode == 0
    assert out.read_bytes().startswith(b"apiVersion: tekton.dev/v1\n")


@pytest.mark.parametrize("spelling", ["//dev/stdout", "/dev/./stdout", "/proc/self/fd/1", "/dev/fd/1"])
def test_any_spelling_of_standard_output_appends_to_the_redirection(spelling: str, tmp_path: Path,
                                                                     hello_text: bytes) -> None:
    log = tmp_path / "log"
    log.write_bytes(b"prev\n")
    with log.open("ab") as fh:
        proc = kfpc("compile", str(HELLO), "-o", spelling, stdout=fh, stderr=subprocess.PIPE, capture_output=False)
    assert proc.returncode == 0, proc.stderr
    assert log.read_bytes() == b"prev\n" + hello_text


def test_no_backup_no_commit(tmp_path: Path, monkeypatch) -> None:
    """When the old file cannot be kept for a roll-back, nothing is replaced at all."""
    (tmp_path / "a.yaml").write_bytes(b"old a\n")
    (tmp_path / "b.yaml").write_bytes(b"old b\n")

    def no(*args, **kwargs):
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(output.os, "link", no)
    monkeypatch.setattr(output.shutil, "copyfile", no)
    with pytest.raises(KfpcError, match="cannot keep a copy"):
        output.write_files([(str(tmp_path / "a.yaml"), "new a\n"), (str(tmp_path / "b.yaml"), "new b\n")])
    assert (tmp_path / "a.yaml").read_bytes() == b"old a\n"
    assert (tmp_path / "b.yaml").read_bytes() == b"old b\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.yaml", "b.yaml"]


def test_target_that_cannot_be_renamed_over_is_written_in_place(tmp_path: Path, monkeypatch) -> None:
    """A bind-mounted file (a Kubernetes subPath) refuses rename with EBUSY; the shell's `>` still works."""
    target = tmp_path / "mounted.yaml"
    target.write_bytes(b"old\n")
    inode = target.stat().st_ino
    real_replace = os.replace

    def busy(src, dst) -> None:
        if Path(dst) == target:
            raise OSError(errno.EBUSY, "Device or resource busy")
        real_replace(src, dst)

    monkeypatch.setattr(output.os, "replace", busy)
    output.write(str(target), "new\n")
    assert target.read_bytes() == b"new\n" and target.stat().st_ino == inode
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mounted.yaml"]


def test_long_file_names_work(tmp_path: Path, hello_text: bytes) -> None:
    target = tmp_path / ("a" * 245 + ".yaml")
    proc = kfpc("compile", str(HELLO), "-o", str(target))
    assert proc.returncode == 0, proc.stderr
    assert target.read_bytes() == hello_text


def test_outputs_that_are_one_file_are_refused(tmp_path: Path) -> None:
    real = tmp_path / "real.yaml"
    real.write_bytes(b"keep\n")
    (tmp_path / "x.yaml").symlink_to(real)
    with pytest.raises(KfpcError, match="same file"):
        output.write_files([(str(tmp_path / "x.yaml"), "1\n"), (str(real), "2\n")])
    assert real.read_bytes() == b"keep\n"


def test_hard_links_all_see_the_new_manifest(tmp_path: Path, hello_text: bytes) -> None:
    target = tmp_path / "wf.yaml"
    target.write_bytes(b"old\n")
    os.link(target, tmp_path / "other-name.yaml")
    assert kfpc("compile", str(HELLO), "-o", str(target)).returncode == 0
    assert (tmp_path / "other-name.yaml").read_bytes() == hello_text


@pytest.mark.parametrize("target", ["newdir/", "wf.yaml/"])
def test_trailing_slash_is_a_usage_error(target: str, tmp_path: Path) -> None:
    (tmp_path / "wf.yaml").write_bytes(b"keep\n")
    proc = kfpc("compile", str(HELLO), "-o", target, cwd=tmp_path)
    assert proc.returncode == 2 and b"names a directory" in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["wf.yaml"]
    assert (tmp_path / "wf.yaml").read_bytes() == b"keep\n"


@pytest.mark.parametrize("flags", [["-o", "p.yaml"], ["--output-dir", "."]])
def test_the_input_is_never_overwritten(flags: list[str], tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_bytes(HELLO.read_bytes())
    proc = kfpc("compile", "p.yaml", *flags, cwd=tmp_path)
    assert proc.returncode == 2 and b"is the input" in proc.stderr
    assert (tmp_path / "p.yaml").read_bytes() == HELLO.read_bytes()


def test_sighup_while_writing_removes_temporary_files(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "wf.yaml"
    monkeypatch.setattr(output.os, "fsync", lambda fd: os.kill(os.getpid(), signal.SIGHUP))
    assert cli.main(["compile", str(HELLO), "-o", str(target)]) == 128 + signal.SIGHUP
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def shared_dir():
    """A folder another user can reach (pytest's own tmp folders are private to root)."""
    if os.geteuid() != 0:
        pytest.skip("acting as another user needs root")
    folder = Path(tempfile.mkdtemp(prefix="kfpc-perm-"))
    folder.chmod(0o777)
    yield folder
    shutil.rmtree(folder)


class _as_nobody:
    """Act as user nobody in this process (the real user stays root, so it can come back); a child
    process could not even start the interpreter, which lives in root's home here."""

    def __enter__(self) -> None:
        os.setegid(65534)
        os.seteuid(65534)

    def __exit__(self, *exc: object) -> None:
        os.seteuid(0)
        os.setegid(0)


def test_non_root_read_only_file_is_refused_as_the_shell_does(shared_dir: Path) -> None:
    target = shared_dir / "ro.yaml"
    target.write_bytes(b"keep\n")
    target.chmod(0o444)
    os.chown(target, 65534, 65534)
    with _as_nobody(), pytest.raises(KfpcError, match="Permission denied"):
        output.write(str(target), "new\n")
    assert target.read_bytes() == b"keep\n"


def test_non_root_writable_file_in_read_only_folder_is_written(shared_dir: Path) -> None:
    folder = shared_dir / "ro"
    folder.mkdir()
    target = folder / "wf.yaml"
    target.write_bytes(b"old\n")
    target.chmod(0o666)
    folder.chmod(0o555)
    with _as_nobody():
        output.write(str(target), "new\n")
    assert target.read_bytes() == b"new\n"


def test_non_root_keeps_the_owner_of_a_file_it_may_write(shared_dir: Path) -> None:
    target = shared_dir / "roots.yaml"
    target.write_bytes(b"old\n")
    target.chmod(0o646)
    with _as_nobody():
        output.write(str(target), "new\n")
    assert target.read_bytes() == b"new\n"
    assert (target.stat().st_uid, stat.S_IMODE(target.stat().st_mode)) == (0, 0o646)
