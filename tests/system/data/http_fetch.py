# Serves a directory with `python3 -m http.server` in a child process and
# fetches one file from it twice: with urllib from this process and with
# /usr/bin/curl (a third process). Prints the size and SHA-256 of each body,
# so native and lx runs compare byte for byte.
import hashlib
import os
import socket
import subprocess
import sys
import time
import urllib.request

DIRECTORY = "/usr/bin"
NAME = "python3"

with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]

server = subprocess.Popen(
    [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", DIRECTORY],
    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=5).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    url = f"http://127.0.0.1:{port}/{NAME}"
    body = urllib.request.urlopen(url, timeout=60).read()
    print("urllib", len(body), hashlib.sha256(body).hexdigest())
    curl = subprocess.run(["/usr/bin/curl", "-sf", "--max-time", "60", url], capture_output=True, check=True)
    print("curl", len(curl.stdout), hashlib.sha256(curl.stdout).hexdigest())
    with open(os.path.join(DIRECTORY, NAME), "rb") as f:
        print("file", hashlib.sha256(f.read()).hexdigest())
finally:
    server.terminate()
    server.wait()
