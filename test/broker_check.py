#!/usr/bin/env python3
"""What a mig site's broker allows, checked over AMQP 0-9-1 (python3's standard library only).

Used by test/broker_test.sh against a broker of tools/broker.sh serving a site of tools/site.sh with agents
alpha and beta, in TLS and plain mode:

  broker_check.py before BROKER_ENV SITE ROGUE_SITE TOKEN   TLS, logins and every permission; leaves a persistent
                                                          message TOKEN in mig.agent.alpha and a queue
                                                          mig.agent.gamma declared by the scheduler
  broker_check.py after BROKER_ENV SITE TOKEN               after a restart: both are still there

The client below speaks just enough AMQP for these checks (no heartbeats, one frame per body).
"""

import os
import socket
import ssl
import struct
import sys

FRAME_METHOD, FRAME_HEADER, FRAME_BODY, FRAME_HEARTBEAT = 1, 2, 3, 8
FRAME_END = 0xCE
ACCESS_REFUSED = 403

# (class, method) ids of AMQP 0-9-1.
CONNECTION_START, CONNECTION_START_OK = (10, 10), (10, 11)
CONNECTION_TUNE, CONNECTION_TUNE_OK = (10, 30), (10, 31)
CONNECTION_OPEN, CONNECTION_OPEN_OK = (10, 40), (10, 41)
CONNECTION_CLOSE, CONNECTION_CLOSE_OK = (10, 50), (10, 51)
CHANNEL_OPEN, CHANNEL_OPEN_OK = (20, 10), (20, 11)
CHANNEL_CLOSE, CHANNEL_CLOSE_OK = (20, 40), (20, 41)
QUEUE_DECLARE, QUEUE_DECLARE_OK = (50, 10), (50, 11)
QUEUE_BIND, QUEUE_BIND_OK = (50, 20), (50, 21)
BASIC_CONSUME, BASIC_CONSUME_OK = (60, 20), (60, 21)
BASIC_PUBLISH, BASIC_RETURN = (60, 40), (60, 50)
BASIC_GET, BASIC_GET_OK, BASIC_GET_EMPTY = (60, 70), (60, 71), (60, 72)
BASIC_ACK, BASIC_NACK = (60, 80), (60, 120)
CONFIRM_SELECT, CONFIRM_SELECT_OK = (85, 10), (85, 11)


class Closed(Exception):
    """The broker closed the channel or the connection: code and text of its close method."""

    def __init__(self, scope, code, text):
        super().__init__("%s closed: %d %s" % (scope, code, text))
        self.scope, self.code, self.text = scope, code, text


def short_string(text):
    data = text.encode()
    return bytes([len(data)]) + data


def long_string(data):
    return struct.pack(">I", len(data)) + data


def field_table(fields):
    out = b""
    for name, value in fields.items():
        out += short_string(name)
        if isinstance(value, bool):
            out += b"t" + bytes([value])
        elif isinstance(value, dict):
            out += b"F" + field_table(value)
        else:
            out += b"S" + long_string(str(value).encode())
    return long_string(out)


class Reader:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, n):
        chunk = self.data[self.pos:self.pos + n]
        if len(chunk) != n:
            raise ValueError("truncated method frame")
        self.pos += n
        return chunk

    def octet(self):
        return self.take(1)[0]

    def short(self):
        return struct.unpack(">H", self.take(2))[0]

    def long(self):
        return struct.unpack(">I", self.take(4))[0]

    def longlong(self):
        return struct.unpack(">Q", self.take(8))[0]

    def short_string(self):
        return self.take(self.octet()).decode()

    def long_string(self):
        return self.take(self.long())

    def skip_table(self):
        self.take(self.long())


