#!/usr/bin/env python3
"""The Linux side of the kernel differential test (test/kernel/): real kernel objects, in pairs.

Python 3.11, standard library only. Reads one JSON object per line on stdin and answers one JSON object per
line on stdout:

  {"cmd": "new", "kind": K}                   -> {"obs": OBS}       a fresh pair of kind K:
      "tcp"   TCP on 127.0.0.1: a = connect(), b = accept() (the default)
      "pipe"  pipe2(O_NONBLOCK): a = the write end, b = the read end
      "udp"   two UDP sockets bound on 127.0.0.1, each sending to the other with sendto (unconnected)
      "udpc"  the same, each connect()ed to the other: ICMP errors come back as ECONNREFUSED (sk_err)
      "file"  a regular file: a = opened O_WRONLY|O_APPEND, b = O_RDONLY
  {"cmd": "op", "side": "a", "op": "send", "n": 5}
                                              -> {"outcome": "sent:5", "obs": OBS, "settle": {...}}
  {"cmd": "end"}                              -> {"ok": true}        closes the pair and its epolls
  {"cmd": "quit"}                             -> exits

ops: send n, recv n, shutdown how (0 SHUT_RD, 1 SHUT_WR, 2 SHUT_RDWR), close, reset (SO_LINGER 0 + close),
wait (no call; 10 ms pass). An outcome is "sent:N", "recv:N", "EOF", "EAGAIN", "ok" or an errno name. On a
pipe or a file, send is write(2) and recv read(2); on UDP, send is sendto (send when connected) of one
datagram to the other socket and recv is recvfrom(n) of one datagram, cut to n (the rest is lost).

OBS is what a program would observe once the pair has settled:
  bits: {a, b}       poll(2) revents asking for every bit (POLLNVAL, 32, once a side is closed)
  sel:  {a, b}       select(2) of that one socket in all three sets, timeout 0: "rwx" with "-" for absent,
                     or "EBADF" once closed
  lt:   {a, b}       a level-triggered epoll (EPOLLIN|EPOLLOUT|EPOLLRDHUP) polled with timeout 0: its events,
                     0 when not reported
  reg:  {a, b}       "ok", or the errno epoll_ctl(EPOLL_CTL_ADD) gave (EPERM for a regular file); an end
                     that epoll refused is 0 in lt and absent from et
  et:   {all, in, out} three edge-triggered epolls (EPOLLET with IN|OUT|RDHUP, IN, OUT), each drained with
                     epoll_wait(timeout 0) after settling: {a: events, b: events} for the sides reported,
                     i.e. the edges since the previous drain (one event per socket, with the bits current at
                     the drain, as the kernel coalesces edges on its ready list)

Settling (the rule, also followed in spirit by the Node side): after each op the helper samples, every 0.5 ms,
each open socket's TCP state (TCP_INFO), SIOCOUTQ (unacknowledged + unsent bytes), SIOCOUTQNSD (unsent),
SIOCINQ (received, unread) and poll bits. The pair is settled when three consecutive samples are identical
and no socket is in a transient condition: a SYN/FIN handshake state (SYN_SENT, SYN_RECV, FIN_WAIT1,
CLOSING, LAST_ACK) with nothing left unsent (a FIN queued behind data the peer's full window holds back is
a stable state), or bytes sent but not yet acknowledged by a socket that is not writable (the ACK frees the
space that makes it writable, an EPOLLOUT edge; a writable socket's ACK changes nothing a program sees).
Delayed ACKs (40 ms) make those waits slow, so each sample first sets TCP_QUICKACK on every open socket,
which sends an ACK the kernel was holding back (only when the receiver has no unread data, so some waits
still take 40 ms); TCP_NODELAY is on, so Nagle holds nothing back. A transient condition that lasts 300 ms is
taken as settled anyway (reported as "timedOut"); loopback never needs that unless a peer vanished.
A pipe, a UDP pair and a file have no handshake and no acknowledgement: they are settled when three samples
of poll bits and SIOCINQ are identical (a datagram on loopback, or an ICMP error, is in within a sample or two).
"""
import os
import tempfile
import errno
import fcntl
import json
import select
import socket
import struct
import sys
import termios
import time

SIOCINQ = termios.FIONREAD
SIOCOUTQ = termios.TIOCOUTQ
SIOCOUTQNSD = 0x894B
POLLNVAL = select.POLLNVAL
ALL_BITS = (select.POLLIN | select.POLLPRI | select.POLLOUT | select.POLLERR | select.POLLHUP
            | select.POLLNVAL | select.POLLRDHUP)
