import { getTableName, sql, type SQL } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";
import { beforeAll, describe, expect, it } from "vitest";
import { withRls } from "../../src";
import { rowsOf, type Tx } from "../../src/db";
import { pgErrorOf, SharedDbError } from "../../src/errors";
import { APP_ROLE } from "../../src/rls/names";
import type { PublicUser } from "../../src/stores";
import { makeUser, useTestDb } from "../support/db";
import { leakSpecFor } from "./leak-specs";

/**
 * The write-authority matrix for the tables outside the team and escrow matrices (those are in
 * team-matrix.test.ts and escrow.test.ts): users, audit logs, the Slack OAuth tables, the Slack
 * workspace data and custom integrations. Each write runs as the row's owner, as another user and
 * with no user, and is rolled back; the table's rows (read as service work) must be unchanged.
 */
const t = useTestDb();

type Role = "owner" | "other" | "nobody";
const ROLES: Role[] = ["owner", "other", "nobody"];
/** Who may update or delete the seeded row, per table; every other table is service-only for writes. */
const UPDATE: Record<string, Role[]> = {
  users: ["owner"],
  custom_integrations: ["owner"],
  custom_integration_actions: ["owner"],
  custom_integration_credentials: ["owner"],
};
const DELETE: Record<string, Role[]> = {
  custom_integrations: ["owner"],
  custom_integration_actions: ["owner"],
  custom_integration_credentials: ["owner"],
};
const TABLES = [
  "users",
  "user_credentials",
  "audit_logs",
  "slack_installations",
  "slack_bots",
  "slack_user_tokens",
  "slack_oauth_states",
  "slack_workspaces",
  "slack_channels",
  "slack_users",
  "slack_messages",
  "slack_reactions",
  "slack_analyses",
  "slack_analysis_channels",
  "slack_contributions",
  "slack_channel_analyses",
  "custom_integrations",
  "custom_integration_actions",
  "custom_integration_credentials",
];
const REFUSED = new Set(["42501", "23505", "23503", "23514", "P0001"]);

class Rollback {
  constructor(readonly touched: number) {}
}

let owner: PublicUser;
let other: PublicUser;
const seeded = new Map<string, { key: PgColumn; ids: string[] }>();

beforeAll(async () => {
  owner = await makeUser(t.db, "owner");
  other = await makeUser(t.db, "other");
  for (const table of TABLES) {
    const spec = leakSpecFor(table);
    const key = spec.key ?? (spec.table as unknown as Record<string, PgColumn>).id!;
    seeded.set(table, { key, ids: await spec.seed(t.db, owner) });
  }
});

const userOf = (role: Role) => (role === "owner" ? owner : other);

async function attempt(role: Role, write: (tx: Tx) => Promise<number>): Promise<"allowed" | "refused"> {
  const body = async (tx: Tx) => {
    throw new Rollback(await write(tx));
  };
  try {
    if (role === "nobody") {
      await t.db.transaction(async (tx) => {
        await tx.execute(sql`select set_config('app.user_id', '', true), set_config('role', ${APP_ROLE}, true)`);
        return body(tx);
      });
    } else {
      await withRls(t.db, { userId: userOf(role).id }, body);
    }
  } catch (e) {
    if (e instanceof Rollback) return e.touched > 0 ? "allowed" : "refused";
    if (e instanceof SharedDbError || REFUSED.has(pgErrorOf(e)?.code ?? "")) return "refused";
    throw e;
  }
  throw new Error("unreachable");
}

/** Every row of a table, read as service work, so a change anywhere shows. */
async function state(table: string) {
  return rowsOf(await t.db.execute(sql`select to_jsonb(x) as row from shared_db.${sql.identifier(table)} x order by 1::text`))
    .map((r) => JSON.stringify(r))
    .sort();
}

const touched = async (tx: Tx, statement: SQL) => rowsOf(await tx.execute(sql`${statement} returning 1`)).length;

async function expectMatrix(table: string, allowed: Role[], write: (tx: Tx, role: Role) => Promise<number>) {
  const before = await state(table);
  const outcomes: Record<string, string> = {};
  for (const role of ROLES) outcomes[role] = await attempt(role, (tx) => write(tx, role));
  expect(outcomes).toEqual(Object.fromEntries(ROLES.map((r) => [r, allowed.includes(r) ? "allowed" : "refused"])));
  expect(await state(table)).toEqual(before);
}

