import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { createDb } from "../../src";
import { rowsOf } from "../../src/db";
import { createKeyring, generateKey } from "../../src/crypto";
import { createSlackInstallationStore } from "../../src/slack";
import { readMigrations } from "../../src/migrate";
import { createTestDatabase, type TestDatabase } from "../../src/testing";
import { nodeVersionWarning } from "../../src/cli/node-version";
import { buildCli, type CliResult } from "../support/cli";

let run: Awaited<ReturnType<typeof buildCli>>;
let t: TestDatabase;
let url: string;
let dir: string;

beforeAll(async () => {
  run = await buildCli();
  dir = mkdtempSync(join(tmpdir(), "sdb-cli-"));
  if (process.env.DATABASE_URL) {
    t = await createTestDatabase({ migrate: false });
    url = t.url!;
  } else {
    url = `pglite:${join(dir, "db")}`;
  }
}, 120_000);
afterAll(async () => {
  await t?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs SQL on the CLI's database between CLI runs (PGlite on disk allows one process at a time). */
async function tamper(...statements: string[]) {
  const { db, close } = await createDb({ url });
  try {
    for (const statement of statements) await db.execute(statement);
  } finally {
    await close();
  }
}

const ok = (r: CliResult) => expect(r, r.stderr).toMatchObject({ code: 0 });

describe("shared-db command", () => {
  it("migrate applies everything, then nothing", async () => {
    const first = await run(["migrate", "--url", url]);
    ok(first);
    expect(first.stdout.trim().split("\n")).toEqual(readMigrations().map((m) => `applied ${m.tag}`));
    const second = await run(["migrate"], { DATABASE_URL: url });
    ok(second);
    expect(second.stdout).toContain("nothing to apply");
  });

  it("status lists applied migrations", async () => {
    const r = await run(["status", "--url", url, "--json"]);
    ok(r);
    expect(JSON.parse(r.stdout)).toEqual(readMigrations().map((m) => ({ tag: m.tag, applied: true })));
  });

  it("verify is green on a migrated database", async () => {
    const r = await run(["verify", "--url", url]);
    ok(r);
    expect(r.stdout).not.toContain("FAIL");
    expect(r.stdout).toMatch(/\d+ passed, 0 failed/);
    const json = JSON.parse((await run(["verify", "--url", url, "--json"])).stdout) as { ok: boolean };
    expect(json.ok).toBe(true);
  });

  it("verify turns red, naming the problem, when a policy is dropped", async () => {
    await tamper("drop policy users_select_own on shared_db.users");
    const r = await run(["verify", "--url", url]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL {2}policies .*missing policy users\.users_select_own/);
    await tamper("create policy users_select_own on shared_db.users for select to shared_db_app using (id = (select shared_db.current_user_id()))");
    ok(await run(["verify", "--url", url]));
  });

  it("verify turns red when a policy differs from the schema's, or one the schema does not declare exists", async () => {
    await tamper(
      "drop policy users_select_own on shared_db.users",
      "create policy users_select_own on shared_db.users for all to shared_db_app, shared_db_service using (id = (select shared_db.current_user_id()))",
      "create policy users_select_all on shared_db.users for select to public using (true)",
    );
    const r = await run(["verify", "--url", url]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      "policy users.users_select_own is PERMISSIVE FOR ALL TO shared_db_app,shared_db_service, not PERMISSIVE FOR SELECT TO shared_db_app",
    );
    expect(r.stdout).toContain("unexpected policy users.users_select_all (PERMISSIVE FOR SELECT TO public)");
    await tamper(
      "drop policy users_select_all on shared_db.users",
      "drop policy users_select_own on shared_db.users",
      "create policy users_select_own on shared_db.users for select to shared_db_app using (id = (select shared_db.current_user_id()))",
    );
    ok(await run(["verify", "--url", url]));
  });

  it("verify turns red when FORCE row-level security is off", async () => {
    await tamper("alter table shared_db.audit_logs no force row level security");
    const r = await run(["verify", "--url", url]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("RLS not forced on audit_logs");
    await tamper("alter table shared_db.audit_logs force row level security");
  });

  it("verify turns red when PUBLIC or the application role may create temporary objects, and warns that PUBLIC may connect", async () => {
    const onThisDatabase = (statement: string) => `do $$ begin execute format('${statement.replaceAll("'", "''")}', current_database()); end $$`;
    const green = await run(["verify", "--url", url]);
    ok(green);
    expect(green.stdout).toMatch(/PASS {2}neither PUBLIC nor shared_db_app may create temporary objects\n/);
    expect(green.stdout).toMatch(
      /WARN {2}who may connect to this database: PUBLIC has CONNECT on database "\w+".* Run `REVOKE CONNECT ON DATABASE "\w+" FROM PUBLIC;`/,
    );
    expect(green.stdout).toMatch(/\d+ passed, 0 failed, 1 with a warning/);
    for (const grantee of ["public", "shared_db_app"]) {
      await tamper(onThisDatabase(`grant temporary on database %I to ${grantee}`));
      const r = await run(["verify", "--url", url]);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(
        new RegExp(
          `FAIL {2}neither PUBLIC nor shared_db_app may create temporary objects: ${grantee === "public" ? "PUBLIC" : grantee} has TEMPORARY on database "\\w+"\\. Run \`REVOKE TEMPORARY ON DATABASE`,
        ),
      );
      await tamper(onThisDatabase(`revoke temporary on database %I from ${grantee}`));
    }
    ok(await run(["verify", "--url", url]));
  });

  // Roles are cluster-wide: granting BYPASSRLS on a shared server would weaken every other
  // database's tests running at the same time, so this case runs on its own embedded database.
  it("verify turns red when the application role has BYPASSRLS", async () => {
    const own = `pglite:${join(dir, "bypass")}`;
    ok(await run(["migrate", "--url", own]));
    const { db, close } = await createDb({ url: own });
    await db.execute("alter role shared_db_app bypassrls");
    await close();
    const r = await run(["verify", "--url", own]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("shared_db_app has BYPASSRLS");
  });

  it("verify names a service policy that lets every member of shared_db_service in, from any database", async () => {
    ok(await run(["verify", "--url", url]));
    await tamper("alter policy users_service_all on shared_db.users using (true) with check (true)");
    const r = await run(["verify", "--url", url]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL {2}service policies \(\d+\) use shared_db\.is_service\(\): users\.users_service_all does not\./);
    expect(r.stdout).toMatch(
      /FAIL {2}members of shared_db_service and shared_db_app from other databases on this server gain nothing here: users\.users_service_all lets any member/,
    );
    await tamper(
      "alter policy users_service_all on shared_db.users using ((select shared_db.is_service())) with check ((select shared_db.is_service()))",
    );
    ok(await run(["verify", "--url", url]));
  });

  it("verify lists the roles that reach the data without owning it", async () => {
    const [member, agent] = [`sdb_member_${process.pid}`, `sdb_agent_${process.pid}`];
    const { db, close } = await createDb({ url });
    const [{ owner }] = rowsOf<{ owner: string }>(
      await db.execute("select nspowner::regrole::text as owner from pg_namespace where nspname = 'shared_db'"),
    ) as [{ owner: string }];
    await close();
    try {
      await tamper(
        `create role ${member} nologin`,
        `grant ${owner} to ${member}`,
        `create role ${agent} nologin`,
        `grant execute on function shared_db.acts_for_users() to ${agent}`,
      );
      const r = await run(["verify", "--url", url]);
      ok(r);
      expect(r.stdout).toContain(
        `PASS  roles that reach this database's data without owning it: ${agent} (EXECUTE on shared_db.acts_for_users()), ${member} (member of the schema owner)`,
      );
      await tamper("grant execute on function shared_db.acts_for_users() to public");
      const open = await run(["verify", "--url", url]);
      expect(open.code).toBe(1);
      expect(open.stdout).toContain("FAIL  roles that reach this database's data without owning it: PUBLIC may EXECUTE shared_db.acts_for_users()");
    } finally {
      await tamper(
        "revoke execute on function shared_db.acts_for_users() from public",
        `drop role if exists ${member}`,
        `revoke all on function shared_db.acts_for_users() from ${agent}`,
        `drop role if exists ${agent}`,
      );
    }
    expect((await run(["verify", "--url", url])).stdout).toContain("PASS  roles that reach this database's data without owning it: none");
  });

  it("verify turns red for a role with BYPASSRLS that has privileges on shared_db tables", async () => {
    // Its own embedded database: a BYPASSRLS member of shared_db_app on a shared server would reach every database.
    const own = `pglite:${join(dir, "reach")}`;
    ok(await run(["migrate", "--url", own]));
    const { db, close } = await createDb({ url: own });
    await db.execute("create role sdb_reader nologin bypassrls");
    await db.execute("grant shared_db_app to sdb_reader");
    await close();
    const r = await run(["verify", "--url", own]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      "FAIL  roles that reach this database's data without owning it: sdb_reader has BYPASSRLS and privileges on shared_db tables",
    );
  });

  it("reset refuses without --yes, and refuses a non-local host without --force", async () => {
    const r = await run(["reset", "--url", url]);
    expect(r).toMatchObject({ code: 1, stderr: expect.stringContaining("pass --yes") });
    const remote = await run(["reset", "--yes", "--url", "postgres://u@db.example.com/app"]);
    expect(remote).toMatchObject({ code: 1, stderr: expect.stringContaining('refusing to reset non-local host "db.example.com"') });
  });

  it("reset --yes drops and re-creates the schema", async () => {
    await tamper("insert into shared_db.users (email) values ('gone@example.com')");
    const r = await run(["reset", "--yes", "--url", url]);
    ok(r);
    expect(r.stdout).toContain(`re-applied ${readMigrations().length} migrations`);
    ok(await run(["verify", "--url", url]));
  });

  it("rotate-keys re-encrypts every stored secret under the new primary key, leaving none under the old", async () => {
    const [oldKey, newKey] = [generateKey(), generateKey()];
    const { db, close } = await createDb({ url });
    try {
      const store = createSlackInstallationStore({ db, keyring: createKeyring({ keys: [oldKey] }), clientId: "cli" });
      await store.storeInstallation({
        team: { id: "TROT" },
        enterprise: undefined,
        user: { id: "U1", token: "xoxp-rotate-me", scopes: [] },
        bot: { id: "B", userId: "UB", token: "xoxb-rotate-me", scopes: [] },
        isEnterpriseInstall: false,
        authVersion: "v2",
      });
    } finally {
      await close();
    }
    const missing = await run(["rotate-keys", "--url", url], { ENCRYPTION_KEYS: undefined, ENCRYPTION_KEY: undefined });
    expect(missing).toMatchObject({ code: 1, stderr: expect.stringContaining("Set ENCRYPTION_KEYS") });
    const r = await run(["rotate-keys", "--url", url], { ENCRYPTION_KEYS: `${newKey},${oldKey}` });
    ok(r);
    const newId = createKeyring({ keys: [newKey] }).primaryKeyId;
    expect(r.stdout).toContain(`re-encrypted 4 values under key ${newId}`);
    expect(r.stdout).toContain("no values remain under old keys");
    const reopened = await createDb({ url });
    try {
      const store = createSlackInstallationStore({ db: reopened.db, keyring: createKeyring({ keys: [newKey] }), clientId: "cli" });
      const got = await store.fetchInstallation({ teamId: "TROT", enterpriseId: undefined, isEnterpriseInstall: false, userId: "U1" });
      expect([got.bot!.token, got.user.token]).toEqual(["xoxb-rotate-me", "xoxp-rotate-me"]);
    } finally {
      await reopened.close();
    }
  });

  it("generate-key prints a key the keyring takes; rotate-keys names each value it cannot decrypt, rotates the rest, exits 1", async () => {
    const generated = await run(["generate-key"]);
    ok(generated);
    const oldKey = generated.stdout.trim();
    expect(createKeyring({ keys: [oldKey] }).keyIds).toHaveLength(1);
    // A standard-alphabet key, as `openssl rand -base64 32` prints it.
    const newKey = randomBytes(32).toString("base64");
    const { db, close } = await createDb({ url });
    let badRow: string;
    try {
      const store = createSlackInstallationStore({ db, keyring: createKeyring({ keys: [oldKey] }), clientId: "cli2" });
      for (const team of ["TBAD", "TGOOD"]) {
        await store.storeInstallation({
          team: { id: team },
          enterprise: undefined,
          user: { id: "U1", token: `xoxp-${team}`, scopes: [] },
          bot: { id: "B", userId: "UB", token: `xoxb-${team}`, scopes: [] },
          isEnterpriseInstall: false,
          authVersion: "v2",
        });
      }
      // One value encrypted under a key nobody has any more.
      const lost = createKeyring({ keys: [generateKey()] }).encrypt("xoxb-lost");
      const rows = await db.execute(sql`update shared_db.slack_installations set bot_token = ${lost}
        where team_id = 'TBAD' and client_id = 'cli2' returning id`);
      badRow = rowsOf<{ id: string }>(rows)[0]!.id;
    } finally {
      await close();
    }
    const r = await run(["rotate-keys", "--url", url], { ENCRYPTION_KEYS: `${newKey},${oldKey}`, ENCRYPTION_KEY: undefined });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`cannot decrypt slack_installations.bot_token row ${badRow}: unknown key (left as it is)`);
    // The earlier test's values are under a key this run does not hold: named too.
    const named = r.stderr.split("\n").filter((l) => l.startsWith("cannot decrypt "));
    expect(named.every((l) => /^cannot decrypt \w+\.\w+ row [0-9a-f-]{36}: [a-z ]+ \(left as it is\)$/.test(l))).toBe(true);
    expect(r.stdout).toContain(`${named.length} values could not be decrypted`);
    expect(r.stdout + r.stderr).not.toContain("xoxb-lost");
    const reopened = await createDb({ url });
    try {
      const store = createSlackInstallationStore({ db: reopened.db, keyring: createKeyring({ keys: [newKey] }), clientId: "cli2" });
      const got = await store.fetchInstallation({ teamId: "TGOOD", enterpriseId: undefined, isEnterpriseInstall: false, userId: "U1" });
      expect([got.bot!.token, got.user.token]).toEqual(["xoxb-TGOOD", "xoxp-TGOOD"]);
    } finally {
      await reopened.close();
    }
  });

  it("import-slack-installations counts with --dry-run, imports with encrypted tokens, then finds nothing to store", async () => {
    await tamper(
      "CREATE SCHEMA IF NOT EXISTS legacy_cli",
      "CREATE TABLE legacy_cli.slack_o_auth_installation (team_id varchar, team_name varchar, enterprise_id varchar, bot_token varchar, bot_id varchar, bot_user_id varchar, bot_scopes varchar, user_id varchar, is_enterprise_install boolean DEFAULT false, installed_at timestamptz DEFAULT now())",
      "INSERT INTO legacy_cli.slack_o_auth_installation (team_id, bot_token, bot_id, bot_user_id, bot_scopes, user_id) VALUES ('TCLI', 'xoxb-cli-import', 'B', 'UB', 'chat:write', 'U')",
    );
    const key = generateKey();
    const args = ["import-slack-installations", "--url", url, "--format", "seed", "--schema", "legacy_cli", "--client-id", "cli-import"];
    expect(await run([...args.slice(0, 3), "--format", "piccolo"], { ENCRYPTION_KEYS: key })).toMatchObject({
      code: 1,
      stderr: expect.stringContaining("--format"),
    });
    const dry = await run([...args, "--dry-run"], { ENCRYPTION_KEYS: key });
    ok(dry);
    expect(dry.stdout).toContain("1 rows, 1 installations: 1 to store, 0 unchanged");
    const first = await run(args, { ENCRYPTION_KEYS: key });
    ok(first);
    expect(first.stdout).toContain("1 stored, 0 unchanged");
    const again = await run(args, { ENCRYPTION_KEYS: key });
    expect(again.stdout).toContain("0 stored, 1 unchanged, 0 skipped");
    // A changed source row no newer than the stored installation is skipped and named (no token printed).
    await tamper("UPDATE legacy_cli.slack_o_auth_installation SET bot_token = 'xoxb-cli-stale'");
    const stale = await run(args, { ENCRYPTION_KEYS: key });
    ok(stale);
    expect(stale.stdout).toContain("0 stored, 0 unchanged, 1 skipped");
    expect(stale.stdout).toMatch(/skipped team TCLI user U: source row installed \S+Z, the stored installation \S+Z/);
    expect(stale.stdout).not.toContain("xoxb");
    const { db, close } = await createDb({ url });
    try {
      const [bot] = rowsOf<{ bot_token: string }>(await db.execute(sql`select bot_token from shared_db.slack_bots where team_id = 'TCLI'`));
      expect(bot!.bot_token).toMatch(/^sdb1:/);
      const store = createSlackInstallationStore({ db, keyring: createKeyring({ keys: [key] }), clientId: "cli-import" });
      expect((await store.fetchInstallation({ teamId: "TCLI", enterpriseId: undefined, isEnterpriseInstall: false })).bot?.token).toBe(
        "xoxb-cli-import",
      );
    } finally {
      await close();
    }
  });

  it("reports errors in one line with exit code 1, and a stack only with --debug", async () => {
    const bad = await run(["verify", "--url", "postgres://u:pw@127.0.0.1:1/x"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toBe("shared-db: Cannot connect to PostgreSQL at 127.0.0.1:1/x: connection refused");
    const none = await run(["verify"], { DATABASE_URL: undefined });
    expect(none.stderr.trim()).toMatch(/^shared-db: No database: set DATABASE_URL/);
    const debug = await run(["verify", "--debug", "--url", "mysql://x"]);
    expect(debug.stderr).toMatch(/\n\s+at /);
    expect((await run(["frobnicate"])).stderr).toContain('unknown command "frobnicate"');
  });

  it("warns at start, on stderr, when Node is older than 22.19, and not on a supported Node", async () => {
    // The process reports an older runtime (set before the CLI module runs); the command still works.
    const preload = join(dir, "old-node.mjs");
    writeFileSync(preload, `Object.defineProperty(process, "versions", { value: { ...process.versions, node: "20.11.1" } });\n`);
    const old = await run(["--help"], { NODE_OPTIONS: `--import=${preload}` });
    expect(old.code).toBe(0);
    expect(old.stderr.trim()).toBe("shared-db: warning: Node 20.11.1 is older than supported (22.19+ or 24); upgrade Node, some commands may fail");
    expect(old.stdout).toContain("Usage: shared-db");
    expect((await run(["--help"])).stderr).toBe("");
    expect(["22.18.0", "20.19.0", "22.19.0", "24.0.0", "23.1.0"].map((v) => nodeVersionWarning(v) !== undefined)).toEqual([
      true,
      true,
      false,
      false,
      false,
    ]);
  });
});
