"""Static red-flag scan of a submission's code: what a grader should look at.

The hidden tests run in the learner's kernel, so a submission can try to
subvert them (nbgrader notes §3): IPython input transformers that rewrite the
test cells, patched numpy or ``logreg_ref``, reading the gradebook, calling the
reference instead of implementing, killing the kernel... The in-kernel guard
and the sandbox stop most of it and the out-of-kernel re-check catches the
rest; this scan *names* it, so that the report can say why a submission lost
points and a grader can decide.

Only the learner's code is scanned: answer cells and cells the learner added
(never the instructor's locked cells). Each finding is a `Flag` with a
severity:

``high``
    tampering with the grader, the kernel, the gradebook or other processes;
``medium``
    things that are forbidden in graded functions or usually a sign of a
    problem (the reference implementation, scikit-learn, namespace tricks,
    cells inserted between an answer and its test);
``info``
    worth knowing, harmless on its own (``%timeit``, ``open``, ``sys.exit``).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

__all__ = ["Flag", "scan_files", "scan_notebook"]


@dataclass(frozen=True)
class Flag:
    """One finding of the scan (or of grading itself)."""

    kind: str
    severity: str  # "high", "medium" or "info"
    where: str
    message: str

    def to_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        return f"[{self.severity}] {self.where}: {self.message}"


def _rx(pattern):
    return re.compile(pattern, re.MULTILINE)


#: (kind, severity, pattern, message) over learner code with magics removed.
CODE_RULES = [
    ("ipython-internals", "high",
     _rx(r"\bget_ipython\b|\binput_transformers\w*|\bast_transformers\b|\bshowtraceback\b|"
         r"\bset_custom_exc\b|\brun_cell\w*\b|\bevents\s*\.\s*register\b|\buser_ns\b|"
         r"\bInteractiveShell\b|\bIPython\b"),
     "uses IPython internals (can rewrite or skip the cells that follow, hidden tests "
     "included)"),
    ("module-table", "high", _rx(r"\bsys\s*\.\s*(modules|meta_path|path_hooks)\b"),
     "edits Python's module table or import machinery"),
    ("builtins", "high", _rx(r"\b__builtins__\b|\bbuiltins\b"), "touches Python's built-ins"),
    ("dynamic-code", "high", _rx(r"(?<![\w.])(exec|eval|compile)\s*\("),
     "runs code built at run time (exec/eval/compile)"),
    ("introspection", "high",
     _rx(r"\bsys\s*\.\s*(_getframe|settrace|setprofile|addaudithook|_current_frames)\b|"
         r"\binspect\b|\btb_frame\b|\bf_back\b|\bf_globals\b|\bf_locals\b|"
         r"\bgc\s*\.\s*get_(objects|referrers|referents)\b"),
     "inspects stack frames or live objects (can read the grader's expected values)"),
    ("gradebook", "high", _rx(r"\bsqlite3\b|gradebook|\bsqlalchemy\b|\bnbgrader\b"),
     "touches the gradebook or nbgrader"),
    ("grader", "high", _rx(r"\blogreg_course\b|\b_lrc_\w*"),
     "touches the grader's own objects"),
    ("kill", "high",
     _rx(r"\bos\s*\.\s*(_exit|kill|killpg|abort)\b|\bsignal\s*\.\s*(signal|alarm|setitimer|"
         r"raise_signal|pthread_kill)\b|\bfaulthandler\b"),
     "kills or signals the kernel"),
    ("process", "high",
     _rx(r"\bsubprocess\b|\bos\s*\.\s*(system|popen|exec\w*|spawn\w*|fork\w*|posix_spawn\w*)"
         r"\b|\bpty\b|\bmultiprocessing\b"),
     "starts processes"),
    ("network", "high", _rx(r"\bsocket\b|\burllib\b|\brequests\b|\bhttp\s*\.\s*client\b|"
                            r"\bftplib\b|\bsmtplib\b"), "uses the network"),
    ("native", "high", _rx(r"\bctypes\b|\bcffi\b|\bmmap\b"), "calls native code or memory"),
    ("numpy-patch", "high",
     _rx(r"^\s*(np|numpy)(\s*\.\s*\w+)+\s*(\[[^\]]*\])?\s*=(?!=)|"
         r"\b(setattr|delattr)\s*\(\s*(np|numpy)\b"),
     "rebinds a numpy function (e.g. the testing helpers)"),
    ("reference", "medium", _rx(r"\blogreg_ref\b"),
     "uses logreg_ref, the grader's reference implementation"),
    ("library", "medium",
     _rx(r"^\s*(from|import)\s+(sklearn|scipy|statsmodels)\b|\b(sklearn|scipy|statsmodels)\s*\."),
     "uses scikit-learn, SciPy or statsmodels (graded parts must use numpy only)"),
    ("importlib", "medium", _rx(r"\b__import__\b|\bimportlib\b"),
     "imports modules dynamically"),
    ("namespace", "medium", _rx(r"(?<![\w.])(globals|vars|locals)\s*\(|\b(setattr|delattr)\s*\("),
     "reads or edits namespaces dynamically"),
    ("parent-folder", "medium", _rx(r"\.\.[/\\]|\bos\s*\.\s*(chdir|listdir|scandir|walk)\b|"
                                    r"\bglob\b|\bshutil\b|\bpathlib\b"),
     "looks around the file system (../, listdir, glob ...)"),
    ("equality-hook", "medium",
     _rx(r"\b__(eq|ne|bool|float|array_ufunc|array_function|array_priority|class)__\b"),
     "defines comparison or array hooks (an object that compares equal to anything?)"),
    ("threads", "medium", _rx(r"\bthreading\b|\b_thread\b|\basyncio\b|\bconcurrent\b"),
     "starts threads or event loops"),
    ("getattr", "info", _rx(r"\bgetattr\s*\("), "uses getattr"),
    ("file", "info", _rx(r"(?<![\w.])open\s*\(|\bos\s*\.\s*(remove|unlink|rename)\b"),
     "opens or changes files"),
    ("exit", "info", _rx(r"\bsys\s*\.\s*exit\b|(?<![\w.])(exit|quit)\s*\("),
     "stops the notebook early"),
]

#: IPython magics and shell escapes, by the first word after %/%%/!.
RISKY_MAGICS = {
    "run", "load", "writefile", "bash", "sh", "script", "system", "sx", "env", "cd", "store",
    "bookmark", "capture", "prun", "debug", "pdb", "reset", "killbgscripts", "perl", "ruby",
    "python", "python3", "file", "html", "javascript", "js", "alias", "load_ext", "aimport",
    "autoreload", "config", "pycat", "save", "edit", "macro", "rerun", "recall", "logstart",
    "xdel", "who", "whos"}
_MAGIC = re.compile(r"^\s*(%%?|!)\s*([A-Za-z_]\w*)?", re.MULTILINE)


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def _where(index, cell) -> str:
    m = cell.get("metadata", {}).get("nbgrader") or {}
    gid = m.get("grade_id") if isinstance(m, dict) else None
    return f"cell {index + 1}" + (f" ({gid})" if gid else " (added by the learner)")


def _strip_strings_and_comments(code: str) -> str:
    """Blank out comments (so that '# do not use logreg_ref' is not a finding)."""
    out = []
    for line in code.splitlines():
        stripped = line.split("#", 1)[0] if "#" in line and not re.search(r"[\"'].*#", line) \
            else line
        out.append(stripped)
    return "\n".join(out)


def scan_code(code: str, where: str) -> list[Flag]:
    """Flags for one cell's code."""
    flags = []
    body = []
    for line in code.splitlines():
        m = _MAGIC.match(line)
        if m and not line.lstrip().startswith(("%=", "!=")):
            prefix, word = m.group(1), (m.group(2) or "").lower()
            if prefix == "!":
                flags.append(Flag("shell", "high", where,
                                  f"runs a shell command: {line.strip()[:60]!r}"))
            elif word in RISKY_MAGICS:
                flags.append(Flag("magic", "high", where,
                                  f"uses the IPython magic {prefix}{word} (can run other code)"))
            else:
                flags.append(Flag("magic", "info", where,
                                  f"uses the IPython magic {prefix}{word}"))
            body.append("")
            continue
        body.append(line)
    text = _strip_strings_and_comments("\n".join(body))
    for kind, severity, pattern, message in CODE_RULES:
        match = pattern.search(text)
        if match:
            found = match.group(0).strip()[:40]
            flags.append(Flag(kind, severity, where, f"{message}: {found!r}"))
    return flags


