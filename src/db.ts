import { PGlite } from "@electric-sql/pglite";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import type { ExtractTablesWithRelations } from "drizzle-orm";
import { withReplicas, type PgDatabase, type PgQueryResultHKT, type PgTransaction } from "drizzle-orm/pg-core";
import postgres from "postgres";
import { ConnectionError, pgErrorOf } from "./errors";
import { guardPostgresJs, watchedSocket } from "./postgres-guard";
import { probePostgres } from "./server-probe";
import * as schema from "./schema";

export type SharedDbSchema = typeof schema;

/**
 * A Drizzle Postgres database or transaction (postgres.js, node-postgres, PGlite) opened with the
 * shared-db schema, so `db.query.<table>` and its relations type-check. `createDb` returns one;
 * with your own driver: `drizzle(client, { schema })`, schema from `shared-db/schema`. `Db<typeof
 * mySchema>` for a handle opened with your app's tables merged in (`{ ...sharedSchema, ...mine }`):
 * `withRls` hands its `fn` a `Tx` of the same schema, accepted by every shared-db function.
 */
export type Db<TSchema extends Record<string, unknown> = SharedDbSchema> = PgDatabase<PgQueryResultHKT, TSchema, ExtractTablesWithRelations<TSchema>>;
/**
 * A Drizzle Postgres transaction with the shared-db schema, as `db.transaction` and `withRls` hand
 * it over; `Tx<typeof mySchema>` for a handle opened with the app's schema merged with shared-db's.
 */
export type Tx<TSchema extends Record<string, unknown> = SharedDbSchema> = PgTransaction<
  PgQueryResultHKT,
  TSchema,
  ExtractTablesWithRelations<TSchema>
>;
/** The database `createDb` returns (the same type as `Db`). */
export type SharedDb = Db;

export interface CreateDbOptions {
  /**
   * `postgres://` / `postgresql://` for a server (postgres.js), `pglite:./path` for an embedded
   * database on disk, `pglite:memory` for one in memory.
   * @default process.env.DATABASE_URL, else an in-memory PGlite database (with a notice on
   * stderr; refused with a ConnectionError under NODE_ENV=production)
   */
  url?: string;
  /** Pool size (server only). @default 10 */
  max?: number;
  /**
   * Streaming read replicas (server only, `postgres://` URLs). Reads outside a transaction
   * (`db.select`, `db.query`, `db.$count`) go to one of them at random; writes, `db.execute` and
   * every transaction (so `withRls`) go to the primary, as do shared-db's own reads that follow
   * a write (the Slack stores, permission checks). Read a write you just made through
   * `primaryOf(db)`: a replica may not have replayed it yet.
   * @default []
   * @example
   * const { db } = await createDb({ url: PRIMARY_URL, replicaUrls: [REPLICA_URL] });
   */
  replicaUrls?: string[];
  /**
   * Set to "transaction" behind a transaction pooler (PgBouncer in transaction mode, Supavisor,
   * RDS Proxy): named prepared statements go off, since the next transaction may run on another
   * server connection. shared-db keeps nothing else per session (withRls settings are
   * transaction-local); LISTEN needs a direct connection (`listenUrl` of the installation cache).
   * @default "none"
   */
  pooler?: "transaction" | "none";
  /**
   * Named prepared statements (server only). PgBouncer >= 1.21 with `max_prepared_statements`
   * keeps them in transaction mode: pass `pooler: "transaction", prepare: true` there.
   * @default false with `pooler: "transaction"`, else true
   */
  prepare?: boolean;
  /** TLS options passed to postgres.js (server only), e.g. `"require"`. */
  ssl?: postgres.Options<Record<string, never>>["ssl"];
  /** Seconds to wait for a connection (server only). @default 10 */
  connectTimeout?: number;
  /** Check the connection before returning, so a bad URL fails here. @default true */
  verify?: boolean;
  /**
   * Seconds a call may wait for the server (server only): waiting for a pooled connection, then
   * silence while an answer is owed. When it passes the call rejects with QueryTimeoutError (a
   * ConnectionError) and its connection is closed, so a blackholed or half-open connection
   * cannot hang callers or stay in the pool. 0 turns it off. Raise it for statements that run
   * longer (a large migration).
   * @default 30
   */
  queryTimeout?: number;
}

export interface DbHandle {
  db: SharedDb;
  /** "postgres" for a server, "pglite" for the embedded database. */
  driver: "postgres" | "pglite";
  /** Closes every connection (the primary's and the replicas'). */
  close(): Promise<void>;
}

