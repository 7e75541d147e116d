#!/usr/bin/env python3
"""The select() echo server of the seed blog post, with its bugs fixed.

    python3 bench/seed_select.py PORT [--verbose]      (PORT 0 = ephemeral)

Prints exactly one stdout line once ready:
    echo server listening on 127.0.0.1:PORT
then serves until SIGTERM/SIGINT and exits 0.

Kept from the seed: listen backlog 5, a dict `msg_list` of queue.Queue per
client, select.select(in_list, out_list, in_list, 1), one accept or one recv
per readable socket, one queued chunk sent per writable socket.

Fixed relative to the seed:
  * `msg_list[c].get_nowait()` (the seed called get_nowait() on the dict),
  * partial sends: the unsent remainder is kept (in `unsent`) and sent first
    next time the socket is writable (the seed dropped it),
  * ConnectionResetError / BrokenPipeError etc. close that client instead of
    killing the server,
  * "Wait Timeout" is only printed with --verbose.

Deliberately NOT fixed: select() cannot watch fds >= FD_SETSIZE (1024).
With ~1020 clients the next accepted fd makes select.select() raise
"ValueError: filedescriptor out of range in select()" and the server dies,
exactly like the original would.
"""
import queue
import select
import signal
import socket
import sys


def main():
    args = [a for a in sys.argv[1:] if not a.startswith('--')]
    verbose = '--verbose' in sys.argv[1:]
    port = int(args[0]) if args else 0

    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.setblocking(False)
    server.bind(('127.0.0.1', port))
    server.listen(5)
    print(f'echo server listening on 127.0.0.1:{server.getsockname()[1]}', flush=True)

    in_list = [server]
    out_list = []
    msg_list = {}  # client socket -> queue.Queue of bytes chunks to echo
    unsent = {}    # client socket -> remainder of a partially sent chunk

    def close_client(c):
        if c in in_list:
            in_list.remove(c)
        if c in out_list:
            out_list.remove(c)
        msg_list.pop(c, None)
        unsent.pop(c, None)
        try:
            c.close()
        except OSError:
            pass

    try:
        while True:
            readable, writable, exceptional = select.select(in_list, out_list, in_list, 1)
            if not (readable or writable or exceptional):
                if verbose:
                    print('Wait Timeout', flush=True)
                continue

            for s in readable:
                if s is server:
                    try:
                        conn, _addr = s.accept()
                    except (BlockingIOError, InterruptedError):
                        continue
                    conn.setblocking(False)
                    in_list.append(conn)
                    msg_list[conn] = queue.Queue()
                    continue
                if s not in msg_list:  # closed earlier in this round
                    continue
                try:
                    # The seed used recv(1024). 65536 echoes exactly the same
                    # bytes, just with fewer calls for large messages.
                    data = s.recv(65536)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:  # ConnectionResetError etc.
                    close_client(s)
                    continue
                if data:
                    msg_list[s].put(data)
                    if s not in out_list:
                        out_list.append(s)
                else:
                    close_client(s)

            for s in exceptional:
                if s is not server and s in msg_list:
                    close_client(s)

            for s in writable:
                if s not in msg_list:  # closed earlier in this round
                    continue
                msg = unsent.pop(s, None)
                if msg is None:
                    try:
                        msg = msg_list[s].get_nowait()
                    except queue.Empty:
                        out_list.remove(s)
                        continue
                try:
                    n = s.send(msg)
                except (BlockingIOError, InterruptedError):
                    n = 0
                except OSError:  # ConnectionResetError, BrokenPipeError...
                    close_client(s)
                    continue
                if n < len(msg):
                    unsent[s] = msg[n:]
    except KeyboardInterrupt:
        pass
    finally:
        for c in list(msg_list):
            close_client(c)
        server.close()


def _stop(_signum, _frame):
    raise KeyboardInterrupt


if __name__ == '__main__':
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    main()
    sys.exit(0)
