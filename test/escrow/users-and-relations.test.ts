import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { UserHasProjectsError, withRls } from "../../src";
import { ConflictError, NotFoundError, ValidationError } from "../../src/errors";
import { auditLogs, projects, users } from "../../src/schema";
import { appendAudit, createProject, deactivateUser, deleteUser, getUserById, recordTransaction } from "../../src/stores";
import { makeUser, useTestDb } from "../support/db";

const t = useTestDb();

async function escrow() {
  const [creator, buyer, seller, outsider] = [
    await makeUser(t.db, "creator"),
    await makeUser(t.db, "buyer"),
    await makeUser(t.db, "seller"),
    await makeUser(t.db, "outsider"),
  ];
  const { project, milestones } = await createProject(t.db, {
    creatorId: creator.id,
    buyerId: buyer.id,
    sellerId: seller.id,
    title: "Website",
    totalAmount: "1000.00",
    milestones: [
      { title: "Design", amount: "400.00" },
      { title: "Build", amount: "600.00" },
    ],
  });
  const { transaction } = await recordTransaction(t.db, {
    userId: buyer.id,
    projectId: project.id,
    milestoneId: milestones[0]!.id,
    transactionType: "escrow_hold",
    amount: "400.00",
  });
  return { creator, buyer, seller, outsider, project, milestones, transaction };
}

describe("deleting a user who is a party to escrow projects (escrow-backend.md)", () => {
  it("is refused with UserHasProjectsError naming the projects, for creator, buyer and seller; nothing is deleted", async () => {
    const e1 = await escrow();
    const second = await createProject(t.db, { creatorId: e1.creator.id, title: "Second", totalAmount: "5" });
    for (const who of [e1.creator, e1.buyer, e1.seller]) {
      const error = await deleteUser(t.db, { id: who.id }).catch((x: unknown) => x);
      expect(error).toBeInstanceOf(UserHasProjectsError);
      expect(error).toBeInstanceOf(ConflictError);
      const expected = who === e1.creator ? [e1.project.id, second.project.id].sort() : [e1.project.id];
      expect((error as UserHasProjectsError).projectIds).toEqual(expected);
      expect((error as Error).message).toContain(e1.project.id);
      expect(await getUserById(t.db, { id: who.id })).toBeDefined();
    }
    expect((await t.db.select().from(projects).where(eq(projects.creatorId, e1.creator.id))).length).toBe(2);
    // The documented alternative keeps every record.
    expect((await deactivateUser(t.db, { id: e1.creator.id })).isActive).toBe(false);
  });

  it("deletes a user with no projects; audit entries keep the row with the actor set to NULL", async () => {
    const { outsider } = await escrow();
    const entry = await appendAudit(t.db, { actorId: outsider.id, action: "login", entityType: "user" });
    await deleteUser(t.db, { id: outsider.id });
    expect(await getUserById(t.db, { id: outsider.id })).toBeUndefined();
    const [kept] = await t.db.select().from(auditLogs).where(eq(auditLogs.id, entry.id));
    expect(kept?.actorId).toBeNull();
    await expect(deleteUser(t.db, { id: outsider.id })).rejects.toThrow(NotFoundError);
    await expect(deleteUser(t.db, { id: "not-a-uuid" })).rejects.toThrow(ValidationError);
  });

  it("a user cannot delete anyone under withRls, not even themselves", async () => {
    const { outsider } = await escrow();
    await expect(withRls(t.db, { userId: outsider.id }, (tx) => deleteUser(tx, { id: outsider.id }))).rejects.toThrow();
    expect((await t.db.select().from(users).where(eq(users.id, outsider.id))).length).toBe(1);
  });
});

describe("escrow relations through db.query under RLS", () => {
  it("project.milestones and milestone.transactions load for the parties, and nothing for an outsider", async () => {
    const e = await escrow();
    const load = (userId: string) =>
      withRls(t.db, { userId }, (tx) =>
        tx.query.projects.findMany({
          where: eq(projects.id, e.project.id),
          with: { milestones: { orderBy: (m, { asc }) => asc(m.orderIndex), with: { transactions: true } } },
        }),
      );
    const [asBuyer] = await load(e.buyer.id);
    expect(asBuyer?.milestones.map((m) => m.title)).toEqual(["Design", "Build"]);
    expect(asBuyer?.milestones[0]!.transactions.map((x) => x.id)).toEqual([e.transaction.id]);
    expect(asBuyer?.milestones[1]!.transactions).toEqual([]);
    const [asCreator] = await load(e.creator.id);
    expect(asCreator?.milestones.length).toBe(2);
    expect(await load(e.outsider.id)).toEqual([]);
    // From the other end: a transaction's milestone and project.
    const viaTransaction = await withRls(t.db, { userId: e.buyer.id }, (tx) =>
      tx.query.transactions.findFirst({ where: (x, { eq: is }) => is(x.id, e.transaction.id), with: { milestone: true, project: true } }),
    );
    expect(viaTransaction?.milestone?.id).toBe(e.milestones[0]!.id);
    expect(viaTransaction?.project?.id).toBe(e.project.id);
    const hidden = await withRls(t.db, { userId: e.outsider.id }, (tx) =>
      tx.query.transactions.findFirst({ where: (x, { eq: is }) => is(x.id, e.transaction.id) }),
    );
    expect(hidden).toBeUndefined();
  });
});
