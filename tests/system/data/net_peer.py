# The guest (or native) side of tests/system/net_none.sh.
#
#   net_peer.py serve PORT GO_FILE   bind 127.0.0.1:PORT, answer every
#       connection with "hello"; check that another process of the same
#       instance reaches it; print "ready"; wait for GO_FILE; exit 0.
#   net_peer.py connect PORT         print "connected" or the errno's name
#   net_peer.py interfaces           print socket.if_nameindex()
import errno
import os
import socket
import subprocess
import sys
import threading
import time


def connect(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=20) as c:
            data = c.recv(16)
            return "connected " + data.decode().strip()
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e))


def serve(port, go_file):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
    except OSError as e:
        print("bind:", errno.errorcode.get(e.errno, str(e)), flush=True)
        return 1
    s.listen(16)

    def answer():
        while True:
            c, _ = s.accept()
            c.sendall(b"hello\n")
            c.close()

    threading.Thread(target=answer, daemon=True).start()
    # Another process of the instance reaches the server.
    inside = subprocess.run([sys.executable, __file__, "connect", str(port)], capture_output=True, text=True,
                            timeout=60)
    print("inside:", inside.stdout.strip(), flush=True)
    print("ready", flush=True)
    deadline = time.monotonic() + 60
    while not os.path.exists(go_file):
        if time.monotonic() > deadline:
            print("no go file", flush=True)
            return 1
        time.sleep(0.05)
    return 0


def main():
    mode = sys.argv[1]
    if mode == "serve":
        return serve(int(sys.argv[2]), sys.argv[3])
    if mode == "connect":
        print(connect(int(sys.argv[2])))
        return 0
    if mode == "interfaces":
        print(socket.if_nameindex())
        return 0
    return 2


sys.exit(main())
