import { createServer, connect, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";

/**
 * How the proxy treats traffic: `pass` forwards both ways; `refuse` resets every new connection;
 * `blackhole` accepts and forwards nothing either way (a partition, or a half-open peer).
 */
export type ProxyMode = "pass" | "refuse" | "blackhole";

/**
 * A TCP proxy on 127.0.0.1 that counts round trips: each time a client sends after the server
 * has answered (or first), one round trip begins. Pipelined messages sent together count once.
 * It also injects network faults (a real socket between the library and the server, no mocks).
 */
export interface CountingProxy {
  /** The database URL rewritten to go through the proxy. */
  url: string;
  /** Round trips since the last reset, over all connections. */
  roundTrips(): number;
  reset(): void;
  /** Sets how traffic is treated from now on, on open connections too. */
  setMode(mode: ProxyMode): void;
  /** Resets (RST) every open connection, both sides. */
  resetConnections(): void;
  /**
   * The next time a client sends a message whose text matches `pattern` (e.g. /commit/i), it is
   * forwarded to the server and then that connection is cut before the server's answer returns.
   * Resolves once it has happened.
   */
  cutAfter(pattern: RegExp): Promise<void>;
  /** Open client connections. */
  connections(): number;
  close(): Promise<void>;
}

export async function startCountingProxy(databaseUrl: string): Promise<CountingProxy> {
  const target = new URL(databaseUrl);
  let trips = 0;
  let mode: ProxyMode = "pass";
  let cut: { pattern: RegExp; done: () => void } | undefined;
  const pairs = new Set<{ client: Socket; upstream: Socket }>();
  const server: Server = createServer((client) => {
    if (mode === "refuse") return void client.resetAndDestroy();
    const upstream = connect(Number(target.port || 5432), target.hostname);
    const pair = { client, upstream };
    let serverSpoke = true;
    let cutting = false;
    pairs.add(pair);
    client.on("data", (chunk) => {
      if (mode === "blackhole" || cutting) return;
      if (serverSpoke) trips++;
      serverSpoke = false;
      upstream.write(chunk);
      if (cut && cut.pattern.test(chunk.toString("latin1"))) {
        const { done } = cut;
        cut = undefined;
        cutting = true;
        // The server gets the message and acts on it; its answer never reaches the client.
        setTimeout(() => (end(), done()), 100);
      }
    });
    upstream.on("data", (chunk) => {
      if (mode === "blackhole" || cutting) return;
      serverSpoke = true;
      client.write(chunk);
    });
    const end = () => {
      pairs.delete(pair);
      if (!client.destroyed) client.resetAndDestroy();
      if (!upstream.destroyed) upstream.destroy();
    };
    client.on("close", end).on("error", end);
    upstream.on("close", end).on("error", end);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = new URL(databaseUrl);
  url.hostname = "127.0.0.1";
  url.port = String((server.address() as AddressInfo).port);
  const resetConnections = () => {
    for (const { client, upstream } of [...pairs]) {
      client.resetAndDestroy();
      upstream.destroy();
    }
    pairs.clear();
  };
  return {
    url: url.toString(),
    roundTrips: () => trips,
    reset: () => {
      trips = 0;
    },
    setMode: (m) => {
      mode = m;
    },
    resetConnections,
    cutAfter: (pattern) => new Promise<void>((done) => (cut = { pattern, done })),
    connections: () => pairs.size,
    close: () =>
      new Promise((resolve) => {
        resetConnections();
        server.close(() => resolve());
      }),
  };
}
