import { execFile } from "node:child_process";
import { promisify } from "node:util";
import postgres from "postgres";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createDb, migrate } from "../../src";
import { rowsOf } from "../../src/db";
import { readMigrations } from "../../src/migrate";
import { createTestDatabase } from "../../src/testing";
import { onServer, serverOnly, useTestDb } from "../support/db";

const t = useTestDb();

/** Everything a migration creates, read from the catalog, so two databases can be compared. */
async function catalog(db: typeof t.db) {
  const q = (text: string) => db.execute(sql.raw(text)).then((r) => rowsOf<Record<string, unknown>>(r));
  return {
    columns: await q(`select table_name, column_name, data_type, is_nullable, column_default from information_schema.columns
      where table_schema = 'shared_db' order by 1, 2`),
    indexes: await q(`select tablename, indexname, indexdef from pg_indexes where schemaname = 'shared_db' order by 1, 2`),
    constraints: await q(`select conrelid::regclass::text as t, conname, pg_get_constraintdef(oid) as def from pg_constraint
      where connamespace = 'shared_db'::regnamespace order by 1, 2`),
    policies: await q(`select tablename, policyname, cmd, roles::text, qual, with_check from pg_policies
      where schemaname = 'shared_db' order by 1, 2`),
    rls: await q(`select relname, relrowsecurity, relforcerowsecurity from pg_class
      where relnamespace = 'shared_db'::regnamespace and relkind = 'r' order by 1`),
    functions: await q(`select proname from pg_proc where pronamespace = 'shared_db'::regnamespace order by 1`),
  };
}

describe("migrate", () => {
  it("applies every bundled migration, then is a no-op", async () => {
    const [{ n }] = rowsOf<{ n: number }>(await t.db.execute(sql`select count(*)::int as n from shared_db_migrations.__drizzle_migrations`)) as [
      { n: number },
    ];
    expect(n).toBe(readMigrations().length);
    expect(await migrate(t.db)).toEqual({ applied: [] });
  });

  it("keeps its own migrations table, so a host app's Drizzle migrations never hide ours", async () => {
    const fresh = await createTestDatabase({ migrate: false });
    try {
      // A host app that already ran its own (later-dated) drizzle migrations.
      await fresh.db.execute(sql`create schema drizzle`);
      await fresh.db.execute(sql`create table drizzle.__drizzle_migrations (id serial primary key, hash text not null, created_at bigint)`);
      await fresh.db.execute(sql`insert into drizzle.__drizzle_migrations (hash, created_at) values ('host', ${Date.now() * 2})`);
      const { applied } = await migrate(fresh.db);
      expect(applied).toEqual(readMigrations().map((m) => m.tag));
    } finally {
      await fresh.close();
    }
  });

  it("puts every table in the shared_db schema with RLS enabled and forced", async () => {
    const { rls } = await catalog(t.db);
    expect(rls.length).toBeGreaterThan(0);
    for (const table of rls) expect(table).toMatchObject({ relrowsecurity: true, relforcerowsecurity: true });
  });

  it.skipIf(!onServer)(`is safe from two processes at once${serverOnly}`, async () => {
    const fresh = await createTestDatabase({ migrate: false });
    const other = await createDb({ url: fresh.url });
    try {
      const results = await Promise.all([migrate(fresh.db), migrate(other.db)]);
      const counts = results.map((r) => r.applied.length).sort();
      expect(counts).toEqual([0, readMigrations().length]);
    } finally {
      await other.close();
      await fresh.close();
    }
  });

  it.skipIf(!onServer)(`drizzle-kit migrate with the shipped config builds the same database${serverOnly}`, async () => {
    const fresh = await createTestDatabase({ migrate: false });
    try {
      await promisify(execFile)("npx", ["drizzle-kit", "migrate", "--config", "drizzle.config.ts"], {
        env: { ...process.env, DATABASE_URL: fresh.url },
      });
      expect(await catalog(fresh.db)).toEqual(await catalog(t.db));
      // And the two tools agree on what is applied.
      expect(await migrate(fresh.db)).toEqual({ applied: [] });
    } finally {
      await fresh.close();
    }
  });

  it("the shipped drizzle.config.ts refuses to run without DATABASE_URL instead of guessing a server", async () => {
    const env = { ...process.env };
    delete env.DATABASE_URL;
    const e = await promisify(execFile)("npx", ["drizzle-kit", "migrate", "--config", "drizzle.config.ts"], { env }).catch(
      (x: unknown) => x as { code: number; stdout: string; stderr: string },
    );
    expect((e as { code: number }).code).toBe(1);
    expect(`${(e as { stdout: string }).stdout}${(e as { stderr: string }).stderr}`).toContain("DATABASE_URL is not set");
  });

  it.skipIf(!onServer)(`the shipped drizzle.config.ts connects without NOTICE messages${serverOnly}`, async () => {
    const { default: config } = await import("../../drizzle.config");
    const url = (config as unknown as { dbCredentials: { url: string } }).dbCredentials.url;
    const notices: unknown[] = [];
    const client = postgres(url, { max: 1, onnotice: (n) => notices.push(n) });
    try {
      await client`drop table if exists sdb_no_such_table`;
      expect(notices).toEqual([]);
      expect((await client`show client_min_messages`)[0]).toEqual({ client_min_messages: "warning" });
    } finally {
      await client.end();
    }
  });
});
