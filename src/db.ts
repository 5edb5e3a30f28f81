import { PGlite } from "@electric-sql/pglite";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from "drizzle-orm/pg-core";
import postgres from "postgres";
import { ConnectionError, pgErrorOf } from "./errors";
import * as schema from "./schema";

/** Any Drizzle Postgres database or transaction (postgres.js, node-postgres, PGlite). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Db = PgDatabase<PgQueryResultHKT, any, any>;
/** A Drizzle Postgres transaction, as `db.transaction` and `withRls` hand it over. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Tx = PgTransaction<PgQueryResultHKT, any, any>;

export type SharedDbSchema = typeof schema;
/** The database `createDb` returns: Drizzle with the shared-db schema for `db.query`. */
export type SharedDb = PgDatabase<PgQueryResultHKT, SharedDbSchema>;

export interface CreateDbOptions {
  /**
   * `postgres://` / `postgresql://` for a server (postgres.js), `pglite:./path` for an embedded
   * database on disk, `pglite:memory` for one in memory.
   * @default process.env.DATABASE_URL, else an in-memory PGlite database
   */
  url?: string;
  /** Pool size (server only). @default 10 */
  max?: number;
  /**
   * Named prepared statements (server only). Turn off behind a transaction pooler
   * (PgBouncer < 1.21 in transaction mode, Supavisor).
   * @default true
   */
  prepare?: boolean;
  /** TLS options passed to postgres.js (server only), e.g. `"require"`. */
  ssl?: postgres.Options<Record<string, never>>["ssl"];
  /** Seconds to wait for a connection (server only). @default 10 */
  connectTimeout?: number;
  /** Check the connection before returning, so a bad URL fails here. @default true */
  verify?: boolean;
}

export interface DbHandle {
  db: SharedDb;
  /** "postgres" for a server, "pglite" for the embedded database. */
  driver: "postgres" | "pglite";
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
  const url = options.url ?? process.env.DATABASE_URL ?? "pglite:memory";
  const handle = url.startsWith("pglite:") ? await openPglite(url) : openServer(url, options);
  if (options.verify ?? true) {
    try {
      await handle.db.execute("select 1");
    } catch (e) {
      await handle.close().catch(() => {});
      throw connectionError(url, e);
    }
  }
  return handle;
}

async function openPglite(url: string): Promise<DbHandle> {
  const path = url.slice("pglite:".length);
  const client = path === "" || path === "memory" ? new PGlite() : new PGlite(path);
  await client.waitReady;
  return { db: drizzlePglite(client, { schema }), driver: "pglite", close: () => client.close() };
}

function openServer(url: string, options: CreateDbOptions): DbHandle {
  parseServerUrl(url);
  const client = postgres(url, {
    max: options.max ?? 10,
    prepare: options.prepare ?? true,
    ssl: options.ssl,
    connect_timeout: options.connectTimeout ?? 10,
    onnotice: () => {},
    connection: { application_name: "shared-db" },
  });
  return {
    db: drizzlePostgres(client, { schema }),
    driver: "postgres",
    close: () => client.end({ timeout: 5 }),
  };
}

function parseServerUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConnectionError("Invalid database URL: expected postgres://user@host:port/database or pglite:./path");
  }
  if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:") {
    throw new ConnectionError(
      `Invalid database URL: unsupported scheme "${parsed.protocol}" (use postgres://, postgresql:// or pglite:)`,
    );
  }
  if (!parsed.hostname) throw new ConnectionError("Invalid database URL: no host");
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
    code === "ECONNREFUSED" ? "connection refused"
    : code === "ENOTFOUND" || code === "EAI_AGAIN" ? "host not found"
    : code === "CONNECT_TIMEOUT" || code === "ETIMEDOUT" ? "connection timed out"
    : code === "28P01" || code === "28000" ? `authentication failed for user "${decodeURIComponent(u.username)}"`
    : code === "3D000" ? "database does not exist"
    : (pg?.message ?? ((e as { cause?: Error }).cause ?? (e as Error)).message);
  return new ConnectionError(`Cannot connect to PostgreSQL at ${where}: ${reason}`, { cause: e });
}

/** The rows of a `db.execute` result, whichever driver produced it. */
export function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}
