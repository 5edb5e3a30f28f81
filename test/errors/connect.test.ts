import { createServer as createHttpServer } from "node:http";
import { createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ConnectionError, createDb } from "../../src";
import { buildCli } from "../support/cli";

/** A listener on 127.0.0.1 that counts the connections made to it. */
async function listen(server: Server): Promise<{ url: (query?: string) => string; connections: () => number }> {
  let n = 0;
  const sockets = new Set<Socket>();
  server.on("connection", (s: Socket) => {
    n++;
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  opened.push(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  });
  return { url: (query = "") => `postgres://app:s3cret-pw@127.0.0.1:${port}/app${query}`, connections: () => n };
}

const opened: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((f) => f()));
});

/** A few connections at most: the probe, one driver attempt, no reconnect loop. */
const HANDFUL = 3;

async function refused(url: string, options: Parameters<typeof createDb>[0] = {}) {
  const e = await createDb({ url, connectTimeout: 2, ...options }).catch((x: unknown) => x);
  expect(e).toBeInstanceOf(ConnectionError);
  expect((e as ConnectionError).code).toBe("connection");
  expect((e as Error).message).not.toContain("s3cret");
  expect(JSON.stringify(e, Object.getOwnPropertyNames(e))).not.toContain("s3cret");
  return e as ConnectionError;
}

describe("createDb always settles with one ConnectionError", () => {
  it("refuses an HTTP server on the port, without a reconnect storm", async () => {
    const server = await listen(createHttpServer((_, res) => res.end("hello")));
    const e = await refused(server.url());
    expect(e.message).toMatch(/^Cannot connect to PostgreSQL at 127\.0\.0\.1:\d+\/app: the listener is not a PostgreSQL server/);
    // Give a storm, if any, time to show in the count.
    await new Promise((r) => setTimeout(r, 300));
    expect(server.connections()).toBeGreaterThan(0);
    expect(server.connections()).toBeLessThanOrEqual(HANDFUL);
  });

  it("gives up on a silent port at the deadline", async () => {
    const server = await listen(createServer(() => {}));
    const e = await refused(server.url(), { connectTimeout: 1 });
    expect(e.message).toMatch(/no answer within 1 s|connection timed out/);
    expect(server.connections()).toBeLessThanOrEqual(HANDFUL);
  });

  it("refuses a listener that closes every connection before answering", async () => {
    const server = await listen(createServer((s) => s.destroy()));
    const e = await refused(server.url());
    expect(e.message).toMatch(/closed the connection without answering/);
    expect(server.connections()).toBeLessThanOrEqual(HANDFUL);
  });

  it("refuses a server without TLS when TLS is required (ssl option and sslmode)", async () => {
    // Answers the SSLRequest with 'N' (no TLS) as a PostgreSQL server without ssl does, then waits.
    const server = await listen(createServer((s) => s.once("data", () => s.write("N"))));
    for (const e of [await refused(server.url(), { ssl: "require" }), await refused(server.url("?sslmode=require"))]) {
      expect(e.message).toMatch(/the server does not accept TLS connections \(ssl: require\)/);
    }
    expect(server.connections()).toBeLessThanOrEqual(2);
  });

  it("refuses a listener that agrees to TLS and then does not speak it", async () => {
    // Says 'S' (TLS yes), then answers the TLS handshake with plain text.
    const server = await listen(
      createServer((s) => s.once("data", () => (s.write("S"), s.once("data", () => s.end("HTTP/1.1 400 Bad Request\r\n\r\n"))))),
    );
    await refused(server.url(), { ssl: "require" });
    await new Promise((r) => setTimeout(r, 300));
    expect(server.connections()).toBeLessThanOrEqual(HANDFUL);
  });

  it("`shared-db verify` settles too, exit 1 with one line", async () => {
    const run = await buildCli();
    const server = await listen(createHttpServer((_, res) => res.end("hello")));
    const r = await run(["verify", "--url", server.url()]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/^shared-db: Cannot connect to PostgreSQL at 127\.0\.0\.1:\d+\/app: the listener is not a PostgreSQL server/);
    expect(r.stderr + r.stdout).not.toContain("s3cret");
    expect(server.connections()).toBeLessThanOrEqual(HANDFUL);
  }, 60_000);
});
