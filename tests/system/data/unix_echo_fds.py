# A unix-socket echo between two processes (this script as server, a second
# python3 as client), with SCM_RIGHTS: the client hands the server a pipe's
# write end and a file it opened, the server writes through both.
import os
import socket
import subprocess
import sys
import tempfile


def client(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    for word in ["alpha", "beta", "gamma"]:
        s.sendall(word.encode())
        print("client got", s.recv(64).decode(), flush=True)
    r, w = os.pipe()
    fd = os.open(os.path.join(os.path.dirname(path), "file"), os.O_RDWR | os.O_CREAT, 0o600)
    socket.send_fds(s, [b"fds"], [w, fd])
    os.close(w)
    print("client pipe", os.read(r, 64).decode(), flush=True)
    s.recv(1)  # the server is done with the file
    os.lseek(fd, 0, os.SEEK_SET)
    print("client file", os.read(fd, 64).decode(), "offset", os.lseek(fd, 0, os.SEEK_CUR), flush=True)
    s.close()


def server():
    with tempfile.TemporaryDirectory(dir="/tmp") as d:
        path = os.path.join(d, "echo.sock")
        srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        srv.bind(path)
        srv.listen(1)
        child = subprocess.Popen([sys.executable, __file__, "client", path])
        conn, _ = srv.accept()
        print("peer is child:", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12)[:4]
              == child.pid.to_bytes(4, "little"), flush=True)
        for _ in range(3):
            data = conn.recv(64)
            conn.sendall(data.upper())
        msg, fds, flags, _ = socket.recv_fds(conn, 16, 4)
        print("server got", msg.decode(), len(fds), "fds, flags", flags, flush=True)
        os.write(fds[0], b"written by server")
        os.write(fds[1], b"file by server")
        for fd in fds:
            os.close(fd)
        conn.sendall(b"k")
        child.wait()
        print("client exit", child.returncode)
        conn.close()
        srv.close()


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "client":
        client(sys.argv[2])
    else:
        server()
