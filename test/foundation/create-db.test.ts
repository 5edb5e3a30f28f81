import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConnectionError, createDb, isSharedDbError, migrate } from "../../src";
import { createUser, getUserByEmail } from "../../src/stores";
import { onServer, serverOnly } from "../support/db";

describe("createDb", () => {
  /** Runs fn with DATABASE_URL unset and NODE_ENV as given, capturing what is written to stderr. */
  async function withoutUrl<T>(nodeEnv: string | undefined, fn: () => Promise<T>): Promise<{ result: T; stderr: string }> {
    const saved = { url: process.env.DATABASE_URL, env: process.env.NODE_ENV };
    delete process.env.DATABASE_URL;
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
    const chunks: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((chunk: string | Uint8Array) => (chunks.push(String(chunk)), true)) as typeof write;
    try {
      return { result: await fn(), stderr: chunks.join("") };
    } finally {
      process.stderr.write = write;
      for (const [k, v] of [
        ["DATABASE_URL", saved.url],
        ["NODE_ENV", saved.env],
      ] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  }

  it("opens an in-memory PGlite database when no URL is given, and says so once on stderr", async () => {
    const { stderr } = await withoutUrl("development", async () => {
      for (const email of ["mem@example.com", "mem2@example.com"]) {
        const { db, driver, close } = await createDb();
        expect(driver).toBe("pglite");
        await migrate(db);
        await createUser(db, { email });
        await close();
      }
    });
    expect(stderr.match(/using an in-memory PGlite database/g)).toHaveLength(1);
    expect(stderr).toContain("DATABASE_URL");
  });

  it("refuses to default to in-memory PGlite under NODE_ENV=production, and opens an explicit pglite:memory", async () => {
    const { result: e, stderr } = await withoutUrl("production", () => createDb().catch((x: unknown) => x));
    expect(e).toBeInstanceOf(ConnectionError);
    expect((e as Error).message).toMatch(/NODE_ENV is production and neither options.url nor DATABASE_URL is set/);
    expect(stderr).toBe("");
    const { result: explicit, stderr: quiet } = await withoutUrl("production", async () => {
      const { db, driver, close } = await createDb({ url: "pglite:memory" });
      await db.execute("select 1");
      await close();
      return driver;
    });
    expect(explicit).toBe("pglite");
    expect(quiet).toBe("");
  });

  it("keeps data on disk with pglite:./path", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sdb-pglite-"));
    try {
      const first = await createDb({ url: `pglite:${dir}` });
      await migrate(first.db);
      await createUser(first.db, { email: "disk@example.com" });
      await first.close();
      const second = await createDb({ url: `pglite:${dir}` });
      expect((await migrate(second.db)).applied).toEqual([]);
      expect(await getUserByEmail(second.db, { email: "disk@example.com" })).toBeDefined();
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ["mysql://root@localhost/db", /unsupported scheme "mysql:"/],
    ["not a url", /Invalid database URL/],
    ["postgres://app:50%off@127.0.0.1:1/app", /the password has a "%" that is not percent-encoding/],
    ["postgres://a%zz@127.0.0.1:1/app", /the user name has a "%"/],
    ["postgres://app@127.0.0.1:1/app%", /the database name has a "%"/],
  ])("rejects %s with one clear ConnectionError", async (url, message) => {
    const e = await createDb({ url }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ConnectionError);
    expect(isSharedDbError(e, "connection")).toBe(true);
    expect(isSharedDbError(e, "validation")).toBe(false);
    expect((e as Error).message).toMatch(message);
    expect((e as Error).message).not.toContain("50%off");
  });

  it("names the host of an unreachable server, never the password", async () => {
    const e = await createDb({ url: "postgres://app:s3cret-pw@127.0.0.1:1/app", connectTimeout: 2 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ConnectionError);
    expect((e as Error).message).toBe("Cannot connect to PostgreSQL at 127.0.0.1:1/app: connection refused");
    expect((e as Error).message).not.toContain("s3cret");
  });

  it.skipIf(!onServer)(`says when the database does not exist${serverOnly}`, async () => {
    const url = new URL(process.env.DATABASE_URL!);
    url.pathname = "/sdb_no_such_database";
    const e = await createDb({ url: url.toString() }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ConnectionError);
    expect((e as Error).message).toMatch(/sdb_no_such_database: database does not exist$/);
  });
});
