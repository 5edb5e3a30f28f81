import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type DbHandle } from "../../src/db";
import { withRls } from "../../src";
import { transactions } from "../../src/schema";
import { createProject, recordTransaction, releaseFunds, requireEscrowBalance } from "../../src/stores";
import { onHostOf } from "../../src/testing/database";
import { startCountingProxy, type CountingProxy } from "../support/counting-proxy";
import { makeUser, onServer, serverOnly, useTestDb } from "../support/db";
import { connectionErrorOf, settle, useCrashCounter } from "./support";

// Losing COMMIT's answer needs a real connection to a server: PGlite has none to lose.
const skip = !onServer;
const pooled = Boolean(process.env.DATABASE_POOLER_URL);

describe("a retried payment", () => {
  const t = useTestDb();
  const crashes = useCrashCounter();
  let proxy: CountingProxy;
  let h: DbHandle | undefined;

  beforeAll(async () => {
    if (skip) return;
    proxy = await startCountingProxy(pooled ? onHostOf(t.url!, process.env.DATABASE_POOLER_URL!) : t.url!);
  });
  afterAll(async () => {
    await h?.close().catch(() => {});
    await proxy?.close();
    expect(crashes.errors).toEqual([]);
  });

  it.skipIf(skip)(`releaseFunds whose COMMIT answer was lost: unknown outcome, the retry with its key pays nothing more${serverOnly}`, async () => {
    const [creator, buyer, seller] = [await makeUser(t.db, "creator"), await makeUser(t.db, "buyer"), await makeUser(t.db, "seller")];
    const { project } = await createProject(t.db, {
      creatorId: creator.id,
      buyerId: buyer.id,
      sellerId: seller.id,
      title: "Site",
      totalAmount: "1000",
    });
    await recordTransaction(t.db, { userId: buyer.id, projectId: project.id, transactionType: "escrow_hold", amount: "1000" });
    h = await createDb({ url: proxy.url, max: 1, queryTimeout: 2, ...(pooled ? { pooler: "transaction" as const } : {}) });
    const release = { projectId: project.id, userId: seller.id, amount: "400", idempotencyKey: randomUUID() };
    const asBuyer = () => withRls(h!.db, { userId: buyer.id }, (tx) => releaseFunds(tx, release));

    const cut = proxy.cutAfter(/commit/i);
    const lost = settle(asBuyer());
    await cut;
    const error = connectionErrorOf(await lost);
    expect(error.outcome).toBe("unknown");
    // It did commit: the balance moved once.
    expect(await requireEscrowBalance(t.db, { projectId: project.id })).toBe("600.0000");

    const retried = await settle(asBuyer());
    expect(retried.ok, retried.ok ? "" : String(retried.error)).toBe(true);
    const releases = await t.db
      .select()
      .from(transactions)
      .where(and(eq(transactions.projectId, project.id), eq(transactions.transactionType, "escrow_release")));
    expect(releases).toHaveLength(1);
    expect((retried as { value: { id: string } }).value.id).toBe(releases[0]!.id);
    expect(await requireEscrowBalance(t.db, { projectId: project.id })).toBe("600.0000");
    expect(crashes.uncaught()).toBe(0);
    expect(crashes.unhandled()).toBe(0);
  });
});
