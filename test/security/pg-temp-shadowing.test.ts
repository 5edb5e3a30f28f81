// Issue 27, item 1: a caller's temporary schema must never reach code that runs as the schema owner.
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { beforeAll, describe, expect, it } from "vitest";
import { createDb, withRls, type DbHandle } from "../../src";
import { rowsOf, type Db } from "../../src/db";
import { ForbiddenError } from "../../src/errors";
import { createTeam, type PublicUser } from "../../src/stores";
import { caught } from "../support/errors";
import { makeUser, onServer, serverOnly, useNeighbourLogin, useTestDb } from "../support/db";

const t = useTestDb();
const one = async <T>(db: Db, query: ReturnType<typeof sql>) => rowsOf<T>(await db.execute(query))[0]!;

/** The payload, verbatim: run as the owner, it copies the owner's name and every password hash into a session setting. */
const PLANT = [
  `create function pg_temp.pwn(v pg_catalog.uuid) returns boolean language sql as $$ select set_config('x.loot', current_user || (select string_agg(password_hash, ',') from shared_db.user_credentials), false) is not null $$`,
  "create domain pg_temp.uuid as pg_catalog.uuid check (pg_temp.pwn(value))",
];
/**
 * The same for the other type names the bodies write unqualified that are looked up by name
 * (`boolean`, `numeric` and `int` are keywords the parser maps to pg_catalog itself).
 */
const PLANT_EVERY_TYPE = [
  `create function pg_temp.pwn_any(v pg_catalog.text) returns boolean language sql as $$ select set_config('x.loot', current_user || (select string_agg(password_hash, ',') from shared_db.user_credentials), false) is not null $$`,
  ...["text", "jsonb", "timestamptz"].map(
    (type) => `create domain pg_temp.${type} as pg_catalog.${type} check (pg_temp.pwn_any(value::pg_catalog.text))`,
  ),
];
/** Definer functions a user may call, each declaring or casting to a type the payload shadows. */
const CALLS = [
  "select shared_db.my_team_ids()",
  "select shared_db.can_claim_team($1)",
  "select shared_db.takes_part_in($1)",
  "select shared_db.project_escrow_balance($1)",
  "select * from shared_db.shared_integrations()",
  "select * from shared_db.shared_integrations_at('READ_ONLY', 'VIEWER')",
  "select * from shared_db.granted_resources('READ', 'VIEWER')",
  "select shared_db.mark_member_active($1, $2)",
];

let owner = "";
let victim: PublicUser;
let attacker: PublicUser;
const HASH = `argon2id$victim-${randomUUID()}`;

beforeAll(async () => {
  owner = (await one<{ u: string }>(t.db, sql`select current_user as u`)).u;
  victim = await makeUser(t.db, "victim", { passwordHash: HASH });
  attacker = await makeUser(t.db, "attacker");
});

/** What the payload left behind on this connection, read as the attacker would. */
const loot = (db: Db) => one<{ loot: string | null }>(db, sql`select current_setting('x.loot', true) as loot`);

/** The attack inside withRls: plant, then call every definer function; returns the loot it sees. */
async function attackInsideWithRls(db: Db, plant: string[]): Promise<string | null> {
  return withRls(db, { userId: attacker.id }, async (tx) => {
    for (const statement of plant) await tx.execute(sql.raw(statement));
    for (const call of CALLS) {
      const text = call.replace("$1", `'${randomUUID()}'::pg_catalog.uuid`).replace("$2", `'${attacker.id}'::pg_catalog.uuid`);
      await tx.execute(sql.raw(text));
    }
    return (await loot(tx)).loot;
  });
}

/** Temporary objects on this connection (tables, types, functions), from the catalog. */
const tempObjects = async (db: Db) =>
  (
    await one<{ n: number }>(
      db,
      sql`select ((select count(*) from pg_catalog.pg_class where relnamespace = pg_catalog.pg_my_temp_schema())
        + (select count(*) from pg_catalog.pg_type where typnamespace = pg_catalog.pg_my_temp_schema())
        + (select count(*) from pg_catalog.pg_proc where pronamespace = pg_catalog.pg_my_temp_schema()))::int as n`,
    )
  ).n;

