import { eq } from "drizzle-orm";
import { createDb, withRls, type DbHandle } from "../src";
import type { Db } from "../src/db";
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
  cases: [{ name: "withRls + the same select", fn: () => withRls(t.db, { userId: id }, (tx) => select(tx)) }],
  async notes() {
    const plain = await roundTrips(() => counted.db.transaction((tx) => select(tx)));
    const scoped = await roundTrips(() => withRls(counted.db, { userId: id }, (tx) => select(tx)));
    return [`round trips: db.transaction + select = ${plain}, withRls + select = ${scoped}`];
  },
});
