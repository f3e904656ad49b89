#!/usr/bin/python3
"""distro_bench.py LX [SRC_DIR] [--report-only]: `lx --export` / `lx --import` throughput
against plain GNU tar on the same tree (issue 6: at least 50% of tar's).

The tree is SRC_DIR (default /usr/share, capped at ~20000 entries) copied
into a fresh distro. Each side runs 3 times; the best time counts. Prints
MB/s for each and the ratio; exits 1 when a ratio is under 0.5, unless
--report-only (ctest's smoke run: timings on a shared CI machine are figures
to read, not test verdicts; a failing lx still fails the script)."""
import os
import shutil
import subprocess
import sys
import tempfile
import time


def best_of(n, fn):
    times = []
    for _ in range(n):
        t = time.monotonic()
        fn()
        times.append(time.monotonic() - t)
    return min(times)


def run(*cmd, env=None):
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)


def main():
    report_only = "--report-only" in sys.argv
    args = [a for a in sys.argv[1:] if a != "--report-only"]
    lx = args[0]
    src = args[1] if len(args) > 1 else "/usr/share"
    work = tempfile.mkdtemp(prefix="lx-distro-bench.", dir=os.getcwd())
    env = dict(os.environ, LX_HOME=os.path.join(work, "home"))
    try:
        # The source tree as a tarball (capped so the bench stays short).
        members = subprocess.run(["find", ".", "-maxdepth", "3"], cwd=src, capture_output=True, text=True,
                                 check=True).stdout.splitlines()[:20000]
        listfile = os.path.join(work, "list")
        with open(listfile, "w") as f:
            f.write("\n".join(m for m in members if m != ".") + "\n")
        src_tar = os.path.join(work, "src.tar")
        run("tar", "cf", src_tar, "--no-recursion", "-C", src, "-T", listfile)
        size = os.path.getsize(src_tar) / 1e6
        run(lx, "--install", "b", "--from-tar", src_tar, "--quiet", env=env)
        rootfs = os.path.join(work, "home", "distros", "b", "rootfs")
        plain = os.path.join(work, "plain")
        os.mkdir(plain)
        run("tar", "xf", src_tar, "-C", plain)
        out = os.path.join(work, "out.tar")

        tar_export = best_of(3, lambda: run("tar", "cf", out, "-C", plain, "."))
        lx_export = best_of(3, lambda: run(lx, "--export", "b", out, "--quiet", env=env))

        def tar_import():
            shutil.rmtree(os.path.join(work, "x"), ignore_errors=True)
            os.mkdir(os.path.join(work, "x"))
            run("tar", "xf", src_tar, "-C", os.path.join(work, "x"))

        def lx_import():
            subprocess.run([lx, "--unregister", "c", "--yes"], env=env, capture_output=True)
            run(lx, "--import", "c", os.path.join(work, "c"), src_tar, "--quiet", env=env)

        tar_imp = best_of(3, tar_import)
        lx_imp = best_of(3, lx_import)
        ok = True
        for what, t_tar, t_lx in [("export", tar_export, lx_export), ("import", tar_imp, lx_imp)]:
            ratio = t_tar / t_lx
            print(f"{what}: {size:.1f} MB, tar {size / t_tar:.1f} MB/s, lx {size / t_lx:.1f} MB/s, "
                  f"lx/tar throughput {ratio:.2f}")
            ok = ok and ratio >= 0.5
        del rootfs
        print("target met" if ok else "the target was MISSED")
        return 0 if ok or report_only else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


sys.exit(main())
