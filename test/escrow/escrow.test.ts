import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createDb, withRls } from "../../src";
import { ConflictError, ForbiddenError, InvariantError, NotFoundError, ValidationError } from "../../src/errors";
import { milestones, projects, transactions } from "../../src/schema";
import {
  acceptTerms,
  createProject,
  requireEscrowBalance,
  MILESTONE_TRANSITIONS,
  PROJECT_TRANSITIONS,
  recordPaymentIntent,
  recordTransaction,
  releaseFunds,
  settleTransaction,
  transitionMilestone,
  transitionProject,
} from "../../src/stores";
import type { PublicUser } from "../../src/stores";
import { makeUser, onServer, serverOnly, useTestDb } from "../support/db";

const t = useTestDb();

async function parties() {
  return { creator: await makeUser(t.db, "creator"), buyer: await makeUser(t.db, "buyer"), seller: await makeUser(t.db, "seller") };
}
async function project(p: { creator: PublicUser; buyer: PublicUser; seller: PublicUser }, total = "1000.00") {
  return createProject(t.db, {
    creatorId: p.creator.id,
    buyerId: p.buyer.id,
    sellerId: p.seller.id,
    title: "Website",
    totalAmount: total,
    milestones: [
      { title: "Design", amount: "400.00" },
      { title: "Build", amount: "600.00" },
    ],
  });
}
const hold = (userId: string, projectId: string, amount: string, gatewayTransactionId?: string) =>
  recordTransaction(t.db, { userId, projectId, transactionType: "escrow_hold", amount, gatewayTransactionId });

