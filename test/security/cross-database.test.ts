import { randomBytes, randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, withRls, type DbHandle } from "../../src";
import { rowsOf, type Db } from "../../src/db";
import { pgErrorOf, RlsContextError } from "../../src/errors";
import { teams } from "../../src/schema";
import { appendAudit, createProject, createTeam, inviteMember, type PublicUser } from "../../src/stores";
import { createTestDatabase, type TestDatabase } from "../../src/testing";
import { makeUser, onServer, serverOnly, useTestDb } from "../support/db";
import { leakSpecFor, leakSpecs } from "./leak-specs";

const t = useTestDb();
const rows = async <T>(db: Db, query: ReturnType<typeof sql>) => rowsOf<T>(await db.execute(query));
const one = async <T>(db: Db, query: ReturnType<typeof sql>) => (await rows<T>(db, query))[0]!;
/** `url` (a test database) as DATABASE_URL's role, a superuser. */
const asSuperuser = (url: string) => {
  const u = new URL(url);
  const admin = new URL(process.env.DATABASE_URL!);
  u.username = admin.username;
  u.password = admin.password;
  return u.toString();
};
const codeOf = (e: unknown) => pgErrorOf(e)?.code ?? (e as Error).message;

/** Every table of the shared_db schema, from the catalog. */
const catalogTables = async (db: Db) =>
  (
    await rows<{ n: string }>(
      db,
      sql`select relname as n from pg_catalog.pg_class where relnamespace = 'shared_db'::regnamespace and relkind in ('r', 'p') order by 1`,
    )
  ).map((r) => r.n);

/** Row count and a checksum of every row of every table, read as `db` (the owner: it sees all). */
async function snapshot(db: Db): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of await catalogTables(db)) {
    const r = await one<{ n: number; h: string }>(
      db,
      sql.raw(`select count(*)::int as n, md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as h from shared_db."${table}" t`),
    );
    out[table] = `${r.n}:${r.h}`;
  }
  return out;
}