LT_MASK = select.EPOLLIN | select.EPOLLOUT | select.EPOLLRDHUP
ET_MASKS = {
    'all': select.EPOLLIN | select.EPOLLOUT | select.EPOLLRDHUP | select.EPOLLET,
    'in': select.EPOLLIN | select.EPOLLET,
    'out': select.EPOLLOUT | select.EPOLLET,
}
# TCP states (include/net/tcp_states.h) in which the connection is still exchanging a handshake.
TRANSIENT_STATES = {2, 3, 4, 9, 11}  # SYN_SENT, SYN_RECV, FIN_WAIT1, LAST_ACK, CLOSING
TCP_CLOSE = 7
SAMPLE_S = 0.0005
STABLE_SAMPLES = 3
TRANSIENT_CAP_S = 0.3
WAIT_OP_S = 0.010
CHUNK = b'\x5a' * 300_000


def ioctl_int(sock, req):
    return struct.unpack('i', fcntl.ioctl(sock.fileno(), req, b'\0\0\0\0'))[0]


class Pair:
    """Two kernel objects with their observers; a side is None once closed. Subclasses make the calls."""

    def __init__(self, a, b):
        self.socks = {'a': a, 'b': b}
        self.lt = select.epoll()
        self.et = {name: select.epoll() for name in ET_MASKS}
        self.side_of = {}
        self.reg = {}
        for side, s in self.socks.items():
            self.side_of[s.fileno()] = side
            try:
                self.lt.register(s.fileno(), LT_MASK)
                for name, ep in self.et.items():
                    ep.register(s.fileno(), ET_MASKS[name])
                self.reg[side] = 'ok'
            except OSError as e:
                self.reg[side] = errno.errorcode.get(e.errno, str(e.errno))

    def live(self):
        return [(side, s) for side, s in self.socks.items() if s is not None]

    def close(self):
        for side, s in self.live():
            s.close()
        self.lt.close()
        for ep in self.et.values():
            ep.close()

    def forget(self, side):
        s = self.socks[side]
        self.socks[side] = None
        s.close()

    def apply(self, side, op, arg):
        s = self.socks[side]
        if op == 'wait':
            time.sleep(WAIT_OP_S)
            return 'ok'
        if s is None:
            if op in ('close', 'reset'):
                return 'ok'
            return 'EBADF'
        try:
            if op == 'close':
                self.forget(side)
                return 'ok'
            return self.call(side, s, op, arg)
        except BlockingIOError:
            return 'EAGAIN'
        except OSError as e:
            return errno.errorcode.get(e.errno, str(e.errno))

    def sample(self):
        snap = []
        for side, s in self.live():
            snap.append((side, ioctl_int(s, SIOCINQ) if self.has_inq else 0, self.poll_bits(s)))
        return snap

    has_inq = True

    def settle(self):
        """Three identical samples of poll bits and SIOCINQ (no handshake to wait for)."""
        start = time.monotonic()
        prev = None
        stable = 0
        while True:
            snap = self.sample()
            stable = stable + 1 if snap == prev else 0
            prev = snap
            if stable >= STABLE_SAMPLES:
                return {'ms': round((time.monotonic() - start) * 1000, 1), 'timedOut': False}
            time.sleep(SAMPLE_S)

    @staticmethod
    def poll_bits(s):
        p = select.poll()
        p.register(s.fileno(), ALL_BITS)
        res = p.poll(0)
        return res[0][1] if res else 0

    def observe(self):
        bits, sel, lt = {}, {}, {'a': 0, 'b': 0}
        for side, s in self.socks.items():
            if s is None:
                bits[side] = POLLNVAL
                sel[side] = 'EBADF'
                continue
            bits[side] = self.poll_bits(s)
            r, w, x = select.select([s], [s], [s], 0)
            sel[side] = ('r' if r else '-') + ('w' if w else '-') + ('x' if x else '-')
        for fd, ev in self.lt.poll(0):
            lt[self.side_of[fd]] = ev
        et = {}
        for name, ep in self.et.items():
            et[name] = {self.side_of[fd]: ev for fd, ev in ep.poll(0)}
        return {'bits': bits, 'sel': sel, 'lt': lt, 'et': et, 'reg': dict(self.reg)}


class Fd:
    """A raw descriptor (a pipe end, a file) with the two methods the observers use."""

    def __init__(self, fd):
        self.fd = fd

    def fileno(self):
        return self.fd

    def close(self):
        os.close(self.fd)


class FdPair(Pair):
    """A pipe or a file: send is write(2), recv read(2)."""

    def call(self, side, s, op, arg):
        if op == 'send':
            return 'sent:%d' % os.write(s.fd, memoryview(CHUNK)[:arg])
        if op == 'recv':
            data = os.read(s.fd, arg)
            return 'recv:%d' % len(data) if data else 'EOF'
        raise ValueError('op %r on a %s' % (op, type(self).__name__))


class PipePair(FdPair):
    def __init__(self):
        r, w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        super().__init__(Fd(w), Fd(r))


