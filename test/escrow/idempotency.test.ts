import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { withRls } from "../../src";
import { ConflictError, ValidationError } from "../../src/errors";
import { transactions } from "../../src/schema";
import { createProject, recordPaymentIntent, recordTransaction, releaseFunds, requireEscrowBalance } from "../../src/stores";
import { makeUser, useTestDb } from "../support/db";

const t = useTestDb();

async function heldProject() {
  const p = { creator: await makeUser(t.db, "creator"), buyer: await makeUser(t.db, "buyer"), seller: await makeUser(t.db, "seller") };
  const { project } = await createProject(t.db, {
    creatorId: p.creator.id,
    buyerId: p.buyer.id,
    sellerId: p.seller.id,
    title: "Site",
    totalAmount: "1000",
  });
  await recordTransaction(t.db, { userId: p.buyer.id, projectId: project.id, transactionType: "escrow_hold", amount: "1000" });
  return { ...p, projectId: project.id };
}
const rowsOfProject = async (projectId: string) => (await t.db.select().from(transactions).where(eq(transactions.projectId, projectId))).length;

describe("idempotency keys on money movements", () => {
  it("releaseFunds: a retry with the same key returns the first release and writes nothing; another key pays again", async () => {
    const p = await heldProject();
    const key = randomUUID();
    const release = { projectId: p.projectId, userId: p.seller.id, amount: "300", idempotencyKey: key };
    const first = await withRls(t.db, { userId: p.buyer.id }, (tx) => releaseFunds(tx, release));
    const rows = await rowsOfProject(p.projectId);
    const again = await withRls(t.db, { userId: p.buyer.id }, (tx) => releaseFunds(tx, { ...release, amount: "300.00" }));
    expect(again).toEqual(first);
    expect(first.idempotencyKey).toBe(key);
    expect(await rowsOfProject(p.projectId)).toBe(rows);
    expect(await requireEscrowBalance(t.db, { projectId: p.projectId })).toBe("700.0000");

    const other = await withRls(t.db, { userId: p.buyer.id }, (tx) => releaseFunds(tx, { ...release, idempotencyKey: randomUUID() }));
    expect(other.id).not.toBe(first.id);
    expect(await rowsOfProject(p.projectId)).toBe(rows + 1);
    expect(await requireEscrowBalance(t.db, { projectId: p.projectId })).toBe("400.0000");
  });

  it("releaseFunds: the same key with other details is a ConflictError naming the key's index, and nothing moves", async () => {
    const p = await heldProject();
    const key = randomUUID();
    await releaseFunds(t.db, { projectId: p.projectId, userId: p.seller.id, amount: "100", idempotencyKey: key });
    const rows = await rowsOfProject(p.projectId);
    for (const patch of [{ amount: "101" }, { description: "other" }]) {
      const e = await releaseFunds(t.db, { projectId: p.projectId, userId: p.seller.id, amount: "100", idempotencyKey: key, ...patch }).catch(
        (x: unknown) => x,
      );
      expect(e, JSON.stringify(patch)).toBeInstanceOf(ConflictError);
      expect((e as ConflictError).constraint).toBe("transactions_user_idempotency_key");
    }
    expect(await rowsOfProject(p.projectId)).toBe(rows);
    expect(await requireEscrowBalance(t.db, { projectId: p.projectId })).toBe("900.0000");
  });

  it("recordPaymentIntent: a retry with the same key returns the first intent and writes nothing; another key records again", async () => {
    const p = await heldProject();
    const key = randomUUID();
    const intent = { userId: p.buyer.id, projectId: p.projectId, transactionType: "escrow_hold" as const, amount: "50", idempotencyKey: key };
    const first = await withRls(t.db, { userId: p.buyer.id }, (tx) => recordPaymentIntent(tx, intent));
    const rows = await rowsOfProject(p.projectId);
    expect(await withRls(t.db, { userId: p.buyer.id }, (tx) => recordPaymentIntent(tx, intent))).toEqual(first);
    expect(await rowsOfProject(p.projectId)).toBe(rows);
    const e = await withRls(t.db, { userId: p.buyer.id }, (tx) => recordPaymentIntent(tx, { ...intent, amount: "51" })).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ConflictError);
    expect((e as ConflictError).constraint).toBe("transactions_user_idempotency_key");
    expect(await rowsOfProject(p.projectId)).toBe(rows);
    // The key is the user's own: another user's intent with it is another intent.
    await withRls(t.db, { userId: p.seller.id }, (tx) => recordPaymentIntent(tx, { ...intent, userId: p.seller.id }));
    await withRls(t.db, { userId: p.buyer.id }, (tx) => recordPaymentIntent(tx, { ...intent, idempotencyKey: randomUUID() }));
    expect(await rowsOfProject(p.projectId)).toBe(rows + 2);
  });

  it.each(["", "has space", "x".repeat(256), "é"])("refuses the key %j with a ValidationError naming idempotencyKey", async (key) => {
    const p = await heldProject();
    const rows = await rowsOfProject(p.projectId);
    const release = releaseFunds(t.db, { projectId: p.projectId, userId: p.seller.id, amount: "1", idempotencyKey: key });
    await expect(release).rejects.toBeInstanceOf(ValidationError);
    await expect(release).rejects.toMatchObject({ field: "idempotencyKey" });
    const intent = recordPaymentIntent(t.db, { userId: p.buyer.id, transactionType: "deposit", amount: "1", idempotencyKey: key });
    await expect(intent).rejects.toMatchObject({ field: "idempotencyKey" });
    expect(await rowsOfProject(p.projectId)).toBe(rows);
  });
});