describe("projects and milestones", () => {
  it("creates a project with its milestones in one transaction", async () => {
    const p = await parties();
    const { project: pr, milestones: ms } = await project(p);
    expect(pr).toMatchObject({ status: "draft", totalAmount: "1000.0000", currency: "USD" });
    expect(ms.map((m) => [m.title, m.amount, m.orderIndex])).toEqual([
      ["Design", "400.0000", 0],
      ["Build", "600.0000", 1],
    ]);
  });

  it("refuses milestones over the total and writes nothing", async () => {
    const p = await parties();
    const before = (await t.db.select().from(projects)).length;
    const e = await createProject(t.db, {
      creatorId: p.creator.id,
      title: "Too much",
      totalAmount: "100",
      milestones: [
        { title: "a", amount: "60" },
        { title: "b", amount: "40.0001" },
      ],
    }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InvariantError);
    expect((e as InvariantError).rule).toBe("milestones_exceed_total");
    expect((await t.db.select().from(projects)).length).toBe(before);
  });

  it.each([
    [{ totalAmount: 100 }, "totalAmount"],
    [{ totalAmount: "0" }, "totalAmount"],
    [{ totalAmount: "-5" }, "totalAmount"],
    [{ totalAmount: "1.23456" }, "totalAmount"],
    [{ currency: "usd" }, "currency"],
    [{ milestones: [{ title: "", amount: "1" }] }, "milestones.0.title"],
  ])("validates %j", async (patch, field) => {
    const p = await parties();
    const e = await createProject(t.db, { creatorId: p.creator.id, title: "x", totalAmount: "10", ...patch } as never).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ValidationError);
    expect((e as ValidationError).field).toBe(field);
  });

  it("allows every legal project transition and refuses every illegal one", async () => {
    const p = await parties();
    const statuses = Object.keys(PROJECT_TRANSITIONS) as (keyof typeof PROJECT_TRANSITIONS)[];
    for (const from of statuses) {
      for (const to of statuses) {
        const { project: pr } = await createProject(t.db, { creatorId: p.creator.id, title: "t", totalAmount: "1" });
        await t.db.update(projects).set({ status: from }).where(eq(projects.id, pr.id));
        const result = await transitionProject(t.db, { projectId: pr.id, to }).catch((x: unknown) => x);
        if (PROJECT_TRANSITIONS[from].includes(to)) expect(result, `${from} -> ${to}`).toMatchObject({ status: to });
        else expect((result as InvariantError).rule, `${from} -> ${to}`).toBe("illegal_transition");
      }
    }
  });

  it("the database holds the creator's raw status updates to the same table (active and refunded are not theirs)", async () => {
    const p = await parties();
    const statuses = Object.keys(PROJECT_TRANSITIONS) as (keyof typeof PROJECT_TRANSITIONS)[];
    const { project: pr } = await createProject(t.db, { creatorId: p.creator.id, title: "t", totalAmount: "1" });
    for (const from of statuses) {
      for (const to of statuses.filter((s) => s !== from)) {
        await t.db.update(projects).set({ status: from }).where(eq(projects.id, pr.id));
        const moved = await withRls(t.db, { userId: p.creator.id }, (tx) =>
          tx.update(projects).set({ status: to }).where(eq(projects.id, pr.id)).returning(),
        ).then(
          (rows) => rows.length === 1,
          () => false,
        );
        expect(moved, `${from} -> ${to}`).toBe(PROJECT_TRANSITIONS[from].includes(to) && to !== "active" && to !== "refunded");
      }
    }
  });

  it("allows every legal milestone transition and refuses every illegal one", async () => {
    const p = await parties();
    const {
      milestones: [m],
    } = await project(p);
    const statuses = Object.keys(MILESTONE_TRANSITIONS) as (keyof typeof MILESTONE_TRANSITIONS)[];
    for (const from of statuses) {
      for (const to of statuses) {
        await t.db.update(milestones).set({ status: from }).where(eq(milestones.id, m!.id));
        const result = await transitionMilestone(t.db, { milestoneId: m!.id, to }).catch((x: unknown) => x);
        if (MILESTONE_TRANSITIONS[from].includes(to)) expect(result, `${from} -> ${to}`).toMatchObject({ status: to });
        else expect((result as InvariantError).rule, `${from} -> ${to}`).toBe("illegal_transition");
      }
    }
    await expect(transitionMilestone(t.db, { milestoneId: "00000000-0000-4000-8000-000000000000", to: "approved" })).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });

  it("accepts terms only for a pending project", async () => {
    const p = await parties();
    const { project: pr } = await project(p);
    await expect(acceptTerms(t.db, { projectId: pr.id })).rejects.toMatchObject({ code: "invariant", rule: "illegal_transition" });
    await transitionProject(t.db, { projectId: pr.id, to: "pending" });
    const active = await acceptTerms(t.db, { projectId: pr.id });
    expect(active.status).toBe("active");
    expect(active.termsAcceptedAt).toBeInstanceOf(Date);
    await expect(acceptTerms(t.db, { projectId: pr.id })).rejects.toMatchObject({
      code: "invariant",
      rule: "illegal_transition",
      message: expect.stringContaining("(it is active)"),
    });
  });

  it.each(["buyer", "seller"] as const)("the %s accepts the terms under withRls; the creator who proposed them cannot", async (who) => {
    const p = await parties();
    const { project: pr } = await project(p);
    await withRls(t.db, { userId: p.creator.id }, (tx) => transitionProject(tx, { projectId: pr.id, to: "pending" }));
    await expect(withRls(t.db, { userId: p.creator.id }, (tx) => acceptTerms(tx, { projectId: pr.id }))).rejects.toBeInstanceOf(ForbiddenError);
    const active = await withRls(t.db, { userId: p[who].id }, (tx) => acceptTerms(tx, { projectId: pr.id }));
    expect(active).toMatchObject({ id: pr.id, status: "active" });
    expect(active.termsAcceptedAt).toBeInstanceOf(Date);
  });

  it("the seller starts and completes a milestone, the buyer approves it, the seller cannot", async () => {
    const p = await parties();
    const {
      project: pr,
      milestones: [m],
    } = await project(p);
    const asUser = <T>(u: PublicUser, fn: Parameters<typeof withRls<T>>[2]) => withRls(t.db, { userId: u.id }, fn);
    await expect(asUser(p.buyer, (tx) => transitionMilestone(tx, { milestoneId: m!.id, to: "in_progress" }))).rejects.toBeInstanceOf(ForbiddenError);
    await asUser(p.seller, (tx) => transitionMilestone(tx, { milestoneId: m!.id, to: "in_progress" }));
    const done = await asUser(p.seller, (tx) => transitionMilestone(tx, { milestoneId: m!.id, to: "completed", notes: "shipped" }));
    expect(done).toMatchObject({ status: "completed", completionNotes: "shipped", projectId: pr.id });
    expect(done.completedAt).toBeInstanceOf(Date);
    await expect(asUser(p.seller, (tx) => transitionMilestone(tx, { milestoneId: m!.id, to: "approved" }))).rejects.toBeInstanceOf(ForbiddenError);
    const approved = await asUser(p.buyer, (tx) => transitionMilestone(tx, { milestoneId: m!.id, to: "approved" }));
    expect(approved.approvedAt).toBeInstanceOf(Date);
  });
});

