"""8 threads take 10,000 items from one queue.Queue and hand each back on
another; the main thread checks that every item came back exactly once and
prints a count, a sum and a checksum (independent of which thread took what)."""
import hashlib
import queue
import threading

N, THREADS = 10000, 8
todo, done = queue.Queue(), queue.Queue()


def worker():
    while (item := todo.get()) is not None:
        done.put(item * item)


threads = [threading.Thread(target=worker) for _ in range(THREADS)]
for t in threads:
    t.start()
for i in range(N):
    todo.put(i)
for _ in threads:
    todo.put(None)
for t in threads:
    t.join()
squares = sorted(done.get_nowait() for _ in range(done.qsize()))
assert squares == [i * i for i in range(N)], "an item was lost or duplicated"
print(len(squares), sum(squares), hashlib.sha256(repr(squares).encode()).hexdigest())