/**
 * Opens a database: a PostgreSQL server through postgres.js, or embedded PGlite.
 *
 * @example
 * const { db, close } = await createDb({ url: process.env.DATABASE_URL });
 * await migrate(db);
 */
export async function createDb(options: CreateDbOptions = {}): Promise<DbHandle> {
  const url = options.url ?? (process.env.DATABASE_URL || defaultUrl());
  const replicaUrls = options.replicaUrls ?? [];
  const urls = [url, ...replicaUrls];
  let handles: DbHandle[];
  if (url.startsWith("pglite:")) {
    if (replicaUrls.length) throw new ConnectionError("replicaUrls: read replicas need a postgres:// primary, not embedded PGlite");
    handles = [await openPglite(url)];
  } else {
    urls.forEach((u, i) => parseServerUrl(u, i === 0 ? "url" : `replicaUrls[${i - 1}]`));
    handles = urls.map((u) => openServer(u, options));
  }
  const close = async () => void (await Promise.all(handles.map((h) => h.close())));
  if (options.verify ?? true) {
    // Each connection, primary first, so a bad URL fails here and the error names its host.
    // A deadline on each, so a listener that is not PostgreSQL or never answers cannot hang createDb.
    const seconds = options.connectTimeout ?? 10;
    for (const [i, h] of handles.entries()) {
      let timer: NodeJS.Timeout | undefined;
      try {
        if (h.driver === "postgres") await probe(urls[i]!, options.ssl, seconds);
        const deadline = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(Object.assign(new Error("deadline"), { code: "CONNECT_TIMEOUT" })), seconds * 1000);
        });
        await Promise.race([h.db.execute("select 1"), deadline]);
      } catch (e) {
        // Not awaited: a connection stuck in its handshake would hold the error back for end()'s grace period.
        void close().catch(() => {});
        throw e instanceof ConnectionError ? e : connectionError(urls[i]!, e);
      } finally {
        clearTimeout(timer);
      }
    }
  }
  const [primary, ...replicas] = handles as [DbHandle, ...DbHandle[]];
  if (!replicas.length) return primary;
  return { db: withReplicas(primary.db, replicas.map((r) => r.db) as [SharedDb, ...SharedDb[]]), driver: "postgres", close };
}

let notifiedDefault = false;

/**
 * No URL anywhere: in-memory PGlite is right for a demo, a test or local work, and wrong in
 * production, where the data would vanish on restart. Say so once; refuse in production.
 */
function defaultUrl(): string {
  if (process.env.NODE_ENV === "production") {
    throw new ConnectionError(
      "No database URL: NODE_ENV is production and neither options.url nor DATABASE_URL is set. " +
        'Set DATABASE_URL (postgres://...), or pass url: "pglite:memory" or "pglite:./path" to mean an embedded database.',
    );
  }
  if (!notifiedDefault) {
    notifiedDefault = true;
    process.stderr.write(
      "shared-db: no options.url and no DATABASE_URL: using an in-memory PGlite database (its data is lost on exit). " +
        'Set DATABASE_URL, or pass url: "pglite:memory" to silence this.\n',
    );
  }
  return "pglite:memory";
}

/**
 * The primary behind a `createDb({ replicaUrls })` database; the database itself otherwise, and
 * a transaction as it is. Read through it when the read must see a write just made.
 *
 * @example
 * await updateProfile(db, { id, name });
 * const fresh = await getUserById(primaryOf(db), { id });
 */
export function primaryOf<T extends Db>(db: T): T {
  return (db as T & { $primary?: T }).$primary ?? db;
}

async function openPglite(url: string): Promise<DbHandle> {
  const path = url.slice("pglite:".length);
  const client = path === "" || path === "memory" ? new PGlite() : new PGlite(path);
  await client.waitReady;
  return { db: drizzlePglite(client, { schema }), driver: "pglite", close: () => client.close() };
}

/** TCP keepalive probes start after this many idle seconds. */
const KEEPALIVE_SECONDS = 30;