class Connection:
    def __init__(self, sock):
        self.sock = sock
        self.buffer = b""
        self.frame_max = 131072
        self.mechanisms = []

    @classmethod
    def plain(cls, port):
        return cls(socket.create_connection(("127.0.0.1", port), timeout=10))

    @classmethod
    def tls(cls, port, ca, cert=None, key=None, tls12=False):
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.load_verify_locations(ca)
        if tls12:
            context.maximum_version = ssl.TLSVersion.TLSv1_2
        if cert:
            context.load_cert_chain(cert, key)
        raw = socket.create_connection(("127.0.0.1", port), timeout=10)
        return cls(context.wrap_socket(raw, server_hostname="localhost"))

    def close_socket(self):
        try:
            self.sock.close()
        except OSError:
            pass

    # Frames.
    def recv_exact(self, n):
        while len(self.buffer) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("the broker closed the connection")
            self.buffer += chunk
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def read_frame(self):
        while True:
            kind, channel, size = struct.unpack(">BHI", self.recv_exact(7))
            payload = self.recv_exact(size)
            if self.recv_exact(1)[0] != FRAME_END:
                raise ValueError("bad frame end")
            if kind != FRAME_HEARTBEAT:
                return kind, channel, payload

    def send_frame(self, kind, channel, payload):
        self.sock.sendall(struct.pack(">BHI", kind, channel, len(payload)) + payload + bytes([FRAME_END]))

    def send_method(self, channel, method, args=b""):
        self.send_frame(FRAME_METHOD, channel, struct.pack(">HH", *method) + args)

    def read_method(self, channel, *expected):
        """The next method on channel, which must be one of expected; the broker's closes raise Closed."""
        kind, got_channel, payload = self.read_frame()
        if kind != FRAME_METHOD:
            raise ValueError("expected a method frame, got frame type %d" % kind)
        reader = Reader(payload)
        method = (reader.short(), reader.short())
        if method == CONNECTION_CLOSE:
            code, text = reader.short(), reader.short_string()
            self.send_method(0, CONNECTION_CLOSE_OK)
            raise Closed("connection", code, text)
        if method == CHANNEL_CLOSE:
            code, text = reader.short(), reader.short_string()
            self.send_method(got_channel, CHANNEL_CLOSE_OK)
            raise Closed("channel", code, text)
        if got_channel != channel or method not in expected:
            raise ValueError("unexpected method %s on channel %d" % (method, got_channel))
        return method, reader

    def read_content(self):
        kind, _, payload = self.read_frame()
        assert kind == FRAME_HEADER, kind
        size = struct.unpack(">Q", payload[4:12])[0]
        body = b""
        while len(body) < size:
            kind, _, payload = self.read_frame()
            assert kind == FRAME_BODY, kind
            body += payload
        return body

    # Connection.
    def start(self):
        """Sends the protocol header; returns the mechanisms of connection.start."""
        self.sock.sendall(b"AMQP\x00\x00\x09\x01")
        _, reader = self.read_method(0, CONNECTION_START)
        reader.octet(), reader.octet()
        reader.skip_table()
        self.mechanisms = reader.long_string().decode().split()
        return self.mechanisms

    def login(self, mechanism, response, vhost="mig"):
        properties = {"product": "mig broker_check",
                      "capabilities": {"authentication_failure_close": True, "publisher_confirms": True}}
        self.send_method(0, CONNECTION_START_OK,
                         field_table(properties) + short_string(mechanism) + long_string(response) +
                         short_string("en_US"))
        _, reader = self.read_method(0, CONNECTION_TUNE)
        channel_max, frame_max = reader.short(), reader.long()
        self.frame_max = frame_max or self.frame_max
        self.send_method(0, CONNECTION_TUNE_OK, struct.pack(">HIH", channel_max, self.frame_max, 0))
        self.send_method(0, CONNECTION_OPEN, short_string(vhost) + short_string("") + b"\x00")
        self.read_method(0, CONNECTION_OPEN_OK)

    def close(self):
        try:
            self.send_method(0, CONNECTION_CLOSE, struct.pack(">H", 200) + short_string("bye") +
                             struct.pack(">HH", 0, 0))
            self.read_method(0, CONNECTION_CLOSE_OK)
        except (OSError, EOFError, Closed, ValueError):
            pass
        self.close_socket()

    # Channels.
    def open_channel(self, channel):
        self.send_method(channel, CHANNEL_OPEN, short_string(""))
        self.read_method(channel, CHANNEL_OPEN_OK)

    def queue_declare(self, channel, queue, passive=False):
        flags = 0x01 if passive else 0x02  # passive, or durable
        self.send_method(channel, QUEUE_DECLARE,
                         struct.pack(">H", 0) + short_string(queue) + bytes([flags]) + field_table({}))
        _, reader = self.read_method(channel, QUEUE_DECLARE_OK)
        return reader.short_string(), reader.long(), reader.long()

    def queue_bind(self, channel, queue, exchange, key):
        self.send_method(channel, QUEUE_BIND,
                         struct.pack(">H", 0) + short_string(queue) + short_string(exchange) + short_string(key) +
                         b"\x00" + field_table({}))
        self.read_method(channel, QUEUE_BIND_OK)

    def basic_consume(self, channel, queue):
        self.send_method(channel, BASIC_CONSUME,
                         struct.pack(">H", 0) + short_string(queue) + short_string("") + b"\x00" + field_table({}))
        self.read_method(channel, BASIC_CONSUME_OK)

    def confirm_select(self, channel):
        self.send_method(channel, CONFIRM_SELECT, b"\x00")
        self.read_method(channel, CONFIRM_SELECT_OK)

    def publish(self, channel, exchange, key, body):
        """Publishes a persistent, mandatory message on a channel in confirm mode. Returns "acked" or
        "returned" (no queue took it); raises Closed when the broker refuses it."""
        self.send_method(channel, BASIC_PUBLISH,
                         struct.pack(">H", 0) + short_string(exchange) + short_string(key) + b"\x01")
        # Content header: class 60, weight 0, body size, property flags (delivery-mode only), delivery-mode 2.
        self.send_frame(FRAME_HEADER, channel, struct.pack(">HHQHB", 60, 0, len(body), 0x1000, 2))
        self.send_frame(FRAME_BODY, channel, body)
        returned = False
        while True:
            method, _ = self.read_method(channel, BASIC_RETURN, BASIC_ACK, BASIC_NACK)
            if method == BASIC_RETURN:
                self.read_content()
                returned = True
            elif method == BASIC_NACK:
                return "nacked"
            else:
                return "returned" if returned else "acked"

    def get(self, channel, queue):
        """basic.get with automatic acknowledgement: (routing key, body), or None if the queue is empty."""
        self.send_method(channel, BASIC_GET, struct.pack(">H", 0) + short_string(queue) + b"\x01")
        method, reader = self.read_method(channel, BASIC_GET_OK, BASIC_GET_EMPTY)
        if method == BASIC_GET_EMPTY:
            return None
        reader.longlong(), reader.octet(), reader.short_string()
        key = reader.short_string()
        return key, self.read_content()


