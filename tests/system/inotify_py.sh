#!/bin/sh
# inotify_py.sh LX: a python3 inotify watcher (data/inotify_watch.py, ctypes
# on libc) prints the events a second process, a shell, causes in a scratch
# directory (create, modify, close, rename with cookies, attribute changes,
# links, deletions), natively and under lx; the outputs must be identical.
exec /bin/sh "$(dirname "$0")/compare.sh" "$1" -- /usr/bin/python3 "$(dirname "$0")/data/inotify_watch.py"
