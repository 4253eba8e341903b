"""A Linux sandbox for learner code: fresh namespaces, a whitelisted read-only root, no network.

nbgrader runs a learner's notebook in a kernel that, by default, is a normal
process of the grader: it can read the gradebook (hidden tests in plain text),
the solutions, every other learner's submission and the network. Grading here
runs each kernel (and each out-of-kernel re-check) inside `enter`, which

1. unshares the mount, network, PID, IPC and UTS namespaces (root), or does the
   same inside a new user namespace (no root; then ``mode="userns"``);
2. builds a new root file system on a small tmpfs that holds *only* read-only
   bind mounts of what Python needs (``/usr``, ``/etc``, the interpreter's
   prefix, the virtual environment, the course's two packages
   ``logreg_ref`` and ``logreg_course``), the kernel's own working folder
   (read-only), its connection folder (writable), a few device files and a
   private ``/tmp``: the course root, the repository's ``solutions/``, the
   gradebook, other learners' files and the grader's home are simply absent;
3. forks, so that the child is process 1 of a new PID namespace with its own
   ``/proc`` (other kernels' processes cannot be seen or traced), and
   ``pivot_root``\\s into the new root, detaching the old one;
4. sets resource limits (address space, processes, file size, CPU seconds; the
   ``prlimit`` system call, as ``prlimit(1)`` would), ``no_new_privs``, and
   (root mode) drops to ``nobody``: without capabilities, the mounts cannot be
   undone. (User-namespace mode instead locks the mounts by entering one more
   user namespace.)

A new network namespace has only a loopback device, which is down: no
network at all. The kernel talks to nbgrader over ZeroMQ's ``ipc`` transport
(Unix sockets in the connection folder), which does not need a network.

Where namespaces are unavailable (no root and no unprivileged user
namespaces, or not Linux), `probe` says so and the grader prints a loud
warning; grading then runs unsandboxed unless ``--require-sandbox``.

Run ``python -m logreg_course.instructor.sandbox probe`` to see what works on
a machine; ``... run --plan PLAN.json -- CMD ...`` runs a command inside (the
re-check's runner uses it).

Only the standard library is imported here: the module runs in every kernel.
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import platform
import resource
import signal
import sys
from dataclasses import asdict, dataclass, field

from ..lifetime import die_with_parent

__all__ = ["SandboxPlan", "enter", "plan_for", "probe", "run_command"]

# mount(2) flags and friends (linux/mount.h, linux/sched.h)
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
MNT_DETACH = 2
CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
PR_SET_NO_NEW_PRIVS = 38
_SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41, "riscv64": 41, "ppc64le": 203, "s390x": 217}

NOBODY = 65534
#: Folders of the host that the sandbox shows (read-only) when they exist.
SYSTEM_DIRS = ("/usr", "/etc", "/lib", "/lib64", "/lib32", "/libx32", "/bin", "/sbin",
               "/opt/conda")
DEVICES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom")


@dataclass
class SandboxPlan:
    """What one sandboxed process may see and use.

    Attributes
    ----------
    binds : list of [path, writable]
        Host paths shown at the same path inside (folders or files).
    cwd : str
        Working folder inside the sandbox (must be shown by `binds`).
    newroot : str
        An empty host folder to build the new root on (per process).
    mode : {"root", "userns", "off"}
        How namespaces are created (`probe` decides).
    uid, gid : int
        Who the process runs as in root mode (``nobody``).
    chown : list of str
        Host paths handed to `uid` before dropping privileges (the
        connection folder, where the kernel creates its sockets).
    limits : dict
        ``as`` (bytes of address space), ``nproc``, ``fsize`` (bytes),
        ``cpu`` (seconds), ``nofile``.
    tmp_size : str
        Size of the private ``/tmp`` (a tmpfs).
    """

    binds: list = field(default_factory=list)
    cwd: str = ""
    newroot: str = ""
    mode: str = "root"
    uid: int = NOBODY
    gid: int = NOBODY
    chown: list = field(default_factory=list)
    limits: dict = field(default_factory=dict)
    tmp_size: str = "256m"

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> SandboxPlan:
        return cls(**json.loads(text))


DEFAULT_LIMITS = {"as": 4 << 30, "nproc": 1024, "fsize": 64 << 20, "cpu": 900, "nofile": 1024}


def _inside(path: str, parent: str) -> bool:
    path, parent = os.path.realpath(path), os.path.realpath(parent)
    return path == parent or path.startswith(parent.rstrip(os.sep) + os.sep)


def plan_for(*, cwd: str | None, writable=(), hidden=(), packages=("logreg_ref", "logreg_course"),
             extra_binds=(), mode: str = "root", newroot: str = "", limits=None) -> SandboxPlan:
    """The sandbox for a kernel whose working folder is `cwd`.

    Parameters
    ----------
    cwd : str or None
        The kernel's working folder (``autograded/<student>/<assignment>``),
        shown read-only; None: the folder the command is started in, shown
        writable (see `run_command`).
    writable : iterable of str
        Folders shown writable (the kernel's connection folder).
    hidden : iterable of str
        Trees that must stay invisible even if an entry of ``sys.path``
        lies inside them (the course root, the repository): only the
        `packages` themselves are shown from there.
    packages : iterable of str
        Importable packages to show (found without importing them).
    extra_binds : iterable of str
        More read-only host paths (``--sandbox-bind``).
    """
    import importlib.util

    hidden = [os.path.realpath(h) for h in hidden]
    ro: list[str] = [p for p in SYSTEM_DIRS if os.path.lexists(p)]
    ro += [p for p in DEVICES if os.path.exists(p)]
    for prefix in {sys.base_prefix, sys.prefix, sys.exec_prefix, sys.base_exec_prefix}:
        ro.append(os.path.realpath(prefix))
    for entry in sys.path:
        # Only installation folders outside the prefixes (a user site, a Debian
        # dist-packages): never a script's folder or the working folder, which
        # sys.path also lists, and never an entry that *contains* a hidden tree.
        if entry and os.path.isdir(entry) and os.path.basename(
                os.path.normpath(entry)) in ("site-packages", "dist-packages"):
            real = os.path.realpath(entry)
            if not any(_inside(h, real) for h in hidden):
                ro.append(real)
    for name in packages:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.submodule_search_locations:
            ro.extend(os.path.realpath(p) for p in spec.submodule_search_locations)
    ro.extend(os.path.realpath(p) for p in extra_binds)
    binds = [[p, False] for p in dict.fromkeys(ro)]
    if cwd:
        binds.append([os.path.realpath(cwd), False])
    binds.extend([os.path.realpath(w), True] for w in writable)
    return SandboxPlan(binds=binds, cwd=os.path.realpath(cwd) if cwd else "", newroot=newroot,
                       mode=mode,
                       chown=[os.path.realpath(w) for w in writable],
                       limits=dict(DEFAULT_LIMITS if limits is None else limits))


# --- system calls ------------------------------------------------------------------------------

_libc = None


def _lib():
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
        _libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p,
                                ctypes.c_ulong, ctypes.c_char_p]
        _libc.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]
        _libc.unshare.argtypes = [ctypes.c_int]
    return _libc


def _check(result, what):
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _mount(source, target, fstype, flags, data=None):
    def enc(s):
        return None if s is None else os.fsencode(s)

    _check(_lib().mount(enc(source), enc(target), enc(fstype), flags, enc(data)),
           f"mount {source or ''} on {target}")


def _unshare(flags):
    _check(_lib().unshare(flags), "unshare")


def _pivot_root(new, old):
    number = _SYS_PIVOT_ROOT.get(platform.machine())
    if number is None:
        raise OSError(errno.ENOSYS, "pivot_root: unknown system call number on this machine")
    _check(_lib().syscall(number, os.fsencode(new), os.fsencode(old)), "pivot_root")


def _write(path, text):
    with open(path, "w") as f:
        f.write(text)


# --- entering the sandbox ----------------------------------------------------------------------

def _build_root(plan: SandboxPlan) -> None:
    """Mount the new root's tmpfs and the bind mounts (in the new mount namespace)."""
    new = plan.newroot
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    _mount("tmpfs", new, "tmpfs", MS_NOSUID | MS_NODEV, "size=16m,mode=755")
    # Private, empty /tmp and /dev/shm first: binds below /tmp (a kernel's folders) go on top.
    for private in ("/tmp", "/dev/shm"):
        os.makedirs(new + private, exist_ok=True)
        _mount("tmpfs", new + private, "tmpfs", MS_NOSUID | MS_NODEV,
               f"size={plan.tmp_size},mode=1777")
    shown: list[str] = []
    for path, writable in sorted(plan.binds, key=lambda b: len(b[0])):
        if not os.path.lexists(path):
            continue
        target = new + path
        if os.path.islink(path):  # /bin -> usr/bin: the same link, not a second bind
            if not os.path.lexists(target):
                os.makedirs(os.path.dirname(target), exist_ok=True)
                os.symlink(os.readlink(path), target)
            continue
        if any(_inside(path, s) for s in shown) and not writable and path != plan.cwd:
            continue  # already visible through a parent bind
        if os.path.isdir(path):
            os.makedirs(target, exist_ok=True)
        else:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            if not os.path.exists(target):
                open(target, "w").close()
        _mount(path, target, None, MS_BIND | MS_REC)
        flags = MS_REMOUNT | MS_BIND | MS_NOSUID | (0 if writable else MS_RDONLY)
        if not path.startswith("/dev/"):
            flags |= MS_NODEV
        _mount(None, target, None, flags)
        shown.append(path)
    for name, link in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
                       ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")):
        if not os.path.lexists(f"{new}/dev/{name}"):
            os.makedirs(f"{new}/dev", exist_ok=True)
            os.symlink(link, f"{new}/dev/{name}")
    os.makedirs(new + "/proc", exist_ok=True)
    os.makedirs(new + "/.oldroot", exist_ok=True)


def _limits(plan: SandboxPlan) -> None:
    table = {"as": resource.RLIMIT_AS, "nproc": resource.RLIMIT_NPROC,
             "fsize": resource.RLIMIT_FSIZE, "cpu": resource.RLIMIT_CPU,
             "nofile": resource.RLIMIT_NOFILE}
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    for key, value in plan.limits.items():
        if key in table and value:
            soft = int(value)
            hard = soft + 5 if key == "cpu" else soft  # SIGXCPU first, then SIGKILL
            try:
                resource.setrlimit(table[key], (soft, hard))
            except (ValueError, OSError):
                # never *raise* a limit above the inherited hard limit
                _, inherited = resource.getrlimit(table[key])
                resource.setrlimit(table[key], (min(soft, inherited), inherited))


def enter(plan: SandboxPlan, report_pid=None) -> None:
    """Move this (single-threaded) process into the sandbox described by `plan`.

    Forks once: the calling process waits for the sandboxed child and exits
    with its status, so `enter` returns **only in the child**, which is
    process 1 of a new PID namespace. `report_pid(pid)` is called in the
    waiting parent with the child's host PID (the one to signal).

    Raises OSError (in the caller, before forking) when a namespace or mount
    cannot be made.
    """
    if plan.mode == "off":
        if report_pid:
            report_pid(os.getpid())
        os.chdir(plan.cwd)
        return
    flags = CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWPID
    uid, gid = os.getuid(), os.getgid()
    if plan.mode == "userns":
        _unshare(flags | CLONE_NEWUSER)
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"0 {uid} 1")
        _write("/proc/self/gid_map", f"0 {gid} 1")
    else:
        _unshare(flags)
    _build_root(plan)
    if plan.mode == "root":
        for path in plan.chown:
            os.chown(path, plan.uid, plan.gid)
            for name in os.listdir(path):
                os.chown(os.path.join(path, name), plan.uid, plan.gid, follow_symlinks=False)
    child = os.fork()
    if child:
        if report_pid:
            report_pid(child)
        _wait_and_exit(child)
    # --- the child: process 1 of the new PID namespace -------------------------------------
    die_with_parent()  # the waiting parent died: stop
    new = plan.newroot
    _mount("proc", new + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    os.chdir(new)
    try:
        _pivot_root(".", ".oldroot")
        os.chdir("/")
        _check(_lib().umount2(b"/.oldroot", MNT_DETACH), "umount old root")
        os.rmdir("/.oldroot")
    except OSError:
        if plan.mode != "root":
            raise  # without pivot_root a userns root could climb out of a chroot
        os.chroot(new)  # root mode drops to nobody, who cannot escape a chroot
        os.chdir("/")
    _mount(None, "/", None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)
    try:
        import socket

        socket.sethostname("grader")
    except OSError:
        pass
    _limits(plan)
    _check(_lib().prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    if plan.mode == "root":
        os.setgroups([])
        os.setresgid(plan.gid, plan.gid, plan.gid)
        os.setresuid(plan.uid, plan.uid, plan.uid)
        # the change of user cleared the parent-death signal (`lifetime`): arm it again,
        # or a kernel or re-check whose waiting parent is killed runs on as an orphan
        die_with_parent()
    else:  # lock every mount: a nested user namespace cannot unmount or remount them
        _unshare(CLONE_NEWUSER | CLONE_NEWNS)
    os.chdir(plan.cwd)


def _wait_and_exit(child):
    """Wait for the sandboxed child; exit with its status (never returns)."""
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    try:
        while True:
            try:
                _, status = os.waitpid(child, 0)
                break
            except ChildProcessError:
                status = 0
                break
            except InterruptedError:
                continue
        code = os.waitstatus_to_exitcode(status)
    except BaseException:
        code = 70
    os._exit(code if code >= 0 else 128 - code)


# --- probing and running -----------------------------------------------------------------------

PROBE_SCRIPT = r"""
import json, os, socket, sys
secret = sys.argv[1]
found = {"uid": os.getuid(), "pid": os.getpid(), "cwd": os.getcwd()}
found["secret_visible"] = os.path.exists(secret)
try:
    socket.create_connection(("1.1.1.1", 53), timeout=2).close()
    found["network"] = True
except OSError as exc:
    found["network"] = False
try:
    found["processes"] = len([p for p in os.listdir("/proc") if p.isdigit()])
except OSError:
    found["processes"] = -1
import importlib.util
import numpy, logreg_course.grading  # what a grading kernel imports (logreg_ref: its files)
with open(importlib.util.find_spec("logreg_ref").origin) as f:
    found["imports"] = bool(f.read(1))
try:
    open("/usr/lrc-write-test", "w").close()
    found["root_writable"] = True
except OSError:
    found["root_writable"] = False
print("PROBE " + json.dumps(found))
"""


@dataclass
class ProbeResult:
    """What `probe` found: whether the sandbox works, and how."""

    mode: str
    ok: bool
    details: dict = field(default_factory=dict)
    reason: str = ""

    def describe(self) -> str:
        if not self.ok:
            return f"NO SANDBOX: {self.reason}"
        d = self.details
        who = "nobody (uid 65534)" if d.get("uid") == NOBODY else f"uid {d.get('uid')}"
        return (f"sandbox on ({self.mode} mode): new mount/network/PID/IPC namespaces; "
                f"course root, gradebook and solutions invisible; "
                f"network {'REACHABLE' if d.get('network') else 'unreachable'}; "
                f"{d.get('processes')} process(es) visible; runs as {who}; "
                f"read-only system; limits: "
                + ", ".join(f"{k}={v}" for k, v in DEFAULT_LIMITS.items()))


def _modes():
    if not sys.platform.startswith("linux"):
        return []
    return ["root"] if os.geteuid() == 0 else ["userns"]


def probe(secret: str, scratch: str, timeout: float = 60.0) -> ProbeResult:
    """Try the sandbox on this machine: can a sandboxed Python import the course and
    *not* see `secret` (a file in the course root) or the network?"""
    import subprocess
    import tempfile

    modes = _modes()
    if not modes:
        return ProbeResult("off", False, reason="Linux namespaces are not available here")
    last = ""
    for mode in modes:
        with tempfile.TemporaryDirectory(dir=scratch) as work:
            newroot = os.path.join(work, "root")
            cwd = os.path.join(work, "cwd")
            os.makedirs(newroot)
            os.makedirs(cwd)
            plan = plan_for(cwd=cwd, hidden=[os.path.dirname(secret)], mode=mode,
                            newroot=newroot)
            plan_file = os.path.join(work, "plan.json")
            _write(plan_file, plan.to_json())
            cmd = [sys.executable, "-m", "logreg_course.instructor.sandbox", "run",
                   "--plan", plan_file, "--", sys.executable, "-I", "-c", PROBE_SCRIPT, secret]
            try:
                proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
            except subprocess.TimeoutExpired:
                last = "the probe timed out"
                continue
            lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("PROBE ")]
            if proc.returncode != 0 or not lines:
                last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
                continue
            found = json.loads(lines[-1][6:])
            problems = [what for what, bad in (
                ("the course root is visible", found.get("secret_visible")),
                ("the network is reachable", found.get("network")),
                ("the system is writable", found.get("root_writable"))) if bad]
            if problems:
                return ProbeResult(mode, False, found, "; ".join(problems))
            return ProbeResult(mode, True, found)
    return ProbeResult("off", False, reason=f"namespaces could not be created ({last})")


def run_command(plan: SandboxPlan, argv: list[str]) -> None:
    """Enter the sandbox and exec `argv` (never returns).

    A plan without ``cwd`` runs in the caller's working folder (shown
    writable), and one without ``newroot`` builds its root in a hidden folder
    there: a caller such as the re-check, which makes a fresh temporary folder
    per run, can use one plan for every run.
    """
    if not plan.cwd:
        plan.cwd = os.getcwd()
        plan.binds.append([plan.cwd, True])
        plan.chown.append(plan.cwd)
    if not plan.newroot:
        plan.newroot = os.path.join(plan.cwd, ".sandbox-root")
        os.makedirs(plan.newroot, exist_ok=True)
    enter(plan)
    os.execv(argv[0], argv)


def main(argv=None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m logreg_course.instructor.sandbox")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run a command inside a sandbox plan")
    run.add_argument("--plan", required=True)
    run.add_argument("argv", nargs=argparse.REMAINDER)
    check = sub.add_parser("probe", help="report what the sandbox does on this machine")
    check.add_argument("--course", default=os.getcwd())
    args = parser.parse_args(argv)
    if args.command == "run":
        die_with_parent()  # the grader that started us was killed: so is what we run
        with open(args.plan) as f:
            plan = SandboxPlan.from_json(f.read())
        cmd = args.argv[1:] if args.argv[:1] == ["--"] else args.argv
        if not cmd:
            parser.error("no command to run")
        try:
            run_command(plan, cmd)
        except OSError as exc:
            print(f"sandbox: {exc}", file=sys.stderr)
            return 71
        return 0  # pragma: no cover - execv does not return
    import tempfile

    secret = os.path.join(os.path.abspath(args.course), "gradebook.db")
    if not os.path.exists(secret):
        secret = os.path.join(os.path.abspath(args.course), "nbgrader_config.py")
    result = probe(secret, tempfile.gettempdir())
    print(result.describe())
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
