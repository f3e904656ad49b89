# An inotifywait-style watcher (ctypes on libc's inotify_*; no modules from
# pip): it watches a scratch directory and prints each event as it arrives
# while a second process, a shell, creates, modifies, renames and deletes
# files there. The run ends when the shell removes the file "done".
import ctypes
import os
import select
import shutil
import struct
import subprocess
import sys
import tempfile

libc = ctypes.CDLL("libc.so.6", use_errno=True)
NAMES = [(0x1, "ACCESS"), (0x2, "MODIFY"), (0x4, "ATTRIB"), (0x8, "CLOSE_WRITE"), (0x10, "CLOSE_NOWRITE"),
         (0x20, "OPEN"), (0x40, "MOVED_FROM"), (0x80, "MOVED_TO"), (0x100, "CREATE"), (0x200, "DELETE"),
         (0x400, "DELETE_SELF"), (0x800, "MOVE_SELF"), (0x8000, "IGNORED"), (0x40000000, "ISDIR")]
IN_NONBLOCK, IN_CLOEXEC = 0o4000, 0o2000000
MASK = 0x2 | 0x4 | 0x8 | 0x40 | 0x80 | 0x100 | 0x200 | 0x400

SCRIPT = """
cd "$1"
echo hello > a.txt
echo more >> a.txt
mkdir sub
mv a.txt b.txt
mv b.txt sub/
touch c
chmod 600 c
ln c d
rm c d
rm sub/b.txt
rmdir sub
: > done
rm done
"""


def check(rc, what):
    if rc < 0:
        e = ctypes.get_errno()
        sys.exit("%s: %s" % (what, os.strerror(e)))
    return rc


def main():
    work = tempfile.mkdtemp(prefix="lx-inotify-")
    try:
        fd = check(libc.inotify_init1(IN_NONBLOCK | IN_CLOEXEC), "inotify_init1")
        wd = check(libc.inotify_add_watch(fd, work.encode(), MASK), "inotify_add_watch")
        names = {wd: "DIR"}
        shell = subprocess.Popen(["/bin/sh", "-c", SCRIPT, "sh", work])
        cookies = {}
        done = False
        while not done:
            r, _, _ = select.select([fd], [], [], 30)
            if not r:
                print("timed out")
                break
            data = os.read(fd, 65536)
            off = 0
            while off < len(data):
                ev_wd, mask, cookie, length = struct.unpack_from("iIII", data, off)
                name = data[off + 16:off + 16 + length].rstrip(b"\0").decode()
                off += 16 + length
                flags = ",".join(n for bit, n in NAMES if mask & bit)
                line = "%s %s %s" % (names.get(ev_wd, "?"), flags, name)
                if cookie:
                    # Cookies are arbitrary: show which events share one.
                    cookies.setdefault(cookie, len(cookies) + 1)
                    line += " cookie#%d" % cookies[cookie]
                print(line.rstrip())
                if name == "done" and mask & 0x200:
                    done = True
        print("shell exit", shell.wait())
        os.close(fd)
    finally:
        shutil.rmtree(work, ignore_errors=True)


main()
