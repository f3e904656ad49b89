#!/usr/bin/python3
"""lxfs crash safety: kill -9 the provider at random moments while a guest
(as root, on an lxfs root) runs `tar x` and `chown -R`, then check from the
host that every entry the guest created carries valid metadata that fits
its host type (no data without metadata, no metadata contradicting the
type; an entry without xattr must have host attributes lxfs itself makes
in place: ours, owner access, no set-id bits), that link files hold a target, and that the next mount empties the
staging directory. The documented figure is 100 iterations (--iterations).

usage: lxfs_crash.py LX [--iterations=N] [--seed=S]
"""
import argparse
import os
import random
import shutil
import signal
import stat
import struct
import subprocess
import sys
import tarfile
import tempfile
import time

META = 'user.lxcore.meta'


def make_root(root):
    os.chmod(root, 0o755)
    for d in ('usr', 'etc', 'tmp', 'w'):
        os.makedirs(os.path.join(root, d), exist_ok=True)
    for d in ('bin', 'lib', 'lib64', 'sbin'):
        os.symlink('usr/' + d, os.path.join(root, d))


def make_tarball(path):
    """~220 entries: files of a few sizes, directories, symlinks, a setuid file."""
    src = tempfile.mkdtemp(prefix='lxfs-crash-src.')
    try:
        for i in range(8):
            d = os.path.join(src, 't', 'd%02d' % i)
            os.makedirs(d)
            for j in range(25):
                with open(os.path.join(d, 'f%02d' % j), 'wb') as f:
                    f.write(b'x' * (j * 97))
            os.symlink('f00', os.path.join(d, 'link'))
        os.chmod(os.path.join(src, 't', 'd00', 'f01'), 0o4755)

        def owner(ti):
            ti.uid, ti.gid, ti.uname, ti.gname = 1234, 5678, '', ''
            return ti
        with tarfile.open(path, 'w') as tar:
            tar.add(os.path.join(src, 't'), arcname='t', filter=owner)
    finally:
        shutil.rmtree(src)


def check_tree(top):
    """Returns a list of problems under host directory top."""
    problems = []
    for dirpath, dirnames, filenames in os.walk(top):
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            st = os.lstat(p)
            host_type = stat.S_IFMT(st.st_mode)
            if host_type == stat.S_IFLNK:
                problems.append('%s: a host symlink (the guest only makes link files)' % p)
                continue
            try:
                v = os.getxattr(p, META, follow_symlinks=False)
            except OSError:
                # Made in place with the host's attributes as its metadata
                # (README.md, "Metadata in the host's mode"): a regular file
                # or directory of ours, owner access intact, no set-id bits.
                owner_bits = 0o700 if host_type == stat.S_IFDIR else 0o600
                if (host_type not in (stat.S_IFDIR, stat.S_IFREG) or st.st_uid != os.getuid()
                        or st.st_mode & 0o7000 or st.st_mode & owner_bits != owner_bits):
                    problems.append('%s: no metadata, and host attributes (%o) lxfs never makes' % (p, st.st_mode))
                continue
            if len(v) != 24 or v[0] != 1:
                problems.append('%s: malformed metadata %r' % (p, v))
                continue
            _, uid, gid, mode, rdev = struct.unpack('<B3xIIIQ', v)
            t = stat.S_IFMT(mode)
            fits = (t == stat.S_IFDIR) == (host_type == stat.S_IFDIR) and (
                host_type in (stat.S_IFDIR, stat.S_IFREG))
            if not fits:
                problems.append('%s: metadata type %o on host type %o' % (p, t, host_type))
            if t == stat.S_IFLNK and st.st_size == 0:
                problems.append('%s: a link file without a target' % p)
    return problems


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('lx')
    ap.add_argument('--iterations', type=int, default=100)
    ap.add_argument('--seed', type=int, default=int(time.time()))
    ap.add_argument('--max_delay_s', type=float, default=1.2)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    root = tempfile.mkdtemp(prefix='lxfs-crash.')
    start = time.monotonic()
    try:
        make_root(root)
        make_tarball(os.path.join(root, 'src.tar'))
        base = [args.lx, 'run', '--lxfs', root, '--bind', '/usr:/usr:ro', '--', '/bin/sh', '-c']
        killed = 0
        for i in range(args.iterations):
            # Even iterations extract into a new directory; odd ones chown -R
            # and chmod -R the (maybe partial) tree the previous one left.
            if i % 2 == 0:
                tree = i
                script = 'mkdir /w/%d && cd /w/%d && tar xpf /src.tar' % (i, i)
                delay = rng.uniform(0.0, args.max_delay_s)
            else:
                tree = i - 1
                script = 'chown -R %d:%d /w/%d && chmod -R g+w,o-r /w/%d' % (1000 + i, 1000 + i, tree, tree)
                delay = rng.uniform(0.0, args.max_delay_s / 3)
            proc = subprocess.Popen(base + [script], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                    start_new_session=True)
            time.sleep(delay)
            if proc.poll() is None:
                killed += 1
                os.kill(proc.pid, signal.SIGKILL)  # the provider only: its guest processes must die with it
            proc.wait()
            problems = check_tree(os.path.join(root, 'w', str(tree)))
            if problems:
                print('iteration %d (seed %d): %d problems' % (i, args.seed, len(problems)))
                print('\n'.join(problems[:20]))
                return 1
        # One clean run: the guest sees the whole tree, and the mount emptied the staging directory.
        out = subprocess.run(base + ['find /w | wc -l'], capture_output=True, text=True, timeout=120)
        if out.returncode != 0:
            print('final guest run failed:', out.stderr)
            return 1
        leftovers = os.listdir(os.path.join(root, '.lxcore'))
        if leftovers:
            print('staging directory not emptied:', leftovers[:10])
            return 1
        problems = check_tree(os.path.join(root, 'w'))
        if problems:
            print('final check: %d problems' % len(problems))
            print('\n'.join(problems[:20]))
            return 1
        print('lxfs crash safety: %d iterations (%d killed mid-run, seed %d), %s guest entries, %.0f s: OK'
              % (args.iterations, killed, args.seed, out.stdout.strip(), time.monotonic() - start))
        return 0
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
