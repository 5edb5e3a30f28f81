import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConnectionError, createDb, migrate } from "../../src";
import { createUser, getUserByEmail } from "../../src/stores";
import { onServer, serverOnly } from "../support/db";

describe("createDb", () => {
  it("opens an in-memory PGlite database when no URL is given", async () => {
    const saved = process.env.DATABASE_URL;
    delete process.env.DATABASE_URL;
    try {
      const { db, driver, close } = await createDb();
      expect(driver).toBe("pglite");
      await migrate(db);
      await createUser(db, { email: "mem@example.com" });
      await close();
    } finally {
      if (saved !== undefined) process.env.DATABASE_URL = saved;
    }
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
      expect(await getUserByEmail(second.db, "disk@example.com")).toBeDefined();
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ["mysql://root@localhost/db", /unsupported scheme "mysql:"/],
    ["not a url", /Invalid database URL/],
  ])("rejects %s with one clear ConnectionError", async (url, message) => {
    const e = await createDb({ url }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ConnectionError);
    expect((e as Error).message).toMatch(message);
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
