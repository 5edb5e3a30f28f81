import { randomUUID } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createDb, rowsOf, type DbHandle } from "../../src/db";
import { ConnectionError, QueryTimeoutError, rethrowDbError } from "../../src/errors";
import { users } from "../../src/schema";
import { createUser } from "../../src/stores/users";
import { onHostOf } from "../../src/testing/database";
import { startCountingProxy, type CountingProxy } from "../support/counting-proxy";
import { onServer, serverOnly, useTestDb } from "../support/db";
import { connectionErrorOf, databaseOf, settle, sleep, terminateBackends, useCrashCounter } from "./support";

// Faults need real connections to a server: PGlite runs in-process and has no connection to lose.
const skip = !onServer;
const name = (s: string) => `${s}${serverOnly}`;
const pooled = Boolean(process.env.DATABASE_POOLER_URL);

describe("connection faults", () => {
  const t = useTestDb();
  const crashes = useCrashCounter();
  let proxy: CountingProxy;
  const opened: DbHandle[] = [];

  /** A handle through the fault proxy (to PgBouncer when DATABASE_POOLER_URL is set). */
  async function open(max: number, queryTimeout = 2): Promise<DbHandle> {
    const h = await createDb({ url: proxy.url, max, queryTimeout, ...(pooled ? { pooler: "transaction" as const } : {}) });
    opened.push(h);
    return h;
  }
  const emailCount = async (email: string) => (await t.db.select().from(users).where(eq(users.email, email))).length;
  const email = () => `fault-${randomUUID().slice(0, 8)}@example.test`;
  const pidOf = async (q: { execute: (s: ReturnType<typeof sql>) => Promise<unknown> }) =>
    rowsOf<{ pid: number }>(await q.execute(sql`select pg_backend_pid() as pid`))[0]!.pid;
  /** Every call succeeds again (the pool healed), each within the deadline. */
  async function healed(h: DbHandle, calls = 6) {
    for (let i = 0; i < calls; i++) {
      const r = await settle(h.db.execute(sql`select 1 as one`), 5000);
      expect(r.ok, `call ${i} after the fault: ${r.ok ? "" : `${(r.error as Error).message} ${String((r.error as Error).cause)}`}`).toBe(true);
    }
  }

  beforeAll(async () => {
    if (skip) return;
    proxy = await startCountingProxy(pooled ? onHostOf(t.url!, process.env.DATABASE_POOLER_URL!) : t.url!);
  });
  afterEach(() => proxy?.setMode("pass"));
  afterAll(async () => {
    await Promise.all(opened.map((h) => h.close().catch(() => {})));
    await proxy?.close();
    expect(crashes.errors).toEqual([]);
  });

  it.skipIf(skip)(name("a backend terminated mid-statement in a transaction: typed, not committed, no crash, the pool heals"), async () => {
    const h = await open(1);
    const e = email();
    let pid = 0;
    const call = settle(
      h.db.transaction(async (tx) => {
        await createUser(tx, { email: e });
        pid = await pidOf(tx);
        await tx.execute(sql`select pg_sleep(3)`);
      }),
    );
    while (!pid) await sleep(10);
    await sleep(50);
    expect(await terminateBackends(databaseOf(t.url!), [pid])).toBe(1);
    const error = connectionErrorOf(await call);
    expect(error.outcome).toBe("not-committed");
    expect(error.cause).toBeDefined();
    await sleep(100); // the driver's crash came from a timer a moment later
    expect(crashes.uncaught()).toBe(0);
    expect(crashes.unhandled(), String(crashes.errors.map((e) => (e as Error).stack)).slice(0, 3000)).toBe(0);
    expect(await emailCount(e)).toBe(0);
    await healed(h);
  });

  it.skipIf(skip)(name("a backend terminated while idle in a transaction: the next statement is typed, no crash"), async () => {
    const h = await open(1);
    const e = email();
    let pid = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const call = settle(
      h.db.transaction(async (tx) => {
        pid = await pidOf(tx);
        await gate;
        await createUser(tx, { email: e });
      }),
    );
    while (!pid) await sleep(10);
    await terminateBackends(databaseOf(t.url!), [pid]);
    await sleep(100);
    release();
    const error = connectionErrorOf(await call);
    expect(error.outcome).toBe("not-committed");
    await sleep(100);
    expect(crashes.uncaught()).toBe(0);
    expect(await emailCount(e)).toBe(0);
    await healed(h);
  });

  it.skipIf(skip)(name("every backend terminated at once under load: every call typed or done, the pool heals"), async () => {
    const h = await open(4);
    const emails = Array.from({ length: 12 }, email);
    const calls = emails.map((e) =>
      settle(
        h.db.transaction(async (tx) => {
          await createUser(tx, { email: e });
          await tx.execute(sql`select pg_sleep(0.3)`);
        }),
        6000,
      ),
    );
    await sleep(150);
    await terminateBackends(databaseOf(t.url!));
    const results = await Promise.all(calls);
    for (const [i, r] of results.entries()) {
      if (!r.ok) expect(r.error, String((r.error as Error).message)).toBeInstanceOf(ConnectionError);
      // Data exact: a call that succeeded wrote its row once; one that failed as not-committed wrote nothing.
      const n = await emailCount(emails[i]!);
      if (r.ok) expect(n).toBe(1);
      else if ((r.error as ConnectionError).outcome === "not-committed") expect(n).toBe(0);
      else expect(n).toBeLessThanOrEqual(1);
    }
    await sleep(100);
    expect(crashes.uncaught()).toBe(0);
    await healed(h, 12);
  });

  it.skipIf(skip)(name("the connection reset mid-query outside a transaction: ConnectionError, outcome unknown"), async () => {
    const h = await open(2);
    const call = settle(h.db.execute(sql`select pg_sleep(2)`).catch(rethrowDbError));
    await sleep(200);
    proxy.resetConnections();
    const error = connectionErrorOf(await call);
    expect(error.outcome).toBe("unknown");
    expect(error.cause).toBeDefined();
    await healed(h);
  });

  it.skipIf(skip)(name("the answer to COMMIT lost: ConnectionError with outcome unknown, and the row did commit once"), async () => {
    const h = await open(1);
    const e = email();
    const cut = proxy.cutAfter(/commit/i);
    const call = settle(h.db.transaction(async (tx) => void (await createUser(tx, { email: e }))));
    await cut;
    const error = connectionErrorOf(await call);
    expect(error.outcome).toBe("unknown");
    expect(await emailCount(e)).toBe(1);
    expect(crashes.uncaught()).toBe(0);
    await healed(h);
  });

  it.skipIf(skip)(name("the server refuses connections: typed error at once, and calls succeed when it accepts again"), async () => {
    const h = await open(2);
    await healed(h, 1);
    proxy.setMode("refuse");
    proxy.resetConnections();
    for (let i = 0; i < 4; i++) connectionErrorOf(await settle(h.db.execute(sql`select 1`).catch(rethrowDbError), 4000));
    proxy.setMode("pass");
    await sleep(100);
    await healed(h);
  });

  it.skipIf(skip)(name("a blackholed connection: each call ends at the deadline with QueryTimeoutError, the pool heals"), async () => {
    const h = await open(2, 1);
    await healed(h, 1);
    proxy.setMode("blackhole");
    // settle() ends a call still pending after 4 s as a hang; each must end at its deadline instead.
    const results = await Promise.all([1, 2, 3].map(() => settle(h.db.execute(sql`select 1`).catch(rethrowDbError), 4000)));
    for (const r of results) expect(connectionErrorOf(r)).toBeInstanceOf(QueryTimeoutError);
    proxy.setMode("pass");
    proxy.resetConnections();
    await sleep(300); // a connection being opened during the outage retries within the backoff
    await healed(h);
  });
});