describe("money", () => {
  it("keeps exact decimals: 0.1 + 0.2 is 0.3, and net_amount = amount - fee in the database", async () => {
    const p = await parties();
    const { project: pr } = await project(p);
    await hold(p.buyer.id, pr.id, "0.1");
    await hold(p.buyer.id, pr.id, "0.2");
    expect(await requireEscrowBalance(t.db, { projectId: pr.id })).toBe("0.3000");
    const { transaction } = await recordTransaction(t.db, {
      userId: p.buyer.id,
      projectId: pr.id,
      transactionType: "deposit",
      amount: "10.10",
      fee: "0.2",
    });
    expect(transaction.netAmount).toBe("9.9000");
    await expect(t.db.insert(transactions).values({ userId: p.buyer.id, transactionType: "fee", amount: "-1" })).rejects.toThrow();
  });

  it("records gateway transactions idempotently", async () => {
    const p = await parties();
    const { project: pr } = await project(p);
    const first = await hold(p.buyer.id, pr.id, "500", "fincra-123");
    const again = await hold(p.buyer.id, pr.id, "500.0000", "fincra-123");
    expect(first.created).toBe(true);
    expect(again).toEqual({ transaction: first.transaction, created: false });
    await expect(hold(p.buyer.id, pr.id, "501", "fincra-123")).rejects.toBeInstanceOf(ConflictError);
    expect(await requireEscrowBalance(t.db, { projectId: pr.id })).toBe("500.0000");
  });

  it("a reused gateway id with a different project, amount, fee, type or status is a ConflictError, amounts compared exactly", async () => {
    const p = await parties();
    const { project: pr } = await project(p);
    const { project: other } = await project(p);
    // Number() makes these two equal; they are not.
    const base = {
      userId: p.buyer.id,
      projectId: pr.id,
      transactionType: "escrow_hold",
      amount: "123456789012345.0001",
      gatewayTransactionId: "gw-exact",
    } as const;
    expect(Number("123456789012345.0001")).toBe(Number("123456789012345.0002"));
    const { transaction } = await recordTransaction(t.db, { ...base, status: "pending" });
    expect(await recordTransaction(t.db, { ...base, status: "pending" })).toEqual({ transaction, created: false });
    for (const patch of [
      { projectId: other.id },
      { amount: "123456789012345.0002" },
      { fee: "1" },
      { transactionType: "deposit" },
      { status: "completed" },
    ] as const) {
      await expect(recordTransaction(t.db, { ...base, status: "pending", ...patch }), JSON.stringify(patch)).rejects.toBeInstanceOf(ConflictError);
    }
    expect(await t.db.select().from(transactions).where(eq(transactions.gatewayTransactionId, "gw-exact"))).toEqual([transaction]);
  });

  it("the gateway webhook settles a pending intent once: completed or failed, processed_at set, retries idempotent", async () => {
    const p = await parties();
    const { project: pr } = await project(p);
    const intent = await withRls(t.db, { userId: p.buyer.id }, (tx) =>
      recordPaymentIntent(tx, { userId: p.buyer.id, projectId: pr.id, transactionType: "escrow_hold", amount: "250.50" }),
    );
    expect(intent).toMatchObject({ status: "pending", processedAt: null });
    await expect(settleTransaction(t.db, { transactionId: intent.id, status: "completed", amount: "250.5001" })).rejects.toBeInstanceOf(
      ConflictError,
    );
    const done = await settleTransaction(t.db, {
      transactionId: intent.id,
      status: "completed",
      amount: "250.5",
      gatewayTransactionId: "gw-250",
      gatewayResponse: { ok: true },
    });
    expect(done).toMatchObject({
      settled: true,
      transaction: { status: "completed", gatewayTransactionId: "gw-250", gatewayResponse: { ok: true } },
    });
    expect(done.transaction.processedAt).toBeInstanceOf(Date);
    expect(done.transaction.completedAt).toBeInstanceOf(Date);
    expect(
      await settleTransaction(t.db, { transactionId: intent.id, status: "completed", amount: "250.50", gatewayTransactionId: "gw-250" }),
    ).toEqual({ transaction: done.transaction, settled: false });
    await expect(
      settleTransaction(t.db, { transactionId: intent.id, status: "completed", amount: "250.50", gatewayTransactionId: "gw-other" }),
    ).rejects.toBeInstanceOf(ConflictError);
    await expect(settleTransaction(t.db, { transactionId: intent.id, status: "failed", amount: "250.50" })).rejects.toMatchObject({
      code: "invariant",
      rule: "illegal_transition",
    });
    expect(await requireEscrowBalance(t.db, { projectId: pr.id })).toBe("250.5000");

    const failing = await withRls(t.db, { userId: p.buyer.id }, (tx) =>
      recordPaymentIntent(tx, { userId: p.buyer.id, projectId: pr.id, transactionType: "escrow_hold", amount: "10" }),
    );
    const failed = await settleTransaction(t.db, { transactionId: failing.id, status: "failed", amount: "10" });
    expect(failed.transaction).toMatchObject({ status: "failed", completedAt: null });
    expect(failed.transaction.processedAt).toBeInstanceOf(Date);
    expect(await requireEscrowBalance(t.db, { projectId: pr.id })).toBe("250.5000");
    await expect(
      settleTransaction(t.db, { transactionId: "00000000-0000-4000-8000-000000000000", status: "failed", amount: "1" }),
    ).rejects.toBeInstanceOf(NotFoundError);
  });

  it("computes held - released - refunded - fees, and refuses to release more than is held", async () => {
    const p = await parties();
    const {
      project: pr,
      milestones: [design],
    } = await project(p);
    await hold(p.buyer.id, pr.id, "1000");
    await recordTransaction(t.db, { userId: p.buyer.id, projectId: pr.id, transactionType: "fee", amount: "25" });
    await recordTransaction(t.db, { userId: p.buyer.id, projectId: pr.id, transactionType: "escrow_hold", amount: "99", status: "failed" });
    await expect(releaseFunds(t.db, { projectId: pr.id, userId: p.seller.id, amount: "400", milestoneId: design!.id })).rejects.toMatchObject({
      code: "invariant",
      rule: "milestone_not_approved",
    });
    for (const s of ["in_progress", "completed", "approved"] as const) await transitionMilestone(t.db, { milestoneId: design!.id, to: s });
    await releaseFunds(t.db, { projectId: pr.id, userId: p.seller.id, amount: "400", milestoneId: design!.id });
    await expect(releaseFunds(t.db, { projectId: pr.id, userId: p.seller.id, amount: "400", milestoneId: design!.id })).rejects.toMatchObject({
      code: "invariant",
      rule: "milestone_not_approved",
    });
    await releaseFunds(t.db, { projectId: pr.id, userId: p.buyer.id, amount: "75", kind: "refund" });
    expect(await requireEscrowBalance(t.db, { projectId: pr.id })).toBe("500.0000");
    await expect(releaseFunds(t.db, { projectId: pr.id, userId: p.seller.id, amount: "500.0001" })).rejects.toMatchObject({
      code: "invariant",
      rule: "insufficient_funds",
    });
    expect(await requireEscrowBalance(t.db, { projectId: pr.id })).toBe("500.0000");
  });

  it.skipIf(!onServer)(`50 concurrent releases never take the balance below zero${serverOnly}`, async () => {
    const p = await parties();
    const { project: pr } = await project(p);
    await hold(p.buyer.id, pr.id, "1000");
    const pools = await Promise.all(Array.from({ length: 5 }, () => createDb({ url: t.url, max: 10 })));
    try {
      const results = await Promise.allSettled(
        Array.from({ length: 50 }, (_, i) => releaseFunds(pools[i % 5]!.db, { projectId: pr.id, userId: p.seller.id, amount: "30" })),
      );
      const ok = results.filter((r) => r.status === "fulfilled").length;
      expect(ok).toBe(33); // floor(1000 / 30)
      for (const r of results) if (r.status === "rejected") expect((r.reason as InvariantError).rule).toBe("insufficient_funds");
      expect(await requireEscrowBalance(t.db, { projectId: pr.id })).toBe("10.0000");
    } finally {
      await Promise.all(pools.map((x) => x.close()));
    }
  });

  it.skipIf(!onServer)(`concurrent service-path fees and refunds take the same lock and never overdraw${serverOnly}`, async () => {
    const p = await parties();
    const { project: pr } = await project(p);
    await hold(p.buyer.id, pr.id, "1000");
    const pools = await Promise.all(Array.from({ length: 5 }, () => createDb({ url: t.url, max: 10 })));
    try {
      const results = await Promise.allSettled(
        Array.from({ length: 40 }, (_, i) =>
          i % 2
            ? recordTransaction(pools[i % 5]!.db, { userId: p.buyer.id, projectId: pr.id, transactionType: "fee", amount: "30" })
            : releaseFunds(pools[i % 5]!.db, { projectId: pr.id, userId: p.buyer.id, kind: "refund", amount: "30" }),
        ),
      );
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(33);
      for (const r of results) if (r.status === "rejected") expect((r.reason as InvariantError).rule).toBe("insufficient_funds");
      expect(await requireEscrowBalance(t.db, { projectId: pr.id })).toBe("10.0000");
    } finally {
      await Promise.all(pools.map((x) => x.close()));
    }
  });
});