describe("another database's owner on the same server (issue 16, item 1)", () => {
  let b: TestDatabase | undefined;
  let asB: DbHandle | undefined;
  let bOnA = "";
  let alice: PublicUser;
  const invitees: PublicUser[] = [];
  let teamId = "";
  let emptyTeamId = "";
  let projectId = "";
  const invitationTokens: string[] = [];
  let milestoneId = "";

  beforeAll(async () => {
    if (!onServer) return;
    // A is this file's database; B another one on the same server, migrated by its own owner.
    b = await createTestDatabase();
    alice = await makeUser(t.db, "alice");
    // Rows in every table, through the same seeds as the leak kit, plus what the definer functions look at.
    for (const table of Object.keys(leakSpecs)) await leakSpecFor(table).seed(t.db, alice);
    await appendAudit(t.db, { actorId: alice.id, action: "secret", entityType: "t" });
    teamId = (await createTeam(t.db, { actorId: alice.id, name: "A" })).id;
    // One pending invitation per mode below, each as if its token had leaked to B's owner.
    for (let i = 0; i < 3; i++) {
      const invitee = await makeUser(t.db, "invitee");
      invitees.push(invitee);
      invitationTokens.push((await inviteMember(t.db, { teamId, actorId: alice.id, email: invitee.email })).token);
    }
    // A team with no member yet: only its creator may claim it.
    const [empty] = await t.db
      .insert(teams)
      .values({ name: "claimable", slug: `claimable-${randomUUID()}`, createdByUserId: alice.id })
      .returning();
    emptyTeamId = empty!.id;
    projectId = (await createProject(t.db, { creatorId: alice.id, buyerId: alice.id, title: "A's project", totalAmount: "1000" })).project.id;
    milestoneId = (await one<{ id: string }>(t.db, sql`select id from shared_db.milestones limit 1`)).id;
    const url = new URL(t.url!);
    const bUrl = new URL(b.url!);
    url.username = bUrl.username;
    url.password = bUrl.password;
    bOnA = url.toString();
    asB = await createDb({ url: bOnA });
  }, 120_000);
  afterAll(async () => {
    await asB?.close();
    await b?.close();
  });

  /** One connection of B's owner to A's database, in a mode; each statement in its own transaction. */
  const modes = {
    "B's login": [] as string[],
    "B's login as shared_db_app with A's user": ["set role shared_db_app", "select set_config('app.user_id', '${alice}', false)"],
    "B's login as shared_db_service": ["set role shared_db_service"],
  };
  const inMode = async <T>(
    setup: string[],
    fn: (run: (q: string, params?: unknown[]) => Promise<{ n: number } | { refused: string }>) => Promise<T>,
  ) => {
    const client = postgres(bOnA, { max: 1, onnotice: () => {} });
    try {
      for (const s of setup) await client.unsafe(s.replace("${alice}", alice.id));
      return await fn(async (q, params = []) => {
        try {
          return { n: (await client.unsafe(q, params as never[])).length };
        } catch (e) {
          return { refused: codeOf(e) };
        }
      });
    } finally {
      await client.end();
    }
  };

  it.skipIf(!onServer)(`the control: A's owner and A's user do see A's rows, so the checks below can fail${serverOnly}`, async () => {
    const counts = await snapshot(t.db);
    expect(Object.entries(counts).filter(([, v]) => v.startsWith("0:"))).toEqual([]);
    const mine = await withRls(t.db, { userId: alice.id }, async (tx) => ({
      teams: (await one<{ v: string[] }>(tx, sql`select shared_db.my_team_ids() as v`)).v.length,
      claimable: (await one<{ v: boolean }>(tx, sql`select shared_db.can_claim_team(${emptyTeamId}) as v`)).v,
      balance: (await one<{ v: string | null }>(tx, sql`select shared_db.project_escrow_balance(${projectId}) as v`)).v,
    }));
    expect(mine.teams).toBeGreaterThan(0);
    expect(mine.claimable).toBe(true);
    expect(mine.balance).not.toBeNull();
  });

  it.skipIf(!onServer)(
    `reads nothing and writes nothing in any table of A, directly, as shared_db_app with A's user, or as shared_db_service${serverOnly}`,
    async () => {
      const before = await snapshot(t.db);
      const tables = await catalogTables(t.db);
      // A real row of each table (read by A's owner) for B to try to insert again, without generated columns.
      const samples: Record<string, { cols: string; row: unknown }> = {};
      for (const table of tables) {
        const { cols } = await one<{ cols: string }>(
          t.db,
          sql`select string_agg(quote_ident(attname), ', ' order by attnum) as cols from pg_catalog.pg_attribute
            where attrelid = ${`shared_db.${table}`}::regclass and attnum > 0 and not attisdropped and attgenerated = ''`,
        );
        const [r] = await rows<{ j: unknown }>(t.db, sql.raw(`select row_to_json(t) as j from shared_db."${table}" t limit 1`));
        samples[table] = { cols, row: r!.j };
      }
      const holes: string[] = [];
      for (const [mode, setup] of Object.entries(modes)) {
        await inMode(setup, async (run) => {
          for (const table of tables) {
            const { cols, row } = samples[table]!;
            const first = cols.split(", ")[0]!;
            const attempts = {
              select: `select 1 from shared_db."${table}"`,
              insert: `insert into shared_db."${table}" (${cols}) select ${cols} from json_populate_record(null::shared_db."${table}", $1::json) returning 1`,
              update: `update shared_db."${table}" set ${first} = ${first} returning 1`,
              delete: `delete from shared_db."${table}" returning 1`,
            };
            for (const [op, q] of Object.entries(attempts)) {
              const r = await run(q, op === "insert" ? [row] : []);
              // Refused by a privilege or a policy (42501), or it touched no row.
              const ok = "refused" in r ? r.refused === "42501" : r.n === 0;
              if (!ok) holes.push(`${mode}: ${op} on ${table} → ${JSON.stringify(r)}`);
            }
          }
        });
      }
      expect(holes).toEqual([]);
      expect(await snapshot(t.db)).toEqual(before);
    },
  );

  it.skipIf(!onServer)(`gets nothing from A's SECURITY DEFINER functions, whichever role it takes${serverOnly}`, async () => {
    const before = await snapshot(t.db);
    // What "nothing" is for each definer function; a new one without a case fails here.
    const cases: Record<string, { q: string; params?: unknown[]; nothing: (r: Record<string, unknown> | undefined) => boolean }> = {
      my_team_ids: { q: "select shared_db.my_team_ids() as v", nothing: (r) => (r?.v as unknown[]).length === 0 },
      shared_integrations: { q: "select count(*)::int as v from shared_db.shared_integrations()", nothing: (r) => r?.v === 0 },
      takes_part_in: { q: "select shared_db.takes_part_in($1) as v", params: [projectId], nothing: (r) => r?.v === false },
      // Refused as "not found" (P0002) before any check of the amount, kind or status.
      release_escrow: { q: "select (shared_db.release_escrow($1, $2, 'refund', 1)).id as v", params: [projectId, alice.id], nothing: () => false },
      accept_project_terms: { q: "select (shared_db.accept_project_terms($1)).id as v", params: [projectId], nothing: () => false },
      transition_milestone: { q: "select (shared_db.transition_milestone($1, 'in_progress')).id as v", params: [milestoneId], nothing: () => false },
      can_claim_team: { q: "select shared_db.can_claim_team($1) as v", params: [emptyTeamId], nothing: (r) => r?.v === false },
      project_escrow_balance: { q: "select shared_db.project_escrow_balance($1) as v", params: [projectId], nothing: (r) => r?.v === null },
      redeem_team_invitation: { q: "select shared_db.redeem_team_invitation($1, $2, $3) as v", params: [teamId, "", ""], nothing: () => false },
      shared_integrations_at: {
        q: "select count(*)::int as v from shared_db.shared_integrations_at('READ_ONLY', 'VIEWER')",
        nothing: (r) => r?.v === 0,
      },
      granted_resources: { q: "select count(*)::int as v from shared_db.granted_resources('READ', 'VIEWER')", nothing: (r) => r?.v === 0 },
      // Refused on the caller (42501) before it looks for the member.
      mark_member_active: { q: "select shared_db.mark_member_active($1, $2) as v", params: [teamId, alice.id], nothing: () => false },
    };
    const definers = (
      await rows<{ n: string }>(
        t.db,
        sql`select proname as n from pg_catalog.pg_proc where pronamespace = 'shared_db'::regnamespace and prosecdef and prorettype <> 'trigger'::regtype order by 1`,
      )
    ).map((r) => r.n);
    expect(definers.filter((n) => !(n in cases))).toEqual([]);
    const holes: string[] = [];
    for (const [i, [mode, setup]] of Object.entries(modes).entries()) {
      cases.redeem_team_invitation!.params = [teamId, invitationTokens[i]!, invitees[i]!.id];
      const client = postgres(bOnA, { max: 1, onnotice: () => {} });
      try {
        for (const s of setup) await client.unsafe(s.replace("${alice}", alice.id));
        for (const name of definers) {
          const c = cases[name]!;
          const outcome = await client.unsafe(c.q, (c.params ?? []) as never[]).then(
            (r) => (c.nothing(r[0]) ? "nothing" : `returned ${JSON.stringify(r[0])}`),
            // Refused on the caller (42501, or P0002 "not found"), not past it (P0001 invalid_invitation would mean it looked the token up).
            (e: unknown) => (codeOf(e) === "42501" || codeOf(e) === "P0002" ? "nothing" : `failed with ${codeOf(e)}`),
          );
          if (outcome !== "nothing") holes.push(`${mode}: shared_db.${name} ${outcome}`);
        }
      } finally {
        await client.end();
      }
    }
    expect(holes).toEqual([]);
    expect(await snapshot(t.db)).toEqual(before);
  });

  it.skipIf(!onServer)(`withRls through B's handle on A's database sees nothing, even for A's user${serverOnly}`, async () => {
    const before = await snapshot(t.db);
    const tables = await catalogTables(t.db);
    const seen = await withRls(asB!.db, { userId: alice.id }, async (tx) => {
      const out: Record<string, number | string> = {};
      for (const table of tables) {
        // A savepoint each, so a refused table does not abort the rest.
        out[table] = await tx
          .transaction((sp) => one<{ n: number }>(sp, sql.raw(`select count(*)::int as n from shared_db."${table}"`)))
          .then(
            (r) => r.n,
            (e: unknown) => codeOf(e),
          );
      }
      return out;
    });
    // 0 rows, or no privilege at all (the Slack OAuth tables grant shared_db_app nothing).
    expect(Object.entries(seen).filter(([, v]) => v !== 0 && v !== "42501")).toEqual([]);
    expect(await snapshot(t.db)).toEqual(before);
  });
});

