#!/usr/bin/python3
"""stress.py LX GUEST [options]: runs stress_guest under `LX run --` and checks
the provider from outside while the guest checks itself (see README.md):

  - the guest finishes: no hang (a lost futex wake-up) within --timeout_s,
    exits 0 and prints "result ok ..." (its own counter and reaping checks);
  - no leaked host processes: once the guest has reaped everything, the
    provider has as many live child processes as before the load, and after
    lx exits none of its processes survive (this script is a child
    subreaper, so orphaned stubs would be reparented to it);
  - provider RSS: VmRSS of the lx process, sampled every 100 ms during the
    load, grows by at most --max_rss_growth_mib over its value before.

--native runs GUEST directly instead (the same checks minus the provider's):
the guest's own checks must pass on the host kernel too.
"""
import argparse
import ctypes
import os
import select
import signal
import subprocess
import sys
import threading
import time

PR_SET_CHILD_SUBREAPER = 36


def children_of(ppid):
    """Live and zombie children of ppid, as {pid: (state, comm)}."""
    out = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[1]) == ppid:
            out[int(name)] = (fields[0], comm)
    return out


def vmrss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def read_line(stream, timeout_s):
    """One line from the guest's stdout, or None on timeout/EOF."""
    deadline = time.monotonic() + timeout_s
    buf = b""
    fd = stream.fileno()
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            continue
        c = os.read(fd, 1)
        if not c:
            return None
        if c == b"\n":
            return buf.decode(errors="replace")
        buf += c


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("lx")
    ap.add_argument("guest")
    ap.add_argument("--procs", type=int, default=200)
    ap.add_argument("--threads", type=int, default=64)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--pause_ms", type=int, default=50, help="a worker's pause between forks")
    ap.add_argument("--timeout_s", type=int, default=45, help="from go to result")
    ap.add_argument("--max_rss_growth_mib", type=float, default=50)
    ap.add_argument("--native", action="store_true")
    args = ap.parse_args()

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        print("stress: cannot become a child subreaper", file=sys.stderr)
        return 1

    grace = max(1, args.timeout_s - args.seconds - 5)  # the guest's own watchdog fires first
    guest = [args.guest, str(args.procs), str(args.threads), str(args.seconds), str(grace), str(args.pause_ms)]
    cmd = guest if args.native else [args.lx, "run", "--"] + guest
    who = "native" if args.native else "lx"
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    failures = []

    def fail(msg):
        failures.append(msg)
        print(f"FAIL: {msg}", flush=True)

    def finish():
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        # Anything reparented to us is a leaked host process of this run.
        for pid, (state, comm) in children_of(os.getpid()).items():
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        for pid in list(children_of(os.getpid())):
            try:
                os.waitpid(pid, 0)
            except OSError:
                pass
        print("stress: FAILED" if failures else "stress: passed", flush=True)
        return 1 if failures else 0

    line = read_line(proc.stdout, 30)
    if line != "ready":
        fail(f"{who} did not start the guest (first line {line!r}, status {proc.poll()})")
        return finish()

    before_children = children_of(proc.pid)
    before_rss = vmrss_kib(proc.pid)
    samples = {"max_rss": before_rss or 0, "max_children": len(before_children), "n": 0}
    stop = threading.Event()

    def sample():
        while not stop.wait(0.1):
            rss = vmrss_kib(proc.pid)
            if rss is None:
                return
            samples["max_rss"] = max(samples["max_rss"], rss)
            samples["n"] += 1
            if samples["n"] % 5 == 0:  # a /proc scan is not free: every 0.5 s
                samples["max_children"] = max(samples["max_children"], len(children_of(proc.pid)))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    t0 = time.monotonic()
    proc.stdin.write(b"go\n")
    proc.stdin.flush()
    line = read_line(proc.stdout, args.timeout_s)
    elapsed = time.monotonic() - t0
    stop.set()
    sampler.join()
    if line is None:
        fail(f"no result from the guest {args.timeout_s} s after the start (hang: a lost wake-up?); "
             f"{who} {'exited with status ' + str(proc.poll()) if proc.poll() is not None else 'still running'}")
        return finish()
    print(f"stress: guest ({who}) after {elapsed:.1f} s: {line}", flush=True)
    if not line.startswith("result ok"):
        fail(f"guest reported: {line}")

    if not args.native:
        # The guest has reaped everything; stubs of exited processes must be gone.
        left = None
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            left = children_of(proc.pid)
            if len(left) <= len(before_children):
                break
            time.sleep(0.1)
        print(f"stress: provider children: {len(before_children)} before, at most "
              f"{samples['max_children']} during, {len(left)} after the load", flush=True)
        if len(left) > len(before_children):
            extra = {p: v for p, v in left.items() if p not in before_children}
            fail(f"the provider still has {len(left)} child processes (was {len(before_children)}): "
                 f"{sorted(extra.items())[:10]}")
        growth_mib = (samples["max_rss"] - before_rss) / 1024
        print(f"stress: provider VmRSS {before_rss} KiB before, max {samples['max_rss']} KiB "
              f"over {samples['n']} samples: +{growth_mib:.1f} MiB (limit {args.max_rss_growth_mib} MiB)",
              flush=True)
        if growth_mib > args.max_rss_growth_mib:
            fail(f"provider RSS grew by {growth_mib:.1f} MiB")

    proc.stdin.write(b"exit\n")
    proc.stdin.flush()
    try:
        status = proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        fail(f"{who} did not exit 20 s after the guest was told to")
        return finish()
    if status != 0:
        fail(f"{who} exited with status {status}")
    # Stubs die with the provider (PDEATHSIG); give the kernel a moment.
    deadline = time.monotonic() + 3
    orphans = children_of(os.getpid())
    while orphans and time.monotonic() < deadline:
        time.sleep(0.1)
        for pid, (state, _) in list(orphans.items()):
            if state == "Z":
                os.waitpid(pid, 0)
        orphans = children_of(os.getpid())
    if orphans:
        fail(f"{len(orphans)} host processes outlived {who}: {sorted(orphans.items())[:10]}")
    else:
        print(f"stress: no host process outlived {who}", flush=True)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
