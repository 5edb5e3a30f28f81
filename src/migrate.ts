import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { sql } from "drizzle-orm";
import { rowsOf, type Db } from "./db";

/** Where the migrations table lives: its own schema, so a host app's Drizzle migrations never hide ours. */
export const MIGRATIONS_SCHEMA = "shared_db_migrations";
export const MIGRATIONS_TABLE = "__drizzle_migrations";
/** Serialises concurrent `migrate` calls on one database (pg_advisory_xact_lock key). */
const MIGRATION_LOCK = 0x5d_b0_00_01;

export interface Migration {
  tag: string;
  /** The journal's timestamp; drizzle-kit compares it with the last applied one. */
  folderMillis: number;
  hash: string;
  statements: string[];
}

/** The package's own `drizzle/` folder, found from this module whatever the bundle layout. */
export function migrationsFolder(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, "drizzle");
    if (existsSync(join(candidate, "meta", "_journal.json"))) return candidate;
    dir = dirname(dir);
  }
  throw new Error("shared-db: cannot find the bundled drizzle/ migrations folder");
}

/** Reads the bundled migrations in journal order, hashed exactly as drizzle-kit hashes them. */
export function readMigrations(folder = migrationsFolder()): Migration[] {
  const journal = JSON.parse(readFileSync(join(folder, "meta", "_journal.json"), "utf8")) as {
    entries: { tag: string; when: number }[];
  };
  return journal.entries.map(({ tag, when }) => {
    const text = readFileSync(join(folder, `${tag}.sql`), "utf8");
    return {
      tag,
      folderMillis: when,
      hash: createHash("sha256").update(text).digest("hex"),
      statements: text.split("--> statement-breakpoint").filter((s) => s.trim() !== ""),
    };
  });
}

export interface MigrateResult {
  /** Tags of the migrations this call applied, in order (empty when already up to date). */
  applied: string[];
}

/**
 * Applies shared-db's bundled migrations in one transaction, under an advisory lock so two
 * processes can run it at once. Compatible with `drizzle-kit migrate` using the shipped config:
 * both record progress in `shared_db_migrations.__drizzle_migrations`.
 *
 * @example
 * const { db } = await createDb();
 * const { applied } = await migrate(db); // applying twice is a no-op
 */
export function migrate(db: Db): Promise<MigrateResult> {
  return applyMigrations(db, readMigrations());
}

/** `migrate` with the migrations given (the tests stop at one migration with a prefix of the list). */
export async function applyMigrations(db: Db, migrations: Migration[]): Promise<MigrateResult> {
  const table = sql.raw(`"${MIGRATIONS_SCHEMA}"."${MIGRATIONS_TABLE}"`);
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${MIGRATION_LOCK})`);
    await tx.execute(sql.raw(`create schema if not exists "${MIGRATIONS_SCHEMA}"`));
    await tx.execute(sql`create table if not exists ${table} (id serial primary key, hash text not null, created_at bigint)`);
    const [last] = rowsOf<{ created_at: string | number }>(await tx.execute(sql`select created_at from ${table} order by created_at desc limit 1`));
    const lastMillis = last ? Number(last.created_at) : -1;
    const applied: string[] = [];
    for (const m of migrations) {
      if (m.folderMillis <= lastMillis) continue;
      for (const statement of m.statements) await tx.execute(sql.raw(statement));
      await tx.execute(sql`insert into ${table} (hash, created_at) values (${m.hash}, ${m.folderMillis})`);
      applied.push(m.tag);
    }
    return { applied };
  });
}
