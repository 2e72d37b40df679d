# A TCP proxy for the crash trials (tests/fault/crash_trials.py only): clients
# connect to it, it forwards bytes both ways to the current address of one of
# the servers (picked at random per connection among those up, like a load
# balancer; TLS passes through untouched) and, when told to, cuts a connection
# after a random number of bytes in one direction, with a FIN or a reset.
# Its listener and socket helpers are tcp_proxy.py's.
import random
import select

from tcp_proxy import TcpProxy, close, connect, spawn


class CutProxy(TcpProxy):
    def __init__(self, rng_seed):
        self._rng = random.Random(rng_seed)
        self._targets = {}         # server name → (host, port); a server that is down has none
        self.active = {}           # server name → connections open to it now
        self.served = {}           # server name → connections sent to it
        self.cut_probability = 0.0  # of each new connection
        self.max_cut_bytes = 8000
        self.connections = 0
        self.cuts = 0
        super().__init__()

    def set_target(self, target, name="server"):
        """(host, port) of server `name`, or None while it is down."""
        with self._lock:
            if target is None:
                self._targets.pop(name, None)
            else:
                self._targets[name] = target

    def active_to(self, name):
        with self._lock:
            return self.active.get(name, 0)

    def reseed(self, seed):
        with self._lock:
            self._rng = random.Random(seed)

    def accepted(self, client):
        with self._lock:
            up = sorted(self._targets)
            name = (self._rng.choice(up) if len(up) > 1 else up[0]) if up else None
            target = self._targets.get(name)
            self.connections += 1
            cut = None
            if self._rng.random() < self.cut_probability:
                # Skewed to small counts: handshakes (a few KB) and small pushes (tens of bytes) are both hit.
                at = int(self._rng.uniform(0, 1) ** 3 * self.max_cut_bytes)
                cut = (self._rng.choice(("up", "down")), at, self._rng.random() < 0.5)
        spawn(self._serve, client, name, target, cut)

    def _serve(self, client, name, target, cut):
        server = connect(target, timeout=5) if target is not None else None
        if server is None:
            close(client, reset=True)
            return
        with self._lock:
            self.active[name] = self.active.get(name, 0) + 1
            self.served[name] = self.served.get(name, 0) + 1
        try:
            self._forward(client, server, cut)
        finally:
            with self._lock:
                self.active[name] -= 1

    def _forward(self, client, server, cut):
        client.setblocking(True)
        server.setblocking(True)
        peer = {client: server, server: client}
        budget = {client: None, server: None}  # bytes still to forward from that side
        if cut:
            budget[client if cut[0] == "up" else server] = cut[1]
        cut_hit = False
        try:
            while True:
                readable, _, _ = select.select([client, server], [], [], 120)
                if not readable:
                    break
                stop = False
                for src in readable:
                    data = src.recv(16384)
                    if not data:
                        stop = True
                        break
                    left = budget[src]
                    if left is not None and len(data) >= left:
                        if left:
                            peer[src].sendall(data[:left])
                        cut_hit = stop = True
                        break
                    if left is not None:
                        budget[src] = left - len(data)
                    peer[src].sendall(data)
                if stop:
                    break
        except OSError:
            pass
        reset = cut_hit and cut[2]
        close(client, reset)
        close(server, reset)
        if cut_hit:
            with self._lock:
                self.cuts += 1

