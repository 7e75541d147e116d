#!/usr/bin/env python3
"""The same echo server, written with selectors.DefaultSelector (epoll on Linux).

    python3 bench/selectors_echo.py PORT      (PORT 0 = ephemeral)

Prints exactly one stdout line once ready:
    echo server listening on 127.0.0.1:PORT
then serves until SIGTERM/SIGINT and exits 0.

Read up to 65536 bytes when readable and append them to the client's pending
buffer; while data is pending the interest is READ|WRITE; when writable send
as much as the kernel takes; once drained, modify the interest back to READ.
If a client's pending buffer exceeds 1 MiB we stop reading from it until it
drains (backpressure, like pipe() does).
The listen backlog is Python's default (min(SOMAXCONN, 128)), not the seed's 5.
"""
import selectors
import signal
import socket
import sys

HIGH_WATER = 1 << 20


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    sel = selectors.DefaultSelector()
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.setblocking(False)
    server.bind(('127.0.0.1', port))
    server.listen()
    sel.register(server, selectors.EVENT_READ, None)
    print(f'echo server listening on 127.0.0.1:{server.getsockname()[1]}', flush=True)

    pending = {}  # client socket -> bytearray of data still to echo

    def close_client(c):
        try:
            sel.unregister(c)
        except (KeyError, ValueError):
            pass
        pending.pop(c, None)
        try:
            c.close()
        except OSError:
            pass

    def interest(c):
        buf = pending[c]
        if not buf:
            return selectors.EVENT_READ
        if len(buf) >= HIGH_WATER:
            return selectors.EVENT_WRITE
        return selectors.EVENT_READ | selectors.EVENT_WRITE

    try:
        while True:
            for key, mask in sel.select(timeout=1):
                s = key.fileobj
                if key.data is None:  # the listening socket
                    try:
                        conn, _addr = s.accept()
                    except (BlockingIOError, InterruptedError):
                        continue
                    conn.setblocking(False)
                    pending[conn] = bytearray()
                    sel.register(conn, selectors.EVENT_READ, 'client')
                    continue
                if s not in pending:
                    continue
                before = key.events
                if mask & selectors.EVENT_READ:
                    try:
                        data = s.recv(65536)
                    except (BlockingIOError, InterruptedError):
                        data = None
                    except OSError:  # ConnectionResetError etc.
                        close_client(s)
                        continue
                    if data == b'':
                        close_client(s)
                        continue
                    if data:
                        pending[s] += data
                if mask & selectors.EVENT_WRITE and pending[s]:
                    try:
                        n = s.send(pending[s])
                    except (BlockingIOError, InterruptedError):
                        n = 0
                    except OSError:  # BrokenPipeError, ConnectionResetError...
                        close_client(s)
                        continue
                    del pending[s][:n]
                want = interest(s)
                if want != before:
                    sel.modify(s, want, 'client')
    except KeyboardInterrupt:
        pass
    finally:
        for c in list(pending):
            close_client(c)
        sel.close()
        server.close()


def _stop(_signum, _frame):
    raise KeyboardInterrupt


if __name__ == '__main__':
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    main()
    sys.exit(0)
