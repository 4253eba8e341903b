"""Warm, sandboxed kernels for nbgrader: a kernel factory that forks pre-imported kernels.

A light notebook spends more time *starting* than running: a fresh kernel
process imports IPython and ipykernel (~0.5 s), and this course's setup cell
imports scikit-learn (~1 s). Each grading worker therefore starts one
**kernel factory** (``python -I -m logreg_course.instructor.kernels``) that
imports all of that once, stays single-threaded, and then, for every notebook,
``fork``\\s a child that enters the sandbox (`sandbox.enter`) and becomes an
ipykernel with the connection file nbgrader wrote. A fork costs milliseconds
and shares the imported modules copy-on-write.

The child is an ordinary, fresh kernel as far as the notebook can tell:
``In``/``Out`` are empty, the setup cell runs first, modules are imported
(only earlier), NumPy's global random state is re-seeded. What pre-importing
changes: nothing a learner can observe except speed.

nbgrader's ``Execute`` preprocessor talks to the child through
`SandboxedKernelManager` (a jupyter_client ``AsyncKernelManager``) and its
`FactoryProvisioner`: the ZeroMQ ``ipc`` transport, one folder per kernel
(connection file and sockets), a PID to signal (interrupt on timeout, kill).

The worker configures this module with `configure` before grading.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import threading
import time

from ..lifetime import die_with_parent
from . import sandbox

__all__ = ["KernelFactory", "configure", "factory"]  # + SandboxedKernelManager (lazy)

#: Environment variables passed from the grader to a kernel (all others are dropped).
PASS_ENV = ("NBGRADER_EXECUTION", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "PYTHONHASHSEED",
            "SCIPY_ARRAY_API")
PASS_ENV_PREFIXES = ("LOGREG_GRADING_",)
KERNEL_ENV = {"HOME": "/tmp", "TMPDIR": "/tmp", "IPYTHONDIR": "/tmp/.ipython",
              "MPLCONFIGDIR": "/tmp/.matplotlib", "JUPYTER_RUNTIME_DIR": "/tmp/.jupyter",
              "PATH": "/usr/local/bin:/usr/bin:/bin", "MPLBACKEND": "Agg",
              "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
              "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
#: Always pre-imported by a factory (besides the modules the notebooks' setup cells import).
BASE_PRELOAD = ("numpy", "IPython", "IPython.core.interactiveshell", "ipykernel.kernelapp",
                "ipykernel.ipkernel", "ipykernel.zmqshell", "jupyter_client.session",
                "logreg_ref", "logreg_course.selfcheck", "logreg_course.grading.guard",
                "logreg_course.grading.specs")


# --- the factory process -----------------------------------------------------------------------

def _threads() -> int:
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return threading.active_count()


def _preload(modules) -> list[str]:
    import importlib

    failed = []
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception as exc:  # a missing optional module only costs speed
            failed.append(f"{name}: {type(exc).__name__}: {exc}")
    return failed


def _run_kernel(request) -> None:
    """In the forked child, inside the sandbox: become an ipykernel (never returns)."""
    os.environ.clear()
    os.environ.update(request["env"])
    for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
        signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    if "numpy" in sys.modules:  # the factory's global stream is shared by every fork
        sys.modules["numpy"].random.seed()
    sys.argv = ["ipykernel_launcher", "-f", request["connection_file"], *request["argv"]]
    code = 0
    try:
        from ipykernel.kernelapp import IPKernelApp

        IPKernelApp.launch_instance(argv=sys.argv[1:])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        import traceback

        traceback.print_exc()
        code = 70
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _spawn(request) -> dict:
    """Fork a sandboxed kernel; return {"pid": host pid} or {"error": message}."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # ------------------------------------------------------- child
        try:
            os.close(read_end)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            die_with_parent()
            os.setsid()
            log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            null = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null, 0)
            os.dup2(log, 1)
            os.dup2(log, 2)
            os.closerange(3, write_end)
            os.closerange(write_end + 1, 1 << 16)
            plan = sandbox.SandboxPlan(**request["plan"])

            def report(child_pid):
                os.write(write_end, f"{child_pid}\n".encode())
                os.close(write_end)

            sandbox.enter(plan, report_pid=report)
            try:  # the kernel itself: the write end was closed by `report` in the parent
                os.close(write_end)
            except OSError:
                pass
            _run_kernel(request)
        except BaseException as exc:
            try:
                os.write(write_end, f"error {type(exc).__name__}: {exc}\n".encode())
            except OSError:
                pass
            os._exit(71)
    # ------------------------------------------------------------------------ factory
    os.close(write_end)
    ready, _, _ = select.select([read_end], [], [], 30.0)
    data = os.read(read_end, 4096).decode(errors="replace") if ready else ""
    os.close(read_end)
    line = data.strip().splitlines()[0] if data.strip() else ""
    if line.isdigit():
        return {"pid": int(line)}
    return {"error": line or "the sandboxed kernel did not start (no report in 30 s)"}


