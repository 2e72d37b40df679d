# A TCP proxy between sodiem-server and PostgreSQL (tests/pg/db_restart.py
# only). It reads the client's side of the wire protocol: the statements a
# connection prepares (Parse), the ones it runs (Bind) and its simple queries.
# When armed, it lets through the COMMIT of the first transaction that ran a
# statement containing `marker` (e.g. "SET high_seq": a push). PostgreSQL commits it, but the answer is never
# relayed: the proxy closes both sides. The client is left with a COMMIT that
# was applied but failed for it, a COMMIT in doubt. Otherwise bytes pass
# untouched both ways, and a side that closes closes the other. Its listener
# and socket helpers are tests/fault/tcp_proxy.py's.
import os
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fault"))
from tcp_proxy import TcpProxy, close, connect, spawn  # noqa: E402

SSL_REQUEST, GSSENC_REQUEST = 80877103, 80877104


class CommitCutProxy(TcpProxy):
    def __init__(self, target_port, marker):
        self.target = ("127.0.0.1", target_port)
        self.marker = marker.encode()
        self.armed = False
        self.cuts = 0
        super().__init__()

    def arm(self):
        with self._lock:
            self.armed = True

    def accepted(self, client):
        server = connect(self.target)
        if server is None:
            client.close()  # the database is down: so is the proxy's side
            return
        conn = {"client": client, "server": server, "cut": False}
        spawn(self._up, conn)
        spawn(self._down, conn)

    def _down(self, conn):
        """PostgreSQL → client, until either side closes or the connection is cut."""
        try:
            while True:
                data = conn["server"].recv(65536)
                if not data or conn["cut"]:
                    break
                conn["client"].sendall(data)
        except OSError:
            pass
        self._close(conn)

    def _up(self, conn):
        """Client → PostgreSQL, message by message."""
        buf = b""
        startup = True
        names, touched = {}, False
        try:
            while True:
                data = conn["client"].recv(65536)
                if not data:
                    break
                buf += data
                while True:
                    if startup:  # length, then the body: no type byte
                        if len(buf) < 8:
                            break
                        (length,) = struct.unpack(">I", buf[:4])
                        if len(buf) < length:
                            break
                        code = struct.unpack(">I", buf[4:8])[0]
                        msg, buf = buf[:length], buf[length:]
                        startup = code in (SSL_REQUEST, GSSENC_REQUEST)
                        conn["server"].sendall(msg)
                        continue
                    if len(buf) < 5:
                        break
                    kind = buf[:1]
                    (length,) = struct.unpack(">I", buf[1:5])
                    if len(buf) < 1 + length:
                        break
                    msg, buf = buf[:1 + length], buf[1 + length:]
                    body = msg[5:]
                    cut = False
                    if kind == b"P":  # Parse: name, query
                        name, rest = body.split(b"\0", 1)
                        names[name] = rest.split(b"\0", 1)[0]
                        # A COMMIT in a pipeline (pg::Db sends the queued
                        # writes with it): cut once its Sync has gone.
                        if names[name].strip().upper() == b"COMMIT" and touched:
                            with self._lock:
                                if self.armed:
                                    self.armed = False
                                    conn["cut_at_sync"] = True
                    elif kind == b"S" and conn.get("cut_at_sync"):
                        cut = True
                        with self._lock:
                            self.cuts += 1
                        conn["cut"] = True
                    elif kind == b"B":  # Bind: portal, statement name
                        stmt = body.split(b"\0", 2)[1]
                        touched = touched or self.marker in names.get(stmt, b"")
                    elif kind == b"Q":
                        query = body.split(b"\0", 1)[0].strip().upper()
                        # The last of its statements ("…; COMMIT": pg::Db
                        # sends the commit counter's bump with it).
                        last = [q.strip() for q in query.split(b";") if q.strip()][-1:] or [b""]
                        if query.startswith(b"BEGIN") or query.startswith(b"ROLLBACK"):
                            touched = False
                        elif last[0] == b"COMMIT" and touched:
                            with self._lock:
                                cut = self.armed
                                if cut:
                                    self.armed = False
                                    self.cuts += 1
                                    conn["cut"] = True  # its answer is not relayed
                    conn["server"].sendall(msg)
                    if cut:
                        time.sleep(0.5)  # PostgreSQL commits meanwhile
                        self._close(conn)
                        return
        except OSError:
            pass
        self._close(conn)

    @staticmethod
    def _close(conn):
        close(conn["client"])
        close(conn["server"])
