import { connect, type Socket } from "node:net";
import type postgres from "postgres";
import { type ConnectionOutcome, lostConnectionError, lostConnectionOf, QueryTimeoutError } from "./errors";

/*
 * postgres.js 3.4.9 crashes its host when a connection closes under a transaction: `sql.begin`
 * sends its ROLLBACK on the closed connection, whose write runs in a setImmediate on a socket set
 * to null and throws where no caller can catch it. The same happens to any statement sent on a
 * reserved connection after it closed (and, had the pool reconnected it meanwhile, the statement
 * would run outside the transaction). The guard below keeps postgres.js, unpatched, off that path:
 * transactions run on `sql.reserve()`, and once their connection is known lost (its close, a
 * connection-class error, the deadline) nothing more is sent on it and it is not handed back.
 * It also bounds every call by a deadline.
 */

type Sql = postgres.Sql<Record<string, never>>;
type Query = postgres.PendingQuery<postgres.Row[]>;

/** postgres.js's connection object as its `onexecute` query option hands it over (what sql.begin uses). */
interface DriverConnection {
  onclose?: ((e: unknown) => void) | null;
  terminate(): void;
}

const timeoutCause = (ms: number) => Object.assign(new Error(`no answer within ${ms} ms`), { code: "QUERY_TIMEOUT", timeoutMs: ms });

/**
 * A thenable over a postgres.js query that rejects with QueryTimeoutError once `ms` pass, keeping
 * `.values()` (Drizzle calls it before awaiting). `onError` sees the driver's error first.
 * A query the driver failed before sending it (it never reached a connection: refused, or the
 * stale error postgres.js keeps from a connection killed by the server and hands to the first
 * query after it reconnects) is sent once more, within the same deadline.
 */
function withDeadline(make: () => Query, ms: number, outcome: () => ConnectionOutcome, onError?: (e: unknown) => void) {
  let run: Promise<unknown> | undefined;
  let raw = false;
  const attempt = (retry: boolean): Promise<unknown> => {
    const query = make();
    if (raw) query.values();
    return query.then(undefined, (e: unknown) => {
      const neverSent = (query as { state?: unknown }).state == null;
      if (retry && neverSent && lostConnectionOf(e)) return attempt(false);
      throw e;
    });
  };
  const start = () =>
    (run ??= new Promise((resolve, reject) => {
      const timer =
        ms > 0
          ? setTimeout(() => {
              const cause = timeoutCause(ms);
              onError?.(cause);
              reject(new QueryTimeoutError(ms, { outcome: outcome(), cause }));
            }, ms)
          : undefined;
      attempt(true).then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (e: unknown) => {
          clearTimeout(timer);
          onError?.(e);
          reject(e);
        },
      );
    }));
  const thenable = {
    values() {
      raw = true;
      return thenable;
    },
    then: (ok?: (v: unknown) => unknown, ko?: (e: unknown) => unknown) => start().then(ok, ko),
    catch: (ko: (e: unknown) => unknown) => start().catch(ko),
    finally: (f: () => void) => start().finally(f),
  };
  return thenable;
}

/** A query refused before reaching the driver; it rejects only once awaited, as a query would. */
const refused = (error: unknown) => {
  const thenable = {
    values: () => thenable,
    then: (ok?: (v: unknown) => unknown, ko?: (e: unknown) => unknown) => Promise.reject(error).then(ok, ko),
    catch: (ko: (e: unknown) => unknown) => Promise.reject(error).catch(ko),
    finally: (f: () => void) => Promise.reject(error).finally(f),
  };
  return thenable;
};

/**
 * Wraps a postgres.js client for Drizzle: every statement has a deadline of `timeoutMs` (0: none)
 * and `begin` is the lost-connection-safe transaction below.
 */
export function guardPostgresJs(sql: Sql, timeoutMs: number): Sql {
  return new Proxy(sql, {
    get(target, prop, receiver) {
      if (prop === "begin") {
        return (a: string | ((tx: unknown) => unknown), b?: (tx: unknown) => unknown) =>
          typeof a === "function" ? begin(target, "", a, timeoutMs) : begin(target, a, b!, timeoutMs);
      }
      if (prop === "unsafe") {
        return (text: string, params?: postgres.ParameterOrJSON<never>[], options?: postgres.UnsafeQueryOptions) =>
          withDeadline(
            () => target.unsafe(text, params, options),
            timeoutMs,
            () => "unknown",
          );
      }
      return Reflect.get(target, prop, receiver);
    },
  });
}

/**
 * `sql.begin` on a reserved connection. Once the connection is lost (closed, a connection-class
 * error, the deadline), every later statement of the transaction is refused with a
 * ConnectionError (`not-committed`) before reaching the driver, no ROLLBACK is sent, and the
 * connection is not released (the pool reconnects it). A loss during COMMIT is `unknown`.
 */