# The checks.
failures = []


def check(name, condition, detail=""):
    if condition:
        print("ok - %s" % name)
    else:
        print("FAIL - %s%s" % (name, ": " + detail if detail else ""))
        failures.append(name)


def read_env(path):
    env = {}
    with open(path) as f:
        for line in f:
            key, _, value = line.strip().partition("=")
            env[key] = value
    return env


def password(site, user):
    with open(os.path.join(site, "passwords", user), "rb") as f:
        return f.read().strip()


def refused(action):
    """Runs action; returns a description of how the broker refused it, or None if it did not."""
    try:
        action()
    except Closed as e:
        return "%s %d" % (e.scope, e.code) if e.code == ACCESS_REFUSED else "closed with %d %s" % (e.code, e.text)
    except (ssl.SSLError, ConnectionError, EOFError, socket.timeout) as e:
        return "transport: %s" % e
    return None


def tls_handshake_refused(port, ca, cert=None, key=None):
    """True if the broker will not talk AMQP over TLS to this client (with TLS 1.3 the refusal arrives after the
    client's side of the handshake, so the AMQP header is sent and the answer awaited)."""
    def attempt():
        conn = Connection.tls(port, ca, cert, key)
        try:
            conn.start()
        finally:
            conn.close_socket()
    outcome = refused(attempt)
    return outcome is not None and outcome.startswith("transport"), outcome


