#!/usr/bin/env python3
# A TCP proxy that delays every byte by a fixed time each way: PostgreSQL as
# if on another machine (a province's database node), for the benchmark's
# pg_ingest_1 at a given round-trip time (scripts/bench.sh only). Usage:
#   latency_proxy.py TARGET_PORT ONE_WAY_MS [LISTEN_ADDRESS]  → prints its own
# port, then serves until killed (on 127.0.0.1 unless LISTEN_ADDRESS: at 0 ms
# it is a plain forwarder, as tests/pg/db_vanish.py uses it). The order of bytes is kept; the proxy's own cost (Python, a
# few tens of µs a hop) adds to the delay, so bench.sh also runs it at 0 ms.
import asyncio
import sys


async def pump(reader, writer, delay):
    loop = asyncio.get_running_loop()
    try:
        while True:
            data = await reader.read(1 << 16)
            if not data:
                break
            loop.call_later(delay, writer.write, data)
    except (ConnectionError, OSError):
        pass
    loop.call_later(delay, writer.close)


async def main():
    target, delay = int(sys.argv[1]), float(sys.argv[2]) / 1000.0

    async def serve(c_reader, c_writer):
        try:
            s_reader, s_writer = await asyncio.open_connection("127.0.0.1", target)
        except OSError:
            c_writer.close()
            return
        await asyncio.gather(pump(c_reader, s_writer, delay), pump(s_reader, c_writer, delay))

    server = await asyncio.start_server(serve, sys.argv[3] if len(sys.argv) > 3 else "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
