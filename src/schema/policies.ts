import { type SQL, sql } from "drizzle-orm";
import { type AnyPgColumn, type PgPolicy, type PgRole, pgPolicy, pgRole } from "drizzle-orm/pg-core";
import type { TeamMemberRole } from "./teams";

/**
 * The NOLOGIN role `withRls` switches to: owns nothing, no BYPASSRLS, scoped by the policies.
 * Created by migration 0001 (with its grants), so drizzle-kit never creates or drops it.
 */
export const appRole = pgRole("shared_db_app").existing();
/**
 * The role of service work; its policies also ask `shared_db.is_service()`, because roles are
 * cluster-wide. Created by migration 0001.
 */
export const serviceRole = pgRole("shared_db_service").existing();

/** Service work on this database (a member of its schema owner), evaluated once per statement. */
const isService = sql`(SELECT shared_db.is_service())`;

type Command = "all" | "select" | "insert" | "update" | "delete";

/** A column by its SQL name alone, as policies on its own table write it. */
const column = (c: AnyPgColumn) => sql.identifier(c.name);

/** `c` holds the signed-in user's id (`shared_db.current_user_id()` runs once per statement). */
export const isCurrentUser = (c: AnyPgColumn): SQL => sql`${column(c)} = (SELECT shared_db.current_user_id())`;

/** `c` is a team the signed-in user is a member of with at least `role` (OWNER > ADMIN > MEMBER > VIEWER). */
export const inTeamsWithRole = (c: AnyPgColumn, role: TeamMemberRole): SQL =>
  sql`${column(c)} = ANY ((SELECT shared_db.my_team_ids(${sql.raw(`'${role}'`)}))::uuid[])`;

/**
 * A permissive policy whose one condition goes where `command` reads it: USING for SELECT and
 * DELETE, WITH CHECK for INSERT, both for UPDATE and ALL (the row before and after must pass).
 */
export function policy(name: string, command: Command, to: PgRole, condition: SQL): PgPolicy {
  const using = command === "insert" ? undefined : condition;
  const withCheck = command === "select" || command === "delete" ? undefined : condition;
  return pgPolicy(name, { as: "permissive", for: command, to, using, withCheck });
}

/** A policy for user work under `withRls` (role `shared_db_app`). */
export const userPolicy = (name: string, command: Command, condition: SQL): PgPolicy => policy(name, command, appRole, condition);

/** `<table>_service_all`: service work reads and writes every row of `table`. */
export const serviceAccess = (table: string): PgPolicy => policy(`${table}_service_all`, "all", serviceRole, isService);

/** A service policy for one command only, for tables service work may not change (`audit_logs`). */
export const serviceOnly = (name: string, command: Exclude<Command, "all">): PgPolicy => policy(name, command, serviceRole, isService);