def external(port, site, cert_prefix, tls12=False):
    conn = Connection.tls(port, os.path.join(site, "ca.crt"), cert_prefix + ".crt", cert_prefix + ".key", tls12=tls12)
    conn.start()
    conn.login("EXTERNAL", b"")
    return conn


def plain_login(port, user, secret):
    conn = Connection.plain(port)
    conn.start()
    conn.login("PLAIN", b"\x00" + user.encode() + b"\x00" + secret)
    return conn


def refused_on_fresh_channel(conn, channel, action):
    conn.open_channel(channel)
    return refused(action)


def phase_before(env, site, rogue, token):
    amqps, amqp = int(env["MIG_BROKER_AMQPS_PORT"]), int(env["MIG_BROKER_AMQP_PORT"])
    ca = os.path.join(site, "ca.crt")
    alpha = os.path.join(site, "agents", "alpha")

    # TLS: only certificates of the site's CA, for clients.
    ok, how = tls_handshake_refused(amqps, ca)
    check("TLS refuses a client without a certificate", ok, str(how))
    ok, how = tls_handshake_refused(amqps, ca, os.path.join(rogue, "agents", "alpha.crt"),
                                    os.path.join(rogue, "agents", "alpha.key"))
    check("TLS refuses a certificate 'alpha' of another CA", ok, str(how))
    ok, how = tls_handshake_refused(amqps, ca, os.path.join(site, "broker.crt"), os.path.join(site, "broker.key"))
    check("TLS refuses the broker's own (server-only) certificate as a client's", ok, str(how))

    # EXTERNAL login: the certificate's CN is the user; TLS 1.2 (what mbedTLS 2.28 speaks) and 1.3.
    conn = Connection.tls(amqps, ca, alpha + ".crt", alpha + ".key", tls12=True)
    mechanisms = conn.start()
    check("TLS offers EXTERNAL", "EXTERNAL" in mechanisms, str(mechanisms))
    conn.login("EXTERNAL", b"")
    conn.close()
    check("alpha logs in with its certificate over TLS 1.2 (EXTERNAL)", True)
    scheduler = external(amqps, site, os.path.join(site, "scheduler"))
    check("the scheduler logs in with its certificate over TLS 1.3 (EXTERNAL)", True)
    scheduler.open_channel(1)
    scheduler.confirm_select(1)
    # Empty the scheduler's queues, whatever an earlier run left.
    while scheduler.get(1, "mig.scheduler.results"):
        pass
    while scheduler.get(1, "mig.scheduler.heartbeats"):
        pass

    # What an agent may do.
    agent = external(amqps, site, alpha, tls12=True)
    agent.open_channel(1)
    agent.basic_consume(1, "mig.agent.alpha")
    check("alpha consumes its own queue", True)
    agent.open_channel(2)
    agent.confirm_select(2)
    check("alpha publishes alpha.results", agent.publish(2, "mig.results", "alpha.results", b"result") == "acked")
    check("alpha publishes alpha.heartbeat",
          agent.publish(2, "mig.results", "alpha.heartbeat", b"heartbeat") == "acked")
    got = scheduler.get(1, "mig.scheduler.results")
    check("the scheduler gets alpha's result from mig.scheduler.results", got == ("alpha.results", b"result"),
          repr(got))
    got = scheduler.get(1, "mig.scheduler.heartbeats")
    check("the scheduler gets alpha's heartbeat from mig.scheduler.heartbeats",
          got == ("alpha.heartbeat", b"heartbeat"), repr(got))

    # What an agent taken over may not do: each refusal closes the channel (403), so each gets a fresh one.
    def publishing(channel, exchange, key):
        def action():
            agent.confirm_select(channel)
            agent.publish(channel, exchange, key, b"forged")
        return action

    cases = [
        ("alpha cannot consume beta's queue", lambda: agent.basic_consume(3, "mig.agent.beta")),
        ("alpha cannot get from beta's queue", lambda: agent.get(4, "mig.agent.beta")),
        ("alpha cannot read the scheduler's results", lambda: agent.get(5, "mig.scheduler.results")),
        ("alpha cannot publish results as beta", publishing(6, "mig.results", "beta.results")),
        ("alpha cannot publish heartbeats as beta", publishing(7, "mig.results", "beta.heartbeat")),
        ("alpha cannot publish under a longer key (alpha.beta.results)",
         publishing(8, "mig.results", "alpha.beta.results")),
        ("alpha cannot publish commands to beta (mig.agents)", publishing(9, "mig.agents", "beta")),
        ("alpha cannot publish through the default exchange", publishing(10, "", "mig.agent.beta")),
        ("alpha cannot declare a queue", lambda: agent.queue_declare(11, "mig.agent.alpha2")),
        ("alpha cannot bind its queue to mig.results",
         lambda: agent.queue_bind(12, "mig.agent.alpha", "mig.results", "#")),
        ("alpha cannot bind the scheduler's queue",
         lambda: agent.queue_bind(13, "mig.scheduler.results", "mig.agents", "beta")),
    ]
    for number, (name, action) in enumerate(cases, start=3):
        how = refused_on_fresh_channel(agent, number, action)
        check(name, how is not None and how.endswith(" 403"), "not refused" if how is None else how)
    agent.close()

    # The scheduler: declares and binds queues for new agents, sends commands.
    scheduler.open_channel(2)
    scheduler.queue_declare(2, "mig.agent.gamma")
    scheduler.queue_bind(2, "mig.agent.gamma", "mig.agents", "gamma")
    check("the scheduler declares and binds a new agent's queue", True)
    check("the scheduler sends a persistent command to alpha",
          scheduler.publish(1, "mig.agents", "alpha", token.encode()) == "acked")
    check("the scheduler sends a persistent command to gamma",
          scheduler.publish(1, "mig.agents", "gamma", token.encode()) == "acked")
    scheduler.close()

    # Plain mode: the same users with passwords.
    conn = Connection.plain(amqp)
    mechanisms = conn.start()
    conn.close_socket()
    check("plain AMQP does not offer EXTERNAL", "EXTERNAL" not in mechanisms and "PLAIN" in mechanisms,
          str(mechanisms))
    conn = plain_login(amqp, "alpha", password(site, "alpha"))
    conn.open_channel(1)
    conn.queue_declare(1, "mig.agent.alpha", passive=True)
    conn.close()
    check("alpha logs in with its password (PLAIN)", True)
    how = refused(lambda: plain_login(amqp, "alpha", password(site, "alpha") + b"x"))
    check("a bad password is refused", how == "connection 403", str(how))
    how = refused(lambda: plain_login(amqp, "nobody", password(site, "alpha")))
    check("an unknown user is refused", how == "connection 403", str(how))


def phase_after(env, site, token):
    amqps = int(env["MIG_BROKER_AMQPS_PORT"])
    agent = external(amqps, site, os.path.join(site, "agents", "alpha"))
    agent.open_channel(1)
    got = agent.get(1, "mig.agent.alpha")
    check("alpha's persistent command survived the restart", got == ("alpha", token.encode()), repr(got))
    agent.close()
    scheduler = external(amqps, site, os.path.join(site, "scheduler"))
    scheduler.open_channel(1)
    _, messages, _ = scheduler.queue_declare(1, "mig.agent.gamma", passive=True)
    check("the queue the scheduler declared survived the restart, with its message", messages == 1,
          "%d messages" % messages)
    scheduler.close()


def main(argv):
    if len(argv) == 6 and argv[1] == "before":
        phase_before(read_env(argv[2]), argv[3], argv[4], argv[5])
    elif len(argv) == 5 and argv[1] == "after":
        phase_after(read_env(argv[2]), argv[3], argv[4])
    else:
        sys.exit(__doc__)
    if failures:
        print("%d check(s) failed" % len(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