function openServer(url: string, options: CreateDbOptions): DbHandle {
  const timeoutMs = (options.queryTimeout ?? 30) * 1000;
  const u = new URL(url);
  // Plain TCP to one host: our own socket, with the watchdog. TLS, several hosts or a socket path: the driver's.
  const plain = !options.ssl && [null, "disable"].includes(u.searchParams.get("sslmode")) && !u.hostname.includes(",") && !u.searchParams.has("host");
  const client = postgres(url, {
    max: options.max ?? 10,
    prepare: options.prepare ?? options.pooler !== "transaction",
    ssl: options.ssl,
    connect_timeout: options.connectTimeout ?? 10,
    keep_alive: KEEPALIVE_SECONDS,
    // postgres.js waits up to 20 s between reconnects after repeated failures, far past an
    // outage's end: retry within a quarter of a second, so the pool heals once the server answers.
    backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 0.25),
    ...(plain ? { socket: watchedSocket(timeoutMs, KEEPALIVE_SECONDS) } : {}),
    onnotice: () => {},
    connection: { application_name: "shared-db" },
  });
  return {
    // See src/postgres-guard.ts: postgres.js's own transactions can crash the process on a lost connection.
    db: drizzlePostgres(guardPostgresJs(client, timeoutMs), { schema }),
    driver: "postgres",
    close: () => client.end({ timeout: 5 }),
  };
}

function parseServerUrl(url: string, field: string): void {
  // `url` keeps the message users already match on; a replica's names which one.
  const what = field === "url" ? "Invalid database URL" : `Invalid database URL in ${field}`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConnectionError(`${what}: expected postgres://user@host:port/database or pglite:./path`);
  }
  if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:") {
    throw new ConnectionError(`${what}: unsupported scheme "${parsed.protocol}" (use postgres://, postgresql:// or pglite:)`);
  }
  if (!parsed.hostname) throw new ConnectionError(`${what}: no host`);
  // The driver decodes these and would throw a raw URIError; the message never echoes them.
  for (const [part, value] of [
    ["user name", parsed.username],
    ["password", parsed.password],
    ["database name", parsed.pathname],
  ] as const) {
    try {
      decodeURIComponent(value);
    } catch {
      throw new ConnectionError(`${what}: the ${part} has a "%" that is not percent-encoding (write a literal % as %25)`);
    }
  }
}

/**
 * One TCP connection that asks for PostgreSQL's SSL answer before the pool opens any: refuses a
 * listener that is not PostgreSQL (the driver would reconnect to it in a tight loop) and a server
 * without TLS when TLS is required. URLs with several hosts or a socket path are left to the driver.
 */
async function probe(url: string, ssl: CreateDbOptions["ssl"], seconds: number): Promise<void> {
  const u = new URL(url);
  if (u.hostname.includes(",") || u.searchParams.has("host") || !u.hostname) return;
  const result = await probePostgres(u.hostname.replace(/^\[|\]$/g, ""), Number(u.port || 5432), seconds * 1000);
  if (!result.ok) {
    const known = ["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT"].includes(result.reason);
    throw connectionError(url, known ? { code: result.reason } : { message: result.reason });
  }
  const mode = u.searchParams.get("sslmode") ?? (typeof ssl === "string" ? ssl : ssl ? "require" : undefined);
  if (!result.tls && mode && !["disable", "allow", "prefer"].includes(mode)) {
    throw connectionError(url, { message: `the server does not accept TLS connections (ssl: ${mode})` });
  }
}

/** Turns a driver failure at connect time into one line that names the host, never the password. */
function connectionError(url: string, e: unknown): ConnectionError {
  if (url.startsWith("pglite:")) {
    return new ConnectionError(`Cannot open embedded database ${url}: ${(e as Error).message}`, { cause: e });
  }
  const u = new URL(url);
  const where = `${u.hostname}:${u.port || 5432}${u.pathname}`;
  const pg = pgErrorOf(e);
  const code = pg?.code ?? ((e as { cause?: { code?: string } }).cause?.code || (e as { code?: string }).code);
  const reason =
    code === "ECONNREFUSED"
      ? "connection refused"
      : code === "ENOTFOUND" || code === "EAI_AGAIN"
        ? "host not found"
        : code === "CONNECT_TIMEOUT" || code === "ETIMEDOUT"
          ? "connection timed out"
          : code === "28000" && /no encryption/.test(pg?.message ?? "")
            ? 'the server requires TLS: pass ssl: "require" or ?sslmode=require'
            : code === "28P01" || code === "28000"
              ? `authentication failed for user "${decodeURIComponent(u.username)}"`
              : code === "3D000"
                ? "database does not exist"
                : (pg?.message ?? ((e as { cause?: Error }).cause ?? (e as Error)).message);
  return new ConnectionError(`Cannot connect to PostgreSQL at ${where}: ${reason}`, { cause: e });
}

/** The rows of a `db.execute` result, whichever driver produced it. */
export function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}
