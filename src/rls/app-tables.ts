import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../db";
import { rethrowDbError } from "../errors";
import { parseInput } from "../input";
import { APP_ROLE, SERVICE_ROLE } from "./names";

const identifier = z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, "must be a lowercase SQL identifier (letters, digits, _)");
const commands = ["select", "insert", "update", "delete"] as const;

export const appRlsInput = z.strictObject({
  /** The application's own schema (not `shared_db`, which belongs to the library). */
  schema: identifier.refine((s) => s !== "shared_db" && !s.startsWith("pg_"), "must be the application's own schema"),
  table: identifier,
  /** The column holding the owning user's id (a uuid referencing shared_db.users). */
  userColumn: identifier.default("user_id"),
  /** What a user may do with their own rows under withRls. */
  userAccess: z
    .array(z.enum(commands))
    .min(1)
    .default([...commands]),
});
export type AppRlsInput = z.input<typeof appRlsInput>;

/**
 * The SQL that opens an application's own table to withRls, idempotently: schema usage for both
 * roles, table grants (`shared_db_service`: all; `shared_db_app`: `userAccess`), ENABLE and FORCE
 * row level security, a `<table>_service_all` policy on `shared_db.is_service()` and one
 * `<table>_<command>_own` policy per command on `<userColumn> = shared_db.current_user_id()`.
 * Statements are separated by `--> statement-breakpoint`, so the text can be pasted into a
 * `drizzle-kit generate --custom` migration.
 *
 * @example
 * appRlsSql({ schema: "my_app", table: "notes" });
 */
export function appRlsSql(input: AppRlsInput): string {
  const { schema, table, userColumn, userAccess } = parseInput(appRlsInput, input);
  const t = `"${schema}"."${table}"`;
  const own = `"${userColumn}" = (SELECT shared_db.current_user_id())`;
  const service = "(SELECT shared_db.is_service())";
  const access = [...new Set(userAccess)];
  const policy = (name: string, body: string) => [`DROP POLICY IF EXISTS "${name}" ON ${t}`, `CREATE POLICY "${name}" ON ${t} ${body}`];
  return [
    `GRANT USAGE ON SCHEMA "${schema}" TO ${APP_ROLE}, ${SERVICE_ROLE}`,
    `GRANT SELECT, INSERT, UPDATE, DELETE ON ${t} TO ${SERVICE_ROLE}`,
    // Revoke first, so narrowing userAccess on a re-run takes privileges away.
    `REVOKE ALL ON ${t} FROM ${APP_ROLE}`,
    `GRANT ${access.map((c) => c.toUpperCase()).join(", ")} ON ${t} TO ${APP_ROLE}`,
    `ALTER TABLE ${t} ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE ${t} FORCE ROW LEVEL SECURITY`,
    ...policy(`${table}_service_all`, `FOR ALL TO ${SERVICE_ROLE} USING (${service}) WITH CHECK (${service})`),
    ...commands.flatMap((c) => {
      const name = `${table}_${c}_own`;
      if (!access.includes(c)) return [`DROP POLICY IF EXISTS "${name}" ON ${t}`];
      const clause = c === "insert" ? `WITH CHECK (${own})` : c === "update" ? `USING (${own}) WITH CHECK (${own})` : `USING (${own})`;
      return policy(name, `FOR ${c.toUpperCase()} TO ${APP_ROLE} ${clause}`);
    }),
  ]
    .join(";\n--> statement-breakpoint\n")
    .concat(";\n");
}

/**
 * Runs `appRlsSql` in one transaction, as the login that owns the table (the one that migrates).
 *
 * @example
 * await db.execute(sql`CREATE TABLE IF NOT EXISTS my_app.notes (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
 *   user_id uuid NOT NULL REFERENCES shared_db.users(id) ON DELETE CASCADE, body text NOT NULL)`);
 * await enableAppRls(db, { schema: "my_app", table: "notes" });
 * await withRls(db, { userId }, (tx) => tx.execute(sql`select * from my_app.notes`)); // only theirs
 */
export async function enableAppRls(db: Db, input: AppRlsInput): Promise<void> {
  const statements = appRlsSql(input)
    .split(/;\n(?:--> statement-breakpoint\n)?/)
    .filter(Boolean);
  await db
    .transaction(async (tx) => {
      for (const s of statements) await tx.execute(sql.raw(s));
    })
    .catch((e: unknown) => rethrowDbError(e));
}
