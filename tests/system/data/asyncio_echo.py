# An asyncio TCP echo server on the loopback and 200 concurrent clients
# (a second process, also asyncio), each sending 20 lines and checking the
# echoes. Prints a summary that is the same on every correct run.
import asyncio
import socket
import subprocess
import sys

CLIENTS = 200
LINES = 20


async def handle(reader, writer):
    while line := await reader.readline():
        writer.write(line)
        await writer.drain()
    writer.close()
    await writer.wait_closed()


async def client(port, i):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    ok = 0
    for j in range(LINES):
        msg = f"client {i} line {j}\n".encode()
        writer.write(msg)
        await writer.drain()
        ok += await reader.readline() == msg
    writer.close()
    await writer.wait_closed()
    return ok


async def clients(port):
    results = await asyncio.gather(*(client(port, i) for i in range(CLIENTS)))
    print(f"{len(results)} clients, {sum(results)} of {CLIENTS * LINES} echoes correct")


async def serve():
    server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=CLIENTS)
    port = server.sockets[0].getsockname()[1]
    async with server:
        proc = await asyncio.create_subprocess_exec(sys.executable, __file__, "client", str(port))
        print("client process exit status", await proc.wait())


if len(sys.argv) > 2 and sys.argv[1] == "client":
    asyncio.run(clients(int(sys.argv[2])))
else:
    asyncio.run(serve())
