"""Grading a class: plain serial ``nbgrader autograde`` against ``logreg-course grade --jobs 2``.

One synthetic class of 01-sigmoid submissions (default 30: about 40% correct,
35% partially wrong with typical mistakes, 25% broken: blank, a syntax error,
an exception), built from the student version (`logreg_course.instructor.synthetic`).
Each side grades it in its own fresh copy of the course, after
``nbgrader generate_assignment`` (not timed):

* stock: ``nbgrader autograde 01-sigmoid`` (one process, nbgrader's own loop);
* ours: ``logreg-course grade 01-sigmoid --jobs 2``: the whole command, with its
  sandbox probe, sandboxed kernels, pre-flight checks and out-of-kernel re-check.

Both runs are wall-clock times of the command, from one run each; the ratio is
ours / stock (below 1: ours is faster). Target (issue 14): <= 0.25 on 2 cores.
The scores of the two gradebooks are compared student by student (they must
agree: this class has no attacks for the integrity pass to catch).

``--dask`` also grades the class on a dask.distributed ``LocalCluster`` on this
machine, with 1 and then 2 worker processes (``grade --scheduler``; the cluster
is started, and its workers warmed with one submission, before the clock
starts), and states the parallel efficiency t1 / (2 t2).

Run:  .venv/bin/python benchmarks/bench_grading.py [--students 30] [--jobs 2] [--serial-too]
      [--dask]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ASSIGNMENT = "01-sigmoid"


def make_course(root: Path, submissions) -> Path:
    (root / "solutions").mkdir(parents=True)
    shutil.copytree(REPO / "solutions" / ASSIGNMENT, root / "solutions" / ASSIGNMENT)
    shutil.copy(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}")
    subprocess.run([str(BIN / "nbgrader"), "generate_assignment", ASSIGNMENT, "--force"],
                   cwd=root, check=True, capture_output=True, env=env)
    for student, (nb, _) in submissions.items():
        folder = root / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(nb, str(folder / f"{ASSIGNMENT}.ipynb"))
    return root


def timed(cmd, cwd) -> float:
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}")
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        sys.exit(f"{' '.join(map(str, cmd))} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return seconds


def scores(root: Path) -> dict[str, float]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        return {s.student.id: s.score for s in gb.assignment_submissions(ASSIGNMENT)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--serial-too", action="store_true",
                        help="also time logreg-course grade --jobs 1")
    parser.add_argument("--dask", action="store_true",
                        help="also time grade --scheduler on 1 and 2 local Dask workers")
    args = parser.parse_args()
    from logreg_course.instructor.synthetic import make_class

    source = nbformat.read(str(REPO / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"), 4)
    student = nbformat.read(str(REPO / "chapters" / "exercises" / f"{ASSIGNMENT}.ipynb"), 4)
    submissions = make_class(source, student, n=args.students)
    kinds = {}
    for _, kind in submissions.values():
        kinds[kind.split(":")[0]] = kinds.get(kind.split(":")[0], 0) + 1
    print(f"Class: {len(submissions)} submissions of {ASSIGNMENT} "
          + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())) + f"; {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        stock_root = make_course(Path(tmp) / "stock", submissions)
        ours_root = make_course(Path(tmp) / "ours", submissions)
        t_stock = timed([BIN / "nbgrader", "autograde", ASSIGNMENT], stock_root)
        print(f"  nbgrader autograde (serial)            {t_stock:7.1f} s  "
              f"({t_stock / len(submissions):.2f} s per submission)")
        t_ours = timed([BIN / "logreg-course", "grade", ASSIGNMENT, "--jobs", str(args.jobs),
                        "--course", ours_root, "--no-progress"], ours_root)
        print(f"  logreg-course grade --jobs {args.jobs}            {t_ours:7.1f} s  "
              f"({t_ours / len(submissions):.2f} s per submission)")
        if args.serial_too:
            serial_root = make_course(Path(tmp) / "serial", submissions)
            t_serial = timed([BIN / "logreg-course", "grade", ASSIGNMENT, "--jobs", "1",
                              "--course", serial_root, "--no-progress"], serial_root)
            print(f"  logreg-course grade --jobs 1            {t_serial:7.1f} s  "
                  f"(stock / this = {t_stock / t_serial:.2f})")
        print(f"  ratio ours / stock = {t_ours / t_stock:.2f}   (target <= 0.25)")
        if args.dask:
            dask_times = {}
            for workers in (1, 2):
                root = make_course(Path(tmp) / f"dask{workers}", submissions)
                dask_times[workers] = timed_on_cluster(root, workers, submissions)
                print(f"  grade --scheduler, {workers} Dask worker(s)    "
                      f"{dask_times[workers]:7.1f} s  "
                      f"({dask_times[workers] / len(submissions):.2f} s per submission)")
            efficiency = dask_times[1] / (2 * dask_times[2])
            print(f"  Dask parallel efficiency, 2 workers vs 1: {efficiency:.2f} "
                  f"(speed-up {dask_times[1] / dask_times[2]:.2f} on {os.cpu_count()} cores)")
        a, b = scores(stock_root), scores(ours_root)
        differ = {s: (a.get(s), b.get(s)) for s in submissions if a.get(s) != b.get(s)}
        if differ:
            print(f"  SCORES DIFFER for {len(differ)} student(s): {differ}")
        else:
            print(f"  scores agree for all {len(submissions)} students")


def timed_on_cluster(root: Path, workers: int, submissions) -> float:
    """``grade --scheduler`` on a LocalCluster of `workers` processes, warmed up first."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      host="127.0.0.1", dashboard_address=None) as cluster:
        # warm every worker (nbgrader import, scratch course, kernel factory) on a copy of
        # one submission graded in a separate course
        warm = make_course(root.parent / f"warm{workers}", dict(
            list(submissions.items())[:workers]))
        timed([BIN / "logreg-course", "grade", ASSIGNMENT, "--course", warm, "--scheduler",
               cluster.scheduler_address, "--no-progress"], warm)
        return timed([BIN / "logreg-course", "grade", ASSIGNMENT, "--course", root,
                      "--scheduler", cluster.scheduler_address, "--no-progress"], root)


if __name__ == "__main__":
    main()
