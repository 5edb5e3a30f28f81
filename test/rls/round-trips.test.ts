import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createDb, withRls } from "../../src";
import type { Db } from "../../src/db";
import { users } from "../../src/schema";
import { startCountingProxy } from "../support/counting-proxy";
import { makeUser, onServer, serverOnly, useTestDb } from "../support/db";

const t = useTestDb();

describe("withRls cost", () => {
  it.skipIf(!onServer)(`costs no round trip more than db.transaction with the same query${serverOnly}`, async () => {
    const a = await makeUser(t.db);
    const proxy = await startCountingProxy(t.url!);
    const { db, close } = await createDb({ url: proxy.url, max: 1 });
    try {
      const select = (tx: Db) => tx.select({ id: users.id }).from(users).where(eq(users.id, a.id));
      const measure = async (run: () => Promise<unknown>) => {
        await run(); // warm: prepares statements on the connection
        proxy.reset();
        for (let i = 0; i < 10; i++) await run();
        return proxy.roundTrips() / 10;
      };
      const plain = await measure(() => db.transaction((tx) => select(tx)));
      const scoped = await measure(() => withRls(db, { userId: a.id }, (tx) => select(tx)));
      console.log(`round trips: db.transaction + select = ${plain}, withRls + select = ${scoped}`);
      expect(scoped).toBe(plain);
    } finally {
      await close();
      await proxy.close();
    }
  });
});
