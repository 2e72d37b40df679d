# The socket loop of the test proxies (tests/fault/cut_proxy.py and
# tests/pg/commit_cut_proxy.py only): a listener on a free port of
# 127.0.0.1 whose accept loop hands each connection, in the order they came,
# to the proxy's own `accepted`; connecting to the target and closing a
# socket with a FIN or a reset.
import socket
import struct
import threading


class TcpProxy:
    """Subclasses define accepted(client), called on the accept thread (so
    in accept order); it starts the threads that serve the connection."""

    def __init__(self):
        self._lock = threading.Lock()
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept_loop, daemon=True).start()

    def _accept_loop(self):
        while True:
            client, _ = self._listener.accept()
            self.accepted(client)

    def accepted(self, client):
        raise NotImplementedError


def spawn(target, *args):
    """`target(*args)` on a daemon thread of its own."""
    threading.Thread(target=target, args=args, daemon=True).start()


def connect(target, timeout=None):
    """A connection to (host, port), or None when nothing answers there."""
    try:
        return socket.create_connection(target, timeout=timeout)
    except OSError:
        return None


def close(sock, reset=False):
    """Closes with a FIN (shutdown first), or with a reset (SO_LINGER 0)."""
    try:
        if reset:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        else:
            sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass
