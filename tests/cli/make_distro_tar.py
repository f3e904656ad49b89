#!/usr/bin/python3
"""make_distro_tar.py OUT.tar: a tiny distro root for the distro tests.

Debian's static busybox with applet symlinks, /etc/passwd with root and
alice (1000), owners, set-id bits, a device, a FIFO, a hard link and a user
xattr set through tarfile (no host privileges needed)."""
import io
import sys
import tarfile

BUSYBOX = "/bin/busybox"
APPLETS = ["sh", "ls", "cat", "id", "echo", "stat", "touch", "mkdir", "pwd", "whoami", "env", "test",
           "chown", "chmod", "rm", "sleep", "find", "true", "false", "hostname", "sed", "wc"]


def add(tar, name, kind=tarfile.REGTYPE, mode=0o644, uid=0, gid=0, data=None, target=None, dev=(0, 0), pax=None):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.mode = mode
    info.uid, info.gid = uid, gid
    info.uname = info.gname = ""
    info.mtime = 1700000000
    if target is not None:
        info.linkname = target
    info.devmajor, info.devminor = dev
    if pax:
        info.pax_headers = pax
    if data is not None:
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    else:
        tar.addfile(info)


def main():
    with open(BUSYBOX, "rb") as f:
        busybox = f.read()
    with tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT) as tar:
        add(tar, "./", tarfile.DIRTYPE, 0o755)
        for d, mode, owner in [("bin", 0o755, 0), ("etc", 0o755, 0), ("home", 0o755, 0), ("home/alice", 0o750, 1000),
                               ("root", 0o700, 0), ("tmp", 0o1777, 0), ("dev", 0o755, 0), ("usr", 0o755, 0),
                               ("usr/bin", 0o755, 0), ("mnt", 0o755, 0), ("srv", 0o2775, 50),
                               ("run", 0o755, 0), ("proc", 0o555, 0), ("sys", 0o555, 0)]:
            add(tar, "./" + d + "/", tarfile.DIRTYPE, mode, owner, owner)
        add(tar, "./bin/busybox", mode=0o755, data=busybox)
        add(tar, "./usr/bin/busybox-hardlink", tarfile.LNKTYPE, 0o755, target="./bin/busybox")
        for a in APPLETS:
            add(tar, "./bin/" + a, tarfile.SYMTYPE, 0o777, target="busybox")
        add(tar, "./etc/passwd", data=b"root:x:0:0:root:/root:/bin/sh\n"
                                      b"alice:x:1000:1000:Alice:/home/alice:/bin/sh\n")
        add(tar, "./etc/group", data=b"root:x:0:\nstaff:x:50:alice\nalice:x:1000:\n")
        add(tar, "./etc/hostname", data=b"tiny\n")
        add(tar, "./usr/bin/setuid-tool", mode=0o4755, data=b"#!/bin/sh\nid -u\n")
        add(tar, "./home/alice/notes.txt", mode=0o640, uid=1000, gid=1000, data=b"alice's notes\n",
            pax={"SCHILY.xattr.user.color": "blue"})
        add(tar, "./dev/null", tarfile.CHRTYPE, 0o666, dev=(1, 3))
        add(tar, "./dev/sda", tarfile.BLKTYPE, 0o660, 0, 6, dev=(8, 0))
        add(tar, "./home/alice/pipe", tarfile.FIFOTYPE, 0o600, 1000, 1000)


main()