describe("escrow under RLS", () => {
  it("participants read the project, its milestones and the balance; others read nothing", async () => {
    const p = await parties();
    const stranger = await makeUser(t.db, "stranger");
    const { project: pr } = await project(p);
    await hold(p.buyer.id, pr.id, "100");
    for (const u of [p.creator, p.buyer, p.seller]) {
      const seen = await withRls(t.db, { userId: u.id }, async (tx) => ({
        projects: await tx.select({ id: projects.id }).from(projects).where(eq(projects.id, pr.id)),
        milestones: await tx.select({ id: milestones.id }).from(milestones).where(eq(milestones.projectId, pr.id)),
        balance: await requireEscrowBalance(tx, { projectId: pr.id }),
      }));
      expect(seen).toMatchObject({ projects: [{ id: pr.id }], balance: "100.0000" });
      expect(seen.milestones).toHaveLength(2);
    }
    await expect(withRls(t.db, { userId: stranger.id }, (tx) => requireEscrowBalance(tx, { projectId: pr.id }))).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });

  it("only the creator changes a project; buyers cannot; nobody updates a transaction", async () => {
    const p = await parties();
    const { project: pr } = await project(p);
    const { transaction } = await hold(p.buyer.id, pr.id, "100");
    expect(
      await withRls(t.db, { userId: p.buyer.id }, (tx) => tx.update(projects).set({ title: "x" }).where(eq(projects.id, pr.id)).returning()),
    ).toEqual([]);
    await expect(withRls(t.db, { userId: p.buyer.id }, (tx) => transitionProject(tx, { projectId: pr.id, to: "pending" }))).rejects.toBeInstanceOf(
      ForbiddenError,
    );
    expect(await withRls(t.db, { userId: p.creator.id }, (tx) => transitionProject(tx, { projectId: pr.id, to: "pending" }))).toMatchObject({
      status: "pending",
    });
    await expect(
      withRls(t.db, { userId: p.buyer.id }, (tx) => tx.update(transactions).set({ amount: "1" }).where(eq(transactions.id, transaction.id))),
    ).rejects.toThrow();
    await expect(
      withRls(t.db, { userId: p.creator.id }, (tx) => createProject(tx, { creatorId: p.buyer.id, title: "forged", totalAmount: "1" })),
    ).rejects.toThrow();
  });
});
