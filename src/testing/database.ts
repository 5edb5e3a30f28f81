import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { createDb, type DbHandle } from "../db";
import { migrate } from "../migrate";

export interface TestDatabase extends DbHandle {
  /** "server" when DATABASE_URL (or `url`) named a server, else "pglite". */
  kind: "server" | "pglite";
  /** The URL of the fresh database on the server itself (server only), also when `db` is pooled. */
  url?: string;
}

export interface CreateTestDatabaseOptions {
  /**
   * Server to create the database on; it needs CREATEDB and CREATEROLE (a superuser is fine).
   * @default process.env.DATABASE_URL, else embedded PGlite
   */
  url?: string;
  /** Apply shared-db's migrations. @default true */
  migrate?: boolean;
  /**
   * On a server, create the database for a fresh LOGIN role that is NOSUPERUSER NOBYPASSRLS
   * CREATEROLE and connect as it, as on managed Postgres, so RLS is tested for real.
   * @default true
   */
  isolatedRole?: boolean;
  /**
   * A transaction pooler in front of the server (PgBouncer, Supavisor): `db` connects through it,
   * with `pooler: "transaction"`, to the fresh database as its role, so a suite can prove it works
   * pooled; creating and dropping the database stays on the server.
   * @default process.env.DATABASE_POOLER_URL
   * @example
   * await createTestDatabase({ url: "postgres://postgres@127.0.0.1:5432/postgres", poolerUrl: "postgres://127.0.0.1:6432/" });
   */
  poolerUrl?: string;
}

/**
 * A fresh, migrated database for one test file: in-memory PGlite, or a new database on the
 * server named by DATABASE_URL that `close()` drops.
 *
 * @example
 * let t: TestDatabase;
 * beforeAll(async () => { t = await createTestDatabase(); });
 * afterAll(() => t.close());
 */
export async function createTestDatabase(options: CreateTestDatabaseOptions = {}): Promise<TestDatabase> {
  const serverUrl = options.url ?? process.env.DATABASE_URL;
  if (!serverUrl || serverUrl.startsWith("pglite:")) {
    const handle = await createDb({ url: serverUrl ?? "pglite:memory" });
    if (options.migrate ?? true) await migrate(handle.db);
    return { ...handle, kind: "pglite" };
  }
  const name = `sdb_test_${randomBytes(6).toString("hex")}`;
  // A password too, so servers that do not trust local connections (containers, CI services) work.
  const password = randomBytes(16).toString("hex");
  const isolated = options.isolatedRole ?? true;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    if (isolated) await admin.unsafe(`create role ${name} login nosuperuser nobypassrls createrole password '${password}'`);
    await admin.unsafe(`create database ${name}${isolated ? ` owner ${name}` : ""}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  if (isolated) {
    url.username = name;
    url.password = password;
  }
  const poolerUrl = options.poolerUrl ?? process.env.DATABASE_POOLER_URL;
  const handle = await createDb(poolerUrl ? { url: onHostOf(url.toString(), poolerUrl), pooler: "transaction" } : { url: url.toString() });
  if (options.migrate ?? true) await migrate(handle.db);
  return {
    ...handle,
    kind: "server",
    url: url.toString(),
    async close() {
      await handle.close();
      const cleanup = postgres(serverUrl, { max: 1, onnotice: () => {} });
      try {
        await cleanup.unsafe(`drop database if exists ${name} with (force)`);
        if (isolated) await cleanup.unsafe(`drop role if exists ${name}`);
      } finally {
        await cleanup.end();
      }
    },
  };
}

/** `url` with the host and port of `hostUrl` (a pooler, a standby): same database, role and password. */
export function onHostOf(url: string, hostUrl: string): string {
  const moved = new URL(url);
  moved.host = new URL(hostUrl).host;
  return moved.toString();
}