class FilePair(FdPair):
    has_inq = False

    def __init__(self):
        fd, self.path = tempfile.mkstemp(prefix='net-select-kernel-')
        os.close(fd)
        a = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CLOEXEC)
        b = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)
        super().__init__(Fd(a), Fd(b))

    def close(self):
        super().close()
        os.unlink(self.path)


class UdpPair(Pair):
    """Two UDP sockets on 127.0.0.1; `connected`: each connect()ed to the other."""

    def __init__(self, connected):
        a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for s in (a, b):
            s.bind(('127.0.0.1', 0))
            s.setblocking(False)
        self.addr = {'a': b.getsockname(), 'b': a.getsockname()}  # where each side sends
        self.connected = connected
        if connected:
            a.connect(self.addr['a'])
            b.connect(self.addr['b'])
        super().__init__(a, b)

    def call(self, side, s, op, arg):
        if op == 'send':
            data = memoryview(CHUNK)[:arg]
            return 'sent:%d' % (s.send(data) if self.connected else s.sendto(data, self.addr[side]))
        if op == 'recv':
            data, _ = s.recvfrom(arg)
            return 'recv:%d' % len(data)
        raise ValueError('op %r on UDP' % op)


class TcpPair(Pair):
    """One connected TCP pair with its observers; a side is None once closed."""

    def __init__(self, listener):
        a = socket.create_connection(listener.getsockname())
        b, _ = listener.accept()
        for s in (a, b):
            s.setblocking(False)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().__init__(a, b)

    # --- operations -------------------------------------------------------------------------------------

    def call(self, side, s, op, arg):
        if op == 'send':
            return 'sent:%d' % s.send(memoryview(CHUNK)[:arg])
        if op == 'recv':
            data = s.recv(arg)
            return 'recv:%d' % len(data) if data else 'EOF'
        if op == 'shutdown':
            s.shutdown(arg)
            return 'ok'
        if op == 'reset':
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
            self.forget(side)
            return 'ok'
        raise ValueError('unknown op %r' % op)

    # --- settling ---------------------------------------------------------------------------------------

    def sample(self):
        snap = []
        for side, s in self.live():
            info = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)
            snap.append((side, info[0], ioctl_int(s, SIOCOUTQ), ioctl_int(s, SIOCOUTQNSD),
                         ioctl_int(s, SIOCINQ), self.poll_bits(s)))
        return snap

    @staticmethod
    def transient(snap):
        for _side, state, outq, notsent, _inq, bits in snap:
            if state in TRANSIENT_STATES and notsent == 0:
                return True  # our SYN or FIN is out, its ACK is not in (a FIN behind unsent data waits, stably)
            if state != TCP_CLOSE and outq > notsent and not bits & select.POLLOUT:
                return True  # sent, not yet acknowledged, and the ACK will free the space that makes it writable
        return False

    def settle(self):
        start = time.monotonic()
        prev = None
        stable = 0
        stable_since = start
        while True:
            for _side, s in self.live():
                try:
                    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
                except OSError:
                    pass
            time.sleep(SAMPLE_S)
            snap = self.sample()
            now = time.monotonic()
            if snap == prev:
                stable += 1
            else:
                stable = 0
                stable_since = now
            prev = snap
            if stable >= STABLE_SAMPLES and not self.transient(snap):
                return {'ms': round((now - start) * 1000, 1), 'timedOut': False}
            if stable >= STABLE_SAMPLES and now - stable_since >= TRANSIENT_CAP_S:
                return {'ms': round((now - start) * 1000, 1), 'timedOut': True}


def main():
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(('127.0.0.1', 0))
    listener.listen(16)
    pair = None
    out = sys.stdout
    for line in sys.stdin:
        req = json.loads(line)
        cmd = req['cmd']
        if cmd == 'new':
            if pair is not None:
                pair.close()
            kind = req.get('kind', 'tcp')
            if kind == 'tcp':
                pair = TcpPair(listener)
            elif kind == 'pipe':
                pair = PipePair()
            elif kind in ('udp', 'udpc'):
                pair = UdpPair(kind == 'udpc')
            elif kind == 'file':
                pair = FilePair()
            else:
                raise ValueError('unknown kind %r' % kind)
            settle = pair.settle()
            res = {'obs': pair.observe(), 'settle': settle}
        elif cmd == 'op':
            outcome = pair.apply(req['side'], req['op'], req.get('n', 0))
            settle = pair.settle()
            res = {'outcome': outcome, 'obs': pair.observe(), 'settle': settle}
        elif cmd == 'end':
            if pair is not None:
                pair.close()
            pair = None
            res = {'ok': True}
        elif cmd == 'quit':
            break
        else:
            res = {'error': 'unknown cmd %r' % cmd}
        out.write(json.dumps(res) + '\n')
        out.flush()


if __name__ == '__main__':
    main()
