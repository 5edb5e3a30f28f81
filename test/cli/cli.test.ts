import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb } from "../../src";
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
async function tamper(statement: string) {
  const { db, close } = await createDb({ url });
  try {
    await db.execute(statement);
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
    await tamper(
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
