import { createHash } from "node:crypto";
import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../db";
import { rethrowDbError } from "../errors";
import { parseInput } from "../input";
import { APP_ROLE, SERVICE_ROLE } from "./names";

/** Postgres cuts every identifier to this many bytes (NAMEDATALEN - 1). */
const MAX_IDENTIFIER_BYTES = 63;
const byteLength = (s: string) => Buffer.byteLength(s, "utf8");
const identifier = z
  .string()
  .regex(/^[\p{Ll}\p{Lo}_][\p{Ll}\p{Lo}0-9_]*$/u, "must be a lowercase SQL identifier (letters, digits, _)")
  .refine((s) => byteLength(s) <= MAX_IDENTIFIER_BYTES, `must be at most ${MAX_IDENTIFIER_BYTES} bytes (Postgres would cut it)`);
const commands = ["select", "insert", "update", "delete"] as const;

/** The longest prefix of `s` within `max` bytes, cut between characters (as Postgres cuts names). */
function clipBytes(s: string, max: number): string {
  let out = "";
  for (const ch of s) {
    if (byteLength(out + ch) > max) break;
    out += ch;
  }
  return out;
}

/**
 * `<table>_<suffix>`, or when that is longer than Postgres keeps, the table's first bytes, a hash of
 * the whole table name and the suffix: every policy of a table keeps a distinct name, and names
 * that fit stay as they were.
 */
function policyName(table: string, suffix: string): string {
  const name = `${table}_${suffix}`;
  if (byteLength(name) <= MAX_IDENTIFIER_BYTES) return name;
  const hash = createHash("sha256").update(table).digest("hex").slice(0, 8);
  // One prefix length for every suffix (the longest is service_all), so a table's policies line up.
  return `${clipBytes(table, MAX_IDENTIFIER_BYTES - byteLength(`_${hash}_service_all`))}_${hash}_${suffix}`;
}

/** What an earlier version left for a name longer than Postgres keeps: the name cut at 63 bytes. */
function truncatedPolicyName(table: string, suffix: string): string | undefined {
  const name = `${table}_${suffix}`;
  return byteLength(name) > MAX_IDENTIFIER_BYTES ? clipBytes(name, MAX_IDENTIFIER_BYTES) : undefined;
}

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
 * A policy name longer than Postgres' 63 bytes becomes the table name's first bytes, 8 hex digits
 * of its SHA-256 and the suffix (`<prefix>_<hash>_service_all`), so every policy keeps its own
 * name; the cut names an earlier version left are dropped.
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
  const suffixes = ["service_all", ...commands.map((c) => `${c}_own`)];
  return [
    `GRANT USAGE ON SCHEMA "${schema}" TO ${APP_ROLE}, ${SERVICE_ROLE}`,
    `GRANT SELECT, INSERT, UPDATE, DELETE ON ${t} TO ${SERVICE_ROLE}`,
    // Revoke first, so narrowing userAccess on a re-run takes privileges away.
    `REVOKE ALL ON ${t} FROM ${APP_ROLE}`,
    `GRANT ${access.map((c) => c.toUpperCase()).join(", ")} ON ${t} TO ${APP_ROLE}`,
    `ALTER TABLE ${t} ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE ${t} FORCE ROW LEVEL SECURITY`,
    // Before any CREATE: an earlier version's cut names collided, and one of them may be any command.
    ...new Set(suffixes.flatMap((suffix) => truncatedPolicyName(table, suffix) ?? []).map((cut) => `DROP POLICY IF EXISTS "${cut}" ON ${t}`)),
    ...policy(policyName(table, "service_all"), `FOR ALL TO ${SERVICE_ROLE} USING (${service}) WITH CHECK (${service})`),
    ...commands.flatMap((c) => {
      const name = policyName(table, `${c}_own`);
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