describe("withRls refuses roles that bypass the policies (issue 16, item 6)", () => {
  /** withRls as `role`; fn records whether it ran and tries a write. */
  const attempt = async (role: string) => {
    const u = await makeUser(t.db);
    let ran = false;
    const before = await one<{ n: number }>(t.db, sql`select count(*)::int as n from shared_db.audit_logs`);
    const e = await withRls(t.db, { userId: u.id, role }, async (tx) => {
      ran = true;
      await appendAudit(tx, { actorId: u.id, action: "should not be written", entityType: "t" });
    }).catch((x: unknown) => x);
    const after = await one<{ n: number }>(t.db, sql`select count(*)::int as n from shared_db.audit_logs`);
    return { e, ran, written: after.n - before.n };
  };

  it("refuses shared_db_service", async () => {
    const r = await attempt("shared_db_service");
    expect(r.e).toBeInstanceOf(RlsContextError);
    expect((r.e as Error).message).toMatch(/bypasses row-level security/);
    expect(r.written).toBe(0);
  });

  it("refuses the login role itself (the owner on a server, a superuser on PGlite)", async () => {
    const { me } = await one<{ me: string }>(t.db, sql`select current_user as me`);
    const r = await attempt(me);
    expect(r.e).toBeInstanceOf(RlsContextError);
    expect(r.written).toBe(0);
  });

  it("refuses a superuser role and a BYPASSRLS role (on PGlite, even one granted shared_db_app)", async () => {
    const role = `sdb_bypass_${randomBytes(4).toString("hex")}`;
    // Creating a BYPASSRLS role takes a superuser: PGlite's login is one; on a server, DATABASE_URL's.
    const admin = onServer ? postgres(asSuperuser(t.url!), { max: 1, onnotice: () => {} }) : undefined;
    const exec = (q: string) => (admin ? admin.unsafe(q) : t.db.execute(sql.raw(q)));
    const { me } = await one<{ me: string }>(t.db, sql`select current_user as me`);
    try {
      await exec(`create role ${role} nologin bypassrls`);
      // Not on a shared server: roles are cluster-wide, and a BYPASSRLS member of shared_db_app
      // would reach every database's tables while it exists (verify reports exactly that).
      if (onServer) await exec(`grant ${role} to ${me}`);
      else await exec(`grant shared_db_app to ${role}`);
      for (const r of [await attempt(role), await attempt("postgres")]) {
        expect(r.e).toBeInstanceOf(RlsContextError);
        expect((r.e as Error).message).toMatch(/bypasses row-level security/);
        expect(r.written).toBe(0);
      }
    } finally {
      await exec(`drop owned by ${role}`).catch(() => {});
      await exec(`drop role if exists ${role}`);
      await admin?.end();
    }
  });
});