def serve(preload) -> int:
    """The factory's main loop: one JSON request per line on stdin, one reply per line."""
    die_with_parent()  # the worker was killed: so are the factory and its kernels
    out = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # stray prints from imports go to stderr, never into the protocol
    failed = _preload([*BASE_PRELOAD, *preload])
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped automatically
    threads = _threads()
    out.write(json.dumps({"ready": True, "failed": failed, "threads": threads}) + "\n")
    for line in sys.stdin:
        try:
            request = json.loads(line)
        except ValueError:
            out.write(json.dumps({"error": "malformed request"}) + "\n")
            continue
        if request.get("op") == "quit":
            break
        out.write(json.dumps(_spawn(request)) + "\n")
    return 0


# --- the worker's side ---------------------------------------------------------------------

class KernelFactory:
    """A worker's handle on its factory process, and the sandbox settings for kernels.

    Parameters
    ----------
    scratch : str
        A private folder (mode 0700) for connection folders and logs.
    sandbox_mode : {"root", "userns", "off"}
        From `sandbox.probe`.
    hidden : list of str
        Trees never shown inside (course root, repository).
    limits : dict
        Resource limits for each kernel (`sandbox.DEFAULT_LIMITS` keys).
    preload : list of str
        Modules to import in the factory (what the setup cells import).
    """

    def __init__(self, scratch, sandbox_mode="root", hidden=(), limits=None, preload=(),
                 extra_binds=()):
        self.scratch = os.path.abspath(scratch)
        os.makedirs(self.scratch, mode=0o700, exist_ok=True)
        self.sandbox_mode = sandbox_mode
        self.hidden = list(hidden)
        self.limits = dict(sandbox.DEFAULT_LIMITS if limits is None else limits)
        self.extra_binds = list(extra_binds)
        self._counter = itertools.count()
        self._lock = threading.Lock()
        # The factory's environment is what the kernels' pre-imported modules saw: one
        # BLAS thread (several workers share the cores; and a fork needs one thread).
        env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL")}
        env.update({k: v for k, v in KERNEL_ENV.items() if k.endswith("NUM_THREADS")})
        env["MPLBACKEND"] = "Agg"
        self.proc = subprocess.Popen(
            [sys.executable, "-I", "-m", "logreg_course.instructor.kernels", *preload],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=open(
                os.path.join(self.scratch, "factory.log"), "ab"),
            env=env, cwd=self.scratch, text=True, bufsize=1)
        self.started = time.perf_counter()
        self.info = None
        self.last_kernel_log = ""

    def wait_ready(self, timeout=120.0) -> dict:
        if self.info is None:
            self.info = self._read(timeout)
            if not self.info.get("ready"):
                raise RuntimeError(f"kernel factory failed to start: {self.info}")
        return self.info

    def _read(self, timeout):
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not ready:
            raise RuntimeError(f"kernel factory did not answer within {timeout:g} s")
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"kernel factory exited (code {self.proc.poll()}); see "
                               f"{os.path.join(self.scratch, 'factory.log')}")
        return json.loads(line)

    def new_kernel_dir(self) -> str:
        path = os.path.join(self.scratch, f"k{next(self._counter)}")
        os.makedirs(os.path.join(path, "conn"), mode=0o700)
        os.makedirs(os.path.join(path, "root"), mode=0o700)
        return path

    def spawn(self, kernel_dir, connection_file, cwd, env, argv) -> int:
        """Start a sandboxed kernel; return the PID to signal."""
        self.wait_ready()
        plan = sandbox.plan_for(cwd=cwd, writable=[os.path.join(kernel_dir, "conn")],
                                hidden=self.hidden, mode=self.sandbox_mode,
                                newroot=os.path.join(kernel_dir, "root"),
                                limits=self.limits, extra_binds=self.extra_binds)
        kernel_env = {k: v for k, v in env.items()
                      if k in PASS_ENV or k.startswith(PASS_ENV_PREFIXES)}
        kernel_env.update(KERNEL_ENV)
        request = {"op": "spawn", "connection_file": connection_file, "argv": list(argv),
                   "env": kernel_env, "plan": plan.__dict__,
                   "log": os.path.join(kernel_dir, "kernel.log")}
        with self._lock:
            self.proc.stdin.write(json.dumps(request) + "\n")
            self.proc.stdin.flush()
            reply = self._read(60.0)
        if "pid" not in reply:
            raise RuntimeError(f"sandboxed kernel failed to start: {reply.get('error')}")
        return int(reply["pid"])

    def kernel_log(self, kernel_dir) -> str:
        try:
            with open(os.path.join(kernel_dir, "kernel.log"), errors="replace") as f:
                return f.read()[-4000:]
        except OSError:
            return ""

    def close(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write(json.dumps({"op": "quit"}) + "\n")
                self.proc.stdin.close()
                self.proc.wait(5)
            except (OSError, subprocess.TimeoutExpired, ValueError):
                self.proc.kill()
        shutil.rmtree(self.scratch, ignore_errors=True)


_FACTORY: KernelFactory | None = None


def configure(factory: KernelFactory | None) -> None:
    """Make `SandboxedKernelManager` use `factory` (one per worker process)."""
    global _FACTORY
    _FACTORY = factory


def factory() -> KernelFactory:
    if _FACTORY is None:
        raise RuntimeError("logreg_course.instructor.kernels.configure() was not called")
    return _FACTORY


class _ForkedProcess:
    """The bits of ``subprocess.Popen`` that jupyter_client's provisioner uses, for a PID
    that is not our child (the factory's grandchild)."""

    stdin = stdout = stderr = None

    def __init__(self, pid):
        self.pid = pid
        self.returncode = None

    def poll(self):
        if self.returncode is None:
            try:
                with open(f"/proc/{self.pid}/stat") as f:
                    state = f.read().rsplit(")", 1)[1].split()[0]
                if state in ("Z", "X"):
                    self.returncode = -9
            except (OSError, IndexError):
                self.returncode = -9
        return self.returncode

    def wait(self, timeout=None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout)
            time.sleep(0.02)
        return self.returncode

    def send_signal(self, sig):
        if self.poll() is None:
            os.kill(self.pid, sig)

    def kill(self):
        self.send_signal(signal.SIGKILL)

    def terminate(self):
        # The kernel is process 1 of its PID namespace: a SIGTERM without a handler is
        # not delivered to it, so "terminate" has to be a kill.
        self.send_signal(signal.SIGKILL)


def _provisioner_class():
    from jupyter_client.provisioning.local_provisioner import LocalProvisioner

    class FactoryProvisioner(LocalProvisioner):
        """Launches the kernel through the worker's `KernelFactory` instead of Popen."""

        kernel_dir = None

        async def launch_kernel(self, cmd, **kwargs):
            km = self.parent
            extra = list(cmd[len(self.kernel_spec.argv):])
            env = kwargs.get("env") or dict(os.environ)
            cwd = kwargs.get("cwd") or os.getcwd()
            pid = await asyncio.get_running_loop().run_in_executor(
                None, lambda: factory().spawn(km.kernel_dir, km.connection_file,
                                              os.path.abspath(cwd), env, extra))
            self.process = _ForkedProcess(pid)
            self.pid, self.pgid, self.cwd = pid, None, cwd
            return self.connection_info

        async def send_signal(self, signum):
            if self.process:
                self.process.send_signal(signum)

        async def cleanup(self, restart=False):
            await super().cleanup(restart)
            if not restart and self.parent is not None:
                # what the kernel printed outside cells (start-up errors): kept for the
                # failure log of the submission, the folder itself goes
                factory().last_kernel_log = factory().kernel_log(self.parent.kernel_dir)
                shutil.rmtree(self.parent.kernel_dir, ignore_errors=True)

    return FactoryProvisioner


FactoryProvisioner = None  # created lazily (jupyter_client is not imported in kernels)


def _manager_class():
    from jupyter_client.manager import AsyncKernelManager

    class SandboxedKernelManager(AsyncKernelManager):
        """An ``AsyncKernelManager`` whose kernels come from this worker's factory."""

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.kernel_dir = factory().new_kernel_dir()
            conn = os.path.join(self.kernel_dir, "conn")
            self.transport = "ipc"
            self.ip = os.path.join(conn, "ipc")  # absolute: the kernel's cwd is elsewhere
            self.connection_file = os.path.join(conn, "kernel.json")

        async def _async_pre_start_kernel(self, **kw):
            global FactoryProvisioner
            if FactoryProvisioner is None:
                FactoryProvisioner = _provisioner_class()
            self.kernel_id = self.kernel_id or kw.pop("kernel_id", None) or os.urandom(8).hex()
            if self.kernel_spec.language != "python":
                # the factory forks Python kernels only: another language's kernel starts
                # the usual way (and unsandboxed), which the grader's log says
                self.log.warning("kernel %r is not Python: started without the sandbox",
                                 self.kernel_name)
                return await super()._async_pre_start_kernel(**kw)
            if self.provisioner is None:
                self.provisioner = FactoryProvisioner(kernel_id=self.kernel_id,
                                                      kernel_spec=self.kernel_spec, parent=self)
            return await super()._async_pre_start_kernel(**kw)

        def kernel_log(self) -> str:
            return factory().kernel_log(self.kernel_dir)

    return SandboxedKernelManager


def __getattr__(name):
    if name == "SandboxedKernelManager":
        cls = _manager_class()
        globals()[name] = cls
        return cls
    raise AttributeError(name)


if __name__ == "__main__":
    sys.exit(serve(sys.argv[1:]))
