import { eq } from "drizzle-orm";
import { createDb, withRls, type DbHandle } from "../src";
import type { Db, Tx } from "../src/db";
import { users } from "../src/schema";
import { createUser } from "../src/stores";
import { createTestDatabase, type TestDatabase } from "../src/testing";
import { startCountingProxy, type CountingProxy } from "../test/support/counting-proxy";
import { defineSuite } from "./harness";

let t: TestDatabase;
let id = "";
let proxy: CountingProxy;
let counted: DbHandle;
const select = (tx: Db) => tx.select({ id: users.id, email: users.email }).from(users).where(eq(users.id, id));

/**
 * The floor, piece by piece: db.transaction + the select with one more prepared statement queued
 * ahead of the select on the same connection (so in the same round trip), as withRls queues its
 * setup statement; the last adds withRls's reset statement ahead of COMMIT, without withRls around it.
 */
const run = (tx: Tx, name: string, text: string, params: unknown[]) =>
  tx._.session.prepareQuery({ sql: text, params }, undefined, name, false).execute();
const withStatement = (name: string, text: string, params: () => unknown[], beforeCommit?: string) => () =>
  t.db.transaction(async (tx: Tx) => {
    const extra = run(tx, name, text, params());
    extra.catch(() => {});
    const rows = await select(tx);
    await extra;
    if (beforeCommit) run(tx, `${name}_reset`, beforeCommit, []).catch(() => {});
    return rows;
  });
const setConfig = (role: string) =>
  `select set_config('app.user_id', $1, true) || set_config('request.jwt.claims', $2, true) || set_config('role', ${role}, true) || set_config('lock_timeout', $4, true)`;
const reset = "select shared_db.reset_session()";
const setupParams = () => [id, JSON.stringify({ sub: id }), "shared_db_app", "5000ms"];

async function roundTrips(run: () => Promise<unknown>): Promise<number> {
  await run();
  proxy.reset();
  for (let i = 0; i < 20; i++) await run();
  return proxy.roundTrips() / 20;
}

export default defineSuite({
  name: "withRls on the local server (postgres.js)",
  skip: process.env.DATABASE_URL ? undefined : "needs DATABASE_URL",
  async setup() {
    t = await createTestDatabase();
    id = (await createUser(t.db, { email: "rls-bench@example.com" })).id;
    proxy = await startCountingProxy(t.url!);
    counted = await createDb({ url: proxy.url, max: 1 });
  },
  async teardown() {
    await counted.close();
    await proxy.close();
    await t.close();
  },
  baseline: { name: "db.transaction + one select", fn: () => t.db.transaction((tx) => select(tx)) },
  cases: [
    { name: "withRls + the same select", fn: () => withRls(t.db, { userId: id }, (tx) => select(tx)) },
    { name: "floor: + SELECT 1 in the same round trip", fn: withStatement("bench_select_1", "select 1", () => []) },
    { name: "floor: + set_config of user, claims and role (no role check)", fn: withStatement("bench_set_config", setConfig("$3"), setupParams) },
    {
      name: "floor: + withRls's setup statement (with the role check)",
      fn: withStatement("bench_rls_setup", setConfig("shared_db.rls_role($3)"), setupParams),
    },
    {
      name: "floor: + the setup statement, and the reset ahead of COMMIT (no withRls wrapper)",
      fn: withStatement("bench_rls_setup", setConfig("shared_db.rls_role($3)"), setupParams, reset),
    },
  ],
  async notes() {
    const plain = await roundTrips(() => counted.db.transaction((tx) => select(tx)));
    const scoped = await roundTrips(() => withRls(counted.db, { userId: id }, (tx) => select(tx)));
    return [`round trips: db.transaction + select = ${plain}, withRls + select = ${scoped}`];
  },
});