describe("write-authority matrix: users, audit, Slack OAuth, Slack data, custom integrations (issue 16)", () => {
  it.each(TABLES)("%s: update of the owner's row, by owner / other / no user", async (table) => {
    const { key, ids } = seeded.get(table)!;
    // A no-op write of a column the app role may write where it may write any (users: profile only).
    const column = sql.identifier(table === "users" ? "full_name" : key.name);
    const where = sql.identifier(key.name);
    await expectMatrix(table, UPDATE[table] ?? [], (tx) =>
      touched(
        tx,
        sql`update shared_db.${sql.identifier(table)} set ${column} = ${column} where ${where} in (${sql.join(
          ids.map((id) => sql`${id}`),
          sql`, `,
        )})`,
      ),
    );
  });

  it.each(TABLES)("%s: delete of the owner's row, by owner / other / no user", async (table) => {
    const { key, ids } = seeded.get(table)!;
    await expectMatrix(table, DELETE[table] ?? [], (tx) =>
      touched(
        tx,
        sql`delete from shared_db.${sql.identifier(table)} where ${sql.identifier(key.name)} in (${sql.join(
          ids.map((id) => sql`${id}`),
          sql`, `,
        )})`,
      ),
    );
  });

  it("users: nobody raises their own privileges or writes another's columns (forged values)", async () => {
    for (const set of [
      sql`is_superuser = true`,
      sql`is_verified = true`,
      sql`email = 'x@example.com'`,
      sql`id = gen_random_uuid()`,
      sql`is_active = false`,
    ]) {
      await expectMatrix("users", [], (tx, role) => touched(tx, sql`update shared_db.users set ${set} where id = ${userOf(role).id}`));
    }
    await expectMatrix("users", [], (tx) => touched(tx, sql`insert into shared_db.users (email) values ('forged@example.com')`));
  });

  it("audit_logs: each user appends only as themselves; nobody appends as another or with no user", async () => {
    await expectMatrix("audit_logs", ["owner", "other"], (tx, role) =>
      touched(tx, sql`insert into shared_db.audit_logs (actor_id, action, entity_type) values (${userOf(role).id}, 'x', 't')`),
    );
    await expectMatrix("audit_logs", ["owner"], (tx) =>
      touched(tx, sql`insert into shared_db.audit_logs (actor_id, action, entity_type) values (${owner.id}, 'forged', 't')`),
    );
  });

  it("Slack OAuth and Slack data tables: user work inserts nothing, whatever the tenant key", async () => {
    for (const table of TABLES.filter((n) => n.startsWith("slack_"))) {
      const [row] = rowsOf<{ row: Record<string, unknown> }>(
        await t.db.execute(sql`select to_jsonb(x) as row from shared_db.${sql.identifier(table)} x limit 1`),
      );
      // A copy of the owner's row with a fresh id where there is one: only the authority is in question.
      const copy = { ...row!.row, ...("id" in row!.row ? { id: crypto.randomUUID() } : {}) };
      await expectMatrix(table, [], (tx) =>
        touched(
          tx,
          sql`insert into shared_db.${sql.identifier(table)} select * from jsonb_populate_record(null::shared_db.${sql.identifier(table)}, ${JSON.stringify(copy)}::jsonb)`,
        ),
      );
    }
  });

  it("custom integrations: a user creates their own, never one owned by another (forged user_id)", async () => {
    const row = (userId: string) => sql`(${userId}, ${`api_${crypto.randomUUID().slice(0, 8)}`}, 'X', 'api_key', 'https://x.example.com')`;
    const insert = (userId: string) =>
      sql`insert into shared_db.custom_integrations (user_id, name, display_name, auth_type, base_url) values ${row(userId)}`;
    await expectMatrix("custom_integrations", ["owner", "other"], (tx, role) => touched(tx, insert(userOf(role).id)));
    await expectMatrix("custom_integrations", ["owner"], (tx) => touched(tx, insert(owner.id)));
    const [integration] = seeded.get("custom_integrations")!.ids;
    await expectMatrix("custom_integration_actions", ["owner"], (tx, role) =>
      touched(
        tx,
        sql`insert into shared_db.custom_integration_actions (integration_id, user_id, action_id, action_name, http_method, endpoint)
          values (${integration}, ${role === "nobody" ? owner.id : userOf(role).id}, ${`a_${crypto.randomUUID().slice(0, 8)}`}, 'A', 'GET', '/x')`,
      ),
    );
  });

  it("covers every table it names", () => {
    expect(TABLES.filter((n) => !seeded.has(n))).toEqual([]);
    expect(TABLES.map((n) => getTableName(leakSpecFor(n).table))).toEqual(TABLES);
  });
});