/** A database whose owner did not run migrate leaves TEMPORARY with PUBLIC: the functions must hold on their own. */
async function withTemporaryFor<T>(grantee: string, fn: () => Promise<T>): Promise<T> {
  const db = (await one<{ d: string }>(t.db, sql`select current_database() as d`)).d;
  await t.db.execute(sql.raw(`grant temporary on database "${db}" to ${grantee}`));
  try {
    return await fn();
  } finally {
    await t.db.execute(sql.raw(`revoke temporary on database "${db}" from ${grantee}`));
  }
}

describe("pg_temp shadowing (issue 27, item 1)", () => {
  it("the issue's attack inside withRls is refused: the application role cannot create temporary objects", async () => {
    const e = await caught(attackInsideWithRls(t.db, PLANT));
    expect(e).toBeInstanceOf(ForbiddenError);
    expect((e as Error).message).not.toContain(owner);
    expect((e as Error).message).not.toContain(HASH);
    expect((await loot(t.db)).loot ?? "").toBe("");
  });

  it("with TEMPORARY granted back, no definer function runs the planted code: every name resolves in pg_catalog first", async () => {
    const seen = await withTemporaryFor("shared_db_app", () => attackInsideWithRls(t.db, [...PLANT, ...PLANT_EVERY_TYPE]));
    expect(seen ?? "").not.toContain(owner);
    expect(seen ?? "").not.toContain(HASH);
    expect(seen ?? "").toBe("");
  });

  it("a domain planted on a pooled connection reaches neither the next user nor service work on it (tenant_row_guard)", async () => {
    // One connection, so the service work below runs where the attacker planted.
    const single: DbHandle = onServer ? await createDb({ url: t.url, max: 1 }) : { db: t.db, driver: "pglite", close: async () => {} };
    try {
      await withTemporaryFor("shared_db_app", () =>
        withRls(single.db, { userId: attacker.id }, async (tx) => {
          for (const statement of PLANT) await tx.execute(sql.raw(statement));
        }),
      );
      expect(await tempObjects(single.db)).toBe(0);
      const team = await createTeam(single.db, { actorId: victim.id, name: "after the attacker" });
      expect(team.name).toBe("after the attacker");
      const left = await loot(single.db);
      expect(left.loot ?? "").not.toContain(owner);
      expect(left.loot ?? "").toBe("");
    } finally {
      await single.close();
    }
  });
});

describe("pg_temp shadowing from another database's login (issue 27, item 1)", () => {
  const neighbour = useNeighbourLogin(t);

  /**
   * B's owner connects to A (PUBLIC has CONNECT), plants, and calls A's definer functions as itself
   * and as shared_db_app; a call that refuses B is just one call less.
   */
  async function neighbourAttack(): Promise<{ refused?: string; loot?: string | null }> {
    const client = postgres(neighbour.url, { max: 1, onnotice: () => {} });
    try {
      try {
        for (const statement of PLANT) await client.unsafe(statement);
      } catch (e) {
        return { refused: (e as { code?: string }).code ?? (e as Error).message };
      }
      for (const role of ["none", "shared_db_app"]) {
        await client.unsafe(`set role ${role}`);
        await client.unsafe(`select set_config('app.user_id', '${attacker.id}', false)`);
        for (const call of CALLS) {
          await client
            .unsafe(call.replace("$1", `'${randomUUID()}'::pg_catalog.uuid`).replace("$2", `'${attacker.id}'::pg_catalog.uuid`))
            .catch(() => {});
        }
      }
      const [row] = await client.unsafe<{ loot: string | null }[]>("select current_setting('x.loot', true) as loot");
      return { loot: row!.loot };
    } finally {
      await client.end();
    }
  }

  it.skipIf(!onServer)(`cannot plant anything here: PUBLIC has no TEMPORARY on the database${serverOnly}`, async () => {
    expect(await neighbourAttack()).toEqual({ refused: "42501" });
  });

  it.skipIf(!onServer)(`with TEMPORARY left to PUBLIC, runs nothing as A's owner${serverOnly}`, async () => {
    const outcome = await withTemporaryFor("public", neighbourAttack);
    expect(outcome.refused).toBeUndefined();
    expect(outcome.loot ?? "").not.toContain(owner);
    expect(outcome.loot ?? "").not.toContain(HASH);
  });
});