async function begin(sql: Sql, options: string, fn: (tx: unknown) => unknown, ms: number): Promise<unknown> {
  // Reserving sends nothing: one more try when the driver fails it for a lost connection (see withDeadline).
  const reserving = sql.reserve().catch((e: unknown) => (lostConnectionOf(e) ? sql.reserve() : Promise.reject(e)));
  const reserved = await bounded(
    reserving,
    ms,
    () =>
      void reserving.then(
        (r) => r.release(),
        () => {},
      ),
  ).catch((e: unknown) => {
    throw lostConnectionOf(e) ? lostConnectionError(e, "not-committed") : e;
  });
  let connection: DriverConnection | undefined;
  let lost: unknown;
  let closed = false;
  let savepoints = 0;
  const markLost = (e: unknown) => {
    lost ??= e;
  };
  const onError = (e: unknown) => {
    if (lostConnectionOf(e)) markLost(e);
  };
  const run = (text: string, params: postgres.ParameterOrJSON<never>[] = [], opts?: postgres.UnsafeQueryOptions) =>
    lost
      ? refused(lostConnectionError(lost, "not-committed"))
      : withDeadline(
          () => reserved.unsafe(text, params, opts),
          ms,
          () => "not-committed",
          onError,
        );
  const savepoint = async (a: unknown, b?: unknown) => {
    const body = (typeof a === "function" ? a : b) as (tx: unknown) => unknown;
    const name = `s${savepoints++}`;
    await run(`savepoint ${name}`);
    try {
      const result = await body(handle);
      await run(`release savepoint ${name}`);
      return result;
    } catch (e) {
      if (!lost) await run(`rollback to savepoint ${name}`);
      throw e;
    }
  };
  const handle = new Proxy(reserved, {
    get(target, prop, receiver) {
      if (prop === "unsafe") return run;
      if (prop === "savepoint") return savepoint;
      return Reflect.get(target, prop, receiver);
    },
    apply(target, self, args) {
      return lost ? refused(lostConnectionError(lost, "not-committed")) : Reflect.apply(target, self, args);
    },
  });
  const finish = () => {
    if (connection) connection.onclose = null;
    if (!lost) return reserved.release();
    // Lost but not closed (the deadline): close it, so the pool opens a fresh one.
    if (!closed) connection?.terminate();
  };
  const onexecute = (c: DriverConnection) => {
    connection = c;
    c.onclose = (e) => {
      closed = true;
      markLost(e ?? new Error("connection closed"));
    };
    return true;
  };
  const loss = (e: unknown, outcome: ConnectionOutcome) => (lostConnectionOf(e) ? lostConnectionError(e, outcome) : e);
  try {
    await run(`begin ${options.replace(/[^a-z ]/gi, "")}`, [], { onexecute } as postgres.UnsafeQueryOptions);
  } catch (e) {
    markLost(e);
    finish();
    throw loss(e, "not-committed");
  }
  let result: unknown;
  try {
    result = await fn(handle);
  } catch (e) {
    if (!lost) await run("rollback").catch(markLost);
    finish();
    throw loss(e, "not-committed");
  }
  const sentCommit = !lost;
  try {
    await run("commit");
  } catch (e) {
    finish();
    throw loss(e, sentCommit ? "unknown" : "not-committed");
  }
  finish();
  return result;
}

/** `p` or QueryTimeoutError after `ms`; `abandon` cleans up what `p` yields later. */
function bounded<T>(p: Promise<T>, ms: number, abandon: () => void): Promise<T> {
  if (ms <= 0) return p;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      abandon();
      reject(new QueryTimeoutError(ms, { outcome: "not-committed", cause: timeoutCause(ms) }));
    }, ms);
    p.then(
      (v) => (clearTimeout(timer), resolve(v)),
      (e: unknown) => (clearTimeout(timer), reject(e)),
    );
  });
}

/**
 * postgres.js's `socket` option for a plain TCP connection: keepalive on, and a watchdog that
 * closes the socket when the server has owed an answer (a ReadyForQuery per Sync or simple
 * Query sent) and sent nothing for `timeoutMs`, so a blackholed connection leaves the pool.
 */
export function watchedSocket(timeoutMs: number, keepAliveSeconds: number) {
  return (options: { host: string[]; port: number[] }): Socket => {
    const [host, port] = [options.host[0]!, options.port[0]!];
    const socket = connect({ host, port, keepAlive: true, keepAliveInitialDelay: keepAliveSeconds * 1000, noDelay: true });
    Object.assign(socket, { host, port });
    if (timeoutMs > 0) watch(socket, timeoutMs);
    return socket;
  };
}

function watch(socket: Socket, ms: number): void {
  let owed = 0;
  let started = false;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = owed > 0 ? setTimeout(() => socket.destroy(timeoutCause(ms)), ms) : undefined;
  };
  const write = socket.write.bind(socket) as (chunk: Uint8Array, ...rest: unknown[]) => boolean;
  socket.write = ((chunk: Uint8Array, ...rest: unknown[]) => {
    const buf = Buffer.from(chunk);
    if (!started) {
      // The startup (or cancel) message has no type byte; the server answers with a ReadyForQuery.
      started = true;
      owed++;
    } else {
      for (let i = 0; i + 5 <= buf.length; i += 1 + buf.readInt32BE(i + 1)) if (buf[i] === 0x53 || buf[i] === 0x51) owed++;
    }
    if (!timer) arm();
    return write(chunk, ...rest);
  }) as Socket["write"];
  // Server messages may split across chunks: `skip` bytes of the current message remain, `head` holds a partial header.
  let skip = 0;
  let head: Buffer = Buffer.alloc(0);
  socket.prependListener("data", (data: Buffer) => {
    const buf: Buffer = head.length ? Buffer.concat([head, data]) : data;
    head = Buffer.alloc(0);
    let i = Math.min(skip, buf.length);
    skip -= i;
    while (i < buf.length) {
      if (buf.length - i < 5) {
        head = buf.subarray(i);
        break;
      }
      if (buf[i] === 0x5a) owed = Math.max(0, owed - 1);
      const next = i + 1 + buf.readInt32BE(i + 1);
      if (next > buf.length) skip = next - buf.length;
      i = Math.min(next, buf.length);
    }
    arm();
  });
  socket.once("close", () => clearTimeout(timer));
}