describe("a session-level SET inside fn does not outlive withRls (issue 16, item 8)", () => {
  /** The state of the connection the next caller gets. */
  const state = (db: Db) =>
    one<{ role: string; user_id: string; uid: string | null; users: number }>(
      db,
      sql`select current_setting('role') as role, coalesce(current_setting('app.user_id', true), '') as user_id,
            shared_db.current_user_id()::text as uid, (select count(*)::int from shared_db.users) as users`,
    );
  const leftovers = (userId: string) =>
    [sql`set role shared_db_app`, sql.raw(`set app.user_id = '${userId}'`), sql`select set_config('app.user_id', ${userId}, false)`] as const;

  const check = async (db: Db) => {
    const [a, c] = [await makeUser(t.db, "a"), await makeUser(t.db, "c")];
    const clean = await state(db);
    expect(clean).toMatchObject({ role: "none", user_id: "" });
    expect(clean.users).toBeGreaterThan(1);
    // fn commits normally, and fn throws: both leave a clean connection.
    await withRls(db, { userId: a.id }, async (tx) => {
      for (const s of leftovers(a.id)) await tx.execute(s);
    });
    expect(await state(db)).toEqual(clean);
    await expect(
      withRls(db, { userId: c.id }, async (tx) => {
        for (const s of leftovers(c.id)) await tx.execute(s);
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(await state(db)).toEqual(clean);
  };

  it("on PGlite's one connection, and on a server connection reused by the next caller", async () => {
    if (!onServer) return check(t.db);
    const single = await createDb({ url: t.url!, max: 1 });
    try {
      await check(single.db);
    } finally {
      await single.close();
    }
  });
});

describe("audit_logs against its owner (issue 16, item 7)", () => {
  it("TRUNCATE is refused for the owner, the rows kept", async () => {
    const u = await makeUser(t.db);
    await appendAudit(t.db, { actorId: u.id, action: "kept", entityType: "t" });
    const before = await one<{ n: number }>(t.db, sql`select count(*)::int as n from shared_db.audit_logs`);
    const e = await t.db.execute(sql`truncate shared_db.audit_logs`).catch((x: unknown) => x);
    expect(pgErrorOf(e)?.code).toBe("42501");
    expect(await one<{ n: number }>(t.db, sql`select count(*)::int as n from shared_db.audit_logs`)).toEqual(before);
  });
});