def _graded(meta) -> bool:
    return bool(meta) and bool(meta.get("grade")) and float(meta.get("points", 0) or 0) > 0


def scan_notebook(nb, source) -> list[Flag]:
    """Scan the learner's cells of `nb` (a staged notebook) against the `source` notebook."""
    locked = {}
    source_order = []
    for cell in source.cells:
        m = cell.get("metadata", {}).get("nbgrader") or {}
        if m.get("grade_id"):
            source_order.append(m["grade_id"])
            if m.get("locked"):
                locked[m["grade_id"]] = cell
    flags: list[Flag] = []
    present = set()
    setup_seen = False
    last_answer = None
    added_since_answer = []
    first_locked_code = next((g for g in source_order if g in locked
                              and locked[g].cell_type == "code"), None)
    for i, cell in enumerate(nb.cells):
        m = cell.get("metadata", {}).get("nbgrader") or {}
        gid = m.get("grade_id") if isinstance(m, dict) else None
        if gid:
            present.add(gid)
        if cell.get("cell_type") != "code":
            continue
        if gid == first_locked_code:
            setup_seen = True
        if gid in locked:
            if _graded(m) and last_answer is not None and added_since_answer:
                for j in added_since_answer:
                    flags.append(Flag("inserted-cell", "medium", f"cell {j + 1}",
                                      f"a code cell was inserted between the answer "
                                      f"{last_answer!r} and its test {gid!r}"))
                added_since_answer = []
            continue
        where = _where(i, cell)
        if m.get("solution"):
            last_answer, added_since_answer = gid, []
        elif last_answer is not None and _source(cell).strip():
            added_since_answer.append(i)
        if not setup_seen and first_locked_code and _source(cell).strip():
            flags.append(Flag("before-setup", "high", where,
                              "code runs before the setup cell (it could prepare the kernel "
                              "before the grader starts)"))
        flags.extend(scan_code(_source(cell), where))
    for gid in source_order:
        if gid in locked and gid not in present:
            m = locked[gid].metadata.get("nbgrader", {})
            if _graded(m):
                flags.append(Flag("deleted-test", "info", gid,
                                  "this test cell was deleted; nbgrader put it back"))
    return flags


#: Names a learner might submit to shadow what the kernel imports.
SHADOW_NAMES = ("logreg_ref", "logreg_course", "numpy", "sklearn", "scipy", "IPython",
                "ipykernel", "nbgrader", "sitecustomize", "usercustomize")


def scan_files(extra_files) -> list[Flag]:
    """Flags for files submitted besides the notebooks."""
    flags = []
    for rel in extra_files:
        name = rel.rsplit("/", 1)[-1]
        stem = name.split(".", 1)[0]
        if name.endswith((".db", ".sqlite", ".sqlite3")) or "gradebook" in name.lower():
            flags.append(Flag("file", "high", rel, "a database file was submitted"))
        elif stem in SHADOW_NAMES or name.endswith(".pth"):
            flags.append(Flag("shadow-module", "high", rel,
                              f"{name} would shadow an imported package (never copied for "
                              "grading)"))
        elif name.endswith((".py", ".so", ".pyc")):
            flags.append(Flag("file", "medium", rel,
                              "a Python file was submitted (not copied for grading)"))
    return flags
