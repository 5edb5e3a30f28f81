import { connect } from "node:net";

/** What a single TCP connection learned about the listener at a database URL's host and port. */
export type ProbeResult = { ok: true; tls: boolean } | { ok: false; reason: string };

/** PostgreSQL's SSLRequest: length 8, code 80877103. Every PostgreSQL server and pooler answers it with one byte. */
const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);

/**
 * Asks the listener whether it speaks PostgreSQL, on one connection, before the pool opens any:
 * a PostgreSQL server answers an SSLRequest with exactly `S` or `N`. Anything else (an HTTP
 * server's `HTTP/1.1 400`, a closed connection, silence until the deadline) would make the
 * driver reconnect in a loop, so it is refused here.
 */
export function probePostgres(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let settled = false;
    const done = (result: ProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done({ ok: false, reason: `no answer within ${timeoutMs / 1000} s` }), timeoutMs);
    socket.once("connect", () => socket.write(SSL_REQUEST));
    socket.once("data", (chunk) => {
      const first = chunk[0];
      if (chunk.length === 1 && (first === 0x53 || first === 0x4e)) done({ ok: true, tls: first === 0x53 });
      // 'E': a server too old for SSLRequest sends an error; let the driver report it.
      else if (first === 0x45) done({ ok: true, tls: false });
      else done({ ok: false, reason: "the listener is not a PostgreSQL server (it answered something else)" });
    });
    socket.once("error", (e: NodeJS.ErrnoException) => done({ ok: false, reason: e.code ?? e.message }));
    socket.once("close", () => done({ ok: false, reason: "the listener closed the connection without answering" }));
  });
}
