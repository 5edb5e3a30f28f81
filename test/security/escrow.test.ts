// Issue 16, item 2: escrow money. Each attack is written as the attacker would (raw SQL on the
// withRls transaction, or repository functions with forged ids) and asserts the refusal AND that
// the balance and every escrow row are unchanged.
import { eq, sql, type SQL } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import type { Tx } from "../../src/db";
import { ForbiddenError, InvariantError, NotFoundError, SharedDbError, pgErrorOf } from "../../src/errors";
import { milestones, projects, transactions } from "../../src/schema";
import {
  acceptTerms,
  createProject,
  requireEscrowBalance,
  recordPaymentIntent,
  recordTransaction,
  releaseFunds,
  settleTransaction,
  transitionMilestone,
  transitionProject,
  type PublicUser,
} from "../../src/stores";
import { useTestDb } from "../support/db";
import { escrowKit, makeParties, touch, type Parties } from "./escrow-fixtures";

const t = useTestDb();
const { as, asNobody, state, refusedUnchanged, funded } = escrowKit(t);

let p: Parties;
beforeAll(async () => {
  p = await makeParties(t.db);
});

describe("escrow attacks (issue 16, item 2)", () => {
  it("with no user (the app role, no user id), no escrow function acts, even where a party is NULL", async () => {
    // A project with no seller: `NULL IS DISTINCT FROM NULL` must not make the missing user its seller.
    const {
      project,
      milestones: [m],
    } = await createProject(t.db, {
      creatorId: p.creator.id,
      buyerId: p.buyer.id,
      title: "no seller",
      totalAmount: "10",
      milestones: [{ title: "m", amount: "5" }],
    });
    for (const q of [
      sql`select shared_db.transition_milestone(${m!.id}::uuid, 'in_progress')`,
      sql`select shared_db.accept_project_terms(${project.id}::uuid)`,
      sql`select shared_db.release_escrow(${project.id}::uuid, ${p.buyer.id}::uuid, 'refund', 1)`,
    ]) {
      const e = await refusedUnchanged(project.id, () => asNobody((tx) => tx.execute(q)));
      expect(pgErrorOf(e)?.code).toBe("42501");
    }
  });

  it("a stranger cannot record a completed escrow_hold of 999999 on someone else's project", async () => {
    const { project } = await funded(p);
    await refusedUnchanged(project.id, () =>
      as(p.stranger, (tx) =>
        touch(
          tx,
          sql`insert into shared_db.transactions (user_id, project_id, transaction_type, status, amount)
          values (${p.stranger.id}, ${project.id}, 'escrow_hold', 'completed', 999999)`,
        ),
      ),
    );
    await refusedUnchanged(
      project.id,
      () =>
        as(p.stranger, (tx) =>
          recordTransaction(tx, { userId: p.stranger.id, projectId: project.id, transactionType: "escrow_hold", amount: "999999" }),
        ),
      ForbiddenError,
    );
    // Not even a pending intent: they take no part in it.
    await refusedUnchanged(
      project.id,
      () =>
        as(p.stranger, (tx) =>
          recordPaymentIntent(tx, { userId: p.stranger.id, projectId: project.id, transactionType: "escrow_hold", amount: "999999" }),
        ),
      ForbiddenError,
    );
    expect(await requireEscrowBalance(t.db, { projectId: project.id })).toBe("1000.0000");
  });

  it("a stranger cannot record a completed escrow_release, nor release through releaseFunds or the function", async () => {
    const { project } = await funded(p);
    await refusedUnchanged(project.id, () =>
      as(p.stranger, (tx) =>
        touch(
          tx,
          sql`insert into shared_db.transactions (user_id, project_id, transaction_type, status, amount)
          values (${p.stranger.id}, ${project.id}, 'escrow_release', 'completed', 500)`,
        ),
      ),
    );
    await refusedUnchanged(
      project.id,
      () => as(p.stranger, (tx) => releaseFunds(tx, { projectId: project.id, userId: p.seller.id, amount: "500" })),
      NotFoundError,
    );
    await refusedUnchanged(project.id, () =>
      as(p.stranger, (tx) => tx.execute(sql`select shared_db.release_escrow(${project.id}::uuid, ${p.stranger.id}::uuid, 'escrow_release', 500)`)),
    );
  });

  it("the seller cannot release the held funds to themselves (releaseFunds, the function, a raw insert)", async () => {
    const { project, design } = await funded(p);
    await refusedUnchanged(
      project.id,
      () => as(p.seller, (tx) => releaseFunds(tx, { projectId: project.id, userId: p.seller.id, amount: "1000" })),
      ForbiddenError,
    );
    await refusedUnchanged(
      project.id,
      () => as(p.seller, (tx) => releaseFunds(tx, { projectId: project.id, userId: p.seller.id, amount: "400", milestoneId: design.id })),
      ForbiddenError,
    );
    await refusedUnchanged(project.id, () =>
      as(p.seller, (tx) => tx.execute(sql`select shared_db.release_escrow(${project.id}::uuid, ${p.seller.id}::uuid, 'escrow_release', 1000)`)),
    );
    for (const status of ["completed", "pending"]) {
      await refusedUnchanged(project.id, () =>
        as(p.seller, (tx) =>
          touch(
            tx,
            sql`insert into shared_db.transactions (user_id, project_id, transaction_type, status, amount)
            values (${p.seller.id}, ${project.id}, 'escrow_release', ${status}::shared_db.transaction_status, 1000)`,
          ),
        ),
      );
    }
    // The buyer cannot refund to themselves either, nor release to anyone but the seller.
    await refusedUnchanged(
      project.id,
      () => as(p.buyer, (tx) => releaseFunds(tx, { projectId: project.id, userId: p.buyer.id, kind: "refund", amount: "1000" })),
      ForbiddenError,
    );
    await refusedUnchanged(
      project.id,
      () => as(p.buyer, (tx) => releaseFunds(tx, { projectId: project.id, userId: p.stranger.id, amount: "1000" })),
      ForbiddenError,
    );
    // Even service work pays only the seller or refunds only the buyer.
    await refusedUnchanged(project.id, () => releaseFunds(t.db, { projectId: project.id, userId: p.stranger.id, amount: "1" }), ForbiddenError);
  });

  it("the seller cannot forge a completed hold on their own project; a pending intent moves no money", async () => {
    const { project } = await funded(p);
    for (const status of ["completed", "processing", "refunded"]) {
      await refusedUnchanged(project.id, () =>
        as(p.seller, (tx) =>
          touch(
            tx,
            sql`insert into shared_db.transactions (user_id, project_id, transaction_type, status, amount, completed_at)
            values (${p.seller.id}, ${project.id}, 'escrow_hold', ${status}::shared_db.transaction_status, 5000, now())`,
          ),
        ),
      );
    }
    const intent = await as(p.seller, (tx) =>
      recordPaymentIntent(tx, { userId: p.seller.id, projectId: project.id, transactionType: "escrow_hold", amount: "5000" }),
    );
    expect(intent).toMatchObject({ status: "pending", completedAt: null, processedAt: null });
    expect(await requireEscrowBalance(t.db, { projectId: project.id })).toBe("1000.0000");
    // Only the gateway's confirmation (service work) completes it, and it cannot un-complete.
    await refusedUnchanged(project.id, () =>
      as(p.seller, (tx) => settleTransaction(tx, { transactionId: intent.id, status: "completed", amount: "5000" })),
    );
    const settled = await settleTransaction(t.db, {
      transactionId: intent.id,
      status: "completed",
      amount: "5000",
      gatewayTransactionId: "gw-seller-5000",
    });
    expect(settled.transaction).toMatchObject({ status: "completed", gatewayTransactionId: "gw-seller-5000" });
    expect(settled.transaction.processedAt).toBeInstanceOf(Date);
    expect(await requireEscrowBalance(t.db, { projectId: project.id })).toBe("6000.0000");
    await refusedUnchanged(project.id, () => t.db.update(transactions).set({ status: "failed" }).where(eq(transactions.id, intent.id)));
    await refusedUnchanged(project.id, () => t.db.delete(transactions).where(eq(transactions.id, intent.id)));
  });

  it("service recordTransaction cannot release 5000 against 1000 held, nor take fees or refunds beyond it", async () => {
    const { project } = await funded(p);
    const e = await refusedUnchanged(
      project.id,
      () => recordTransaction(t.db, { userId: p.seller.id, projectId: project.id, transactionType: "escrow_release", amount: "5000" }),
      InvariantError,
    );
    expect((e as InvariantError).rule).toBe("insufficient_funds");
    for (const transactionType of ["fee", "refund"] as const) {
      const x = await refusedUnchanged(
        project.id,
        () => recordTransaction(t.db, { userId: p.buyer.id, projectId: project.id, transactionType, amount: "1000.0001" }),
        InvariantError,
      );
      expect((x as InvariantError).rule).toBe("insufficient_funds");
    }
    // A pending release completed later passes the same check.
    const { transaction: pending } = await recordTransaction(t.db, {
      userId: p.seller.id,
      projectId: project.id,
      transactionType: "escrow_release",
      amount: "5000",
      status: "pending",
    });
    const y = await refusedUnchanged(
      project.id,
      () => settleTransaction(t.db, { transactionId: pending.id, status: "completed", amount: "5000" }),
      InvariantError,
    );
    expect((y as InvariantError).rule).toBe("insufficient_funds");
    await refusedUnchanged(project.id, () =>
      t.db.execute(sql`truncate shared_db.transactions`).catch((x: unknown) => {
        expect(pgErrorOf(x)?.message).toMatch(/cannot be truncated/);
        throw x;
      }),
    );
    expect(await requireEscrowBalance(t.db, { projectId: project.id })).toBe("1000.0000");
  });

  it("the seller cannot approve their own milestone, even as the project's creator, by function or raw update", async () => {
    const { project, design } = await funded(p);
    await refusedUnchanged(
      project.id,
      () => as(p.seller, (tx) => transitionMilestone(tx, { milestoneId: design.id, to: "approved" })),
      ForbiddenError,
    );
    // A project the seller created: still not theirs to approve.
    const {
      project: own,
      milestones: [m],
    } = await createProject(t.db, {
      creatorId: p.seller.id,
      buyerId: p.buyer.id,
      sellerId: p.seller.id,
      title: "Mine",
      totalAmount: "10",
      milestones: [{ title: "m", amount: "10" }],
    });
    for (const s of ["in_progress", "completed"] as const) await as(p.seller, (tx) => transitionMilestone(tx, { milestoneId: m!.id, to: s }));
    await refusedUnchanged(own.id, () => as(p.seller, (tx) => transitionMilestone(tx, { milestoneId: m!.id, to: "approved" })), ForbiddenError);
    await refusedUnchanged(own.id, () =>
      as(p.seller, (tx) => touch(tx, sql`update shared_db.milestones set status = 'approved', approved_at = now() where id = ${m!.id}`)),
    );
    await refusedUnchanged(own.id, () => as(p.seller, (tx) => tx.execute(sql`select shared_db.transition_milestone(${m!.id}::uuid, 'approved')`)));
    // The buyer approves, then the buyer (not the seller) pays it.
    expect(await as(p.buyer, (tx) => transitionMilestone(tx, { milestoneId: design.id, to: "approved" }))).toMatchObject({ status: "approved" });
    await refusedUnchanged(
      project.id,
      () => as(p.seller, (tx) => releaseFunds(tx, { projectId: project.id, userId: p.seller.id, amount: "400", milestoneId: design.id })),
      ForbiddenError,
    );
    await as(p.buyer, (tx) => releaseFunds(tx, { projectId: project.id, userId: p.seller.id, amount: "400", milestoneId: design.id }));
    expect(await requireEscrowBalance(t.db, { projectId: project.id })).toBe("600.0000");
  });

  it("forged status values on insert and update are refused", async () => {
    const { project, design } = await funded(p);
    const attacks: [PublicUser, SQL][] = [
      [p.creator, sql`insert into shared_db.projects (creator_id, title, total_amount, status) values (${p.creator.id}, 'x', 1, 'active')`],
      [p.creator, sql`insert into shared_db.projects (creator_id, title, total_amount, terms_accepted_at) values (${p.creator.id}, 'x', 1, now())`],
      [p.creator, sql`update shared_db.projects set status = 'completed' where id = ${project.id}`],
      [p.creator, sql`update shared_db.projects set status = 'refunded' where id = ${project.id}`],
      [p.creator, sql`update shared_db.projects set seller_id = ${p.creator.id} where id = ${project.id}`],
      [p.creator, sql`insert into shared_db.milestones (project_id, title, amount, status) values (${project.id}, 'x', 1, 'approved')`],
      [p.creator, sql`update shared_db.milestones set status = 'approved' where id = ${design.id}`],
      [
        p.buyer,
        sql`insert into shared_db.transactions (user_id, project_id, transaction_type, status, amount) values (${p.buyer.id}, ${project.id}, 'escrow_hold', 'completed', 1)`,
      ],
      [
        p.buyer,
        sql`insert into shared_db.transactions (user_id, project_id, transaction_type, status, amount) values (${p.buyer.id}, ${project.id}, 'escrow_hold', 'processing', 1)`,
      ],
      [
        p.buyer,
        sql`insert into shared_db.transactions (user_id, project_id, transaction_type, amount, gateway_transaction_id) values (${p.buyer.id}, ${project.id}, 'escrow_hold', 1, 'gw-squat')`,
      ],
      [p.buyer, sql`update shared_db.transactions set status = 'completed' where project_id = ${project.id}`],
    ];
    for (const [who, statement] of attacks) await refusedUnchanged(project.id, () => as(who, (tx) => touch(tx, statement)));
    // A draft project's creator cannot skip the counterparty's acceptance either.
    const { project: draft } = await createProject(t.db, {
      creatorId: p.creator.id,
      buyerId: p.buyer.id,
      sellerId: p.seller.id,
      title: "d",
      totalAmount: "1",
    });
    await as(p.creator, (tx) => transitionProject(tx, { projectId: draft.id, to: "pending" }));
    await refusedUnchanged(draft.id, () => as(p.creator, (tx) => transitionProject(tx, { projectId: draft.id, to: "active" })), ForbiddenError);
    await refusedUnchanged(draft.id, () =>
      as(p.creator, (tx) => touch(tx, sql`update shared_db.projects set terms_accepted_at = now() where id = ${draft.id}`)),
    );
  });

  it("forged ids and user_id are refused", async () => {
    const { project, design } = await funded(p);
    const { transaction: hold } = await recordTransaction(t.db, {
      userId: p.buyer.id,
      projectId: project.id,
      transactionType: "escrow_hold",
      amount: "1",
      status: "pending",
    });
    const attacks: [PublicUser, SQL][] = [
      // someone else's user_id on a pending intent
      [
        p.seller,
        sql`insert into shared_db.transactions (user_id, project_id, transaction_type, amount) values (${p.buyer.id}, ${project.id}, 'escrow_hold', 1)`,
      ],
      // an existing transaction's / project's / milestone's id
      [
        p.buyer,
        sql`insert into shared_db.transactions (id, user_id, project_id, transaction_type, amount) values (${hold.id}, ${p.buyer.id}, ${project.id}, 'escrow_hold', 1)`,
      ],
      [p.stranger, sql`insert into shared_db.projects (id, creator_id, title, total_amount) values (${project.id}, ${p.stranger.id}, 'x', 1)`],
      [p.creator, sql`insert into shared_db.milestones (id, project_id, title, amount) values (${design.id}, ${project.id}, 'x', 1)`],
      // a project created in someone else's name, a milestone in someone else's project
      [p.stranger, sql`insert into shared_db.projects (creator_id, title, total_amount) values (${p.creator.id}, 'x', 1)`],
      [p.stranger, sql`insert into shared_db.milestones (project_id, title, amount) values (${project.id}, 'x', 1)`],
      // re-pointing rows
      [p.buyer, sql`update shared_db.transactions set user_id = ${p.seller.id} where id = ${hold.id}`],
      [p.creator, sql`update shared_db.projects set creator_id = ${p.stranger.id} where id = ${project.id}`],
      [p.creator, sql`update shared_db.projects set buyer_id = ${p.stranger.id} where id = ${project.id}`],
    ];
    for (const [who, statement] of attacks) await refusedUnchanged(project.id, () => as(who, (tx) => touch(tx, statement)));
    await refusedUnchanged(
      project.id,
      () => as(p.creator, (tx) => createProject(tx, { creatorId: p.buyer.id, title: "forged", totalAmount: "1" })),
      ForbiddenError,
    );
    await refusedUnchanged(
      project.id,
      () => as(p.seller, (tx) => recordPaymentIntent(tx, { userId: p.buyer.id, projectId: project.id, transactionType: "escrow_hold", amount: "1" })),
      ForbiddenError,
    );
    // A milestone of another project, even on the service path.
    const {
      milestones: [other],
    } = await createProject(t.db, { creatorId: p.stranger.id, title: "other", totalAmount: "400", milestones: [{ title: "o", amount: "400" }] });
    const e = await refusedUnchanged(
      project.id,
      () =>
        recordTransaction(t.db, {
          userId: p.seller.id,
          projectId: project.id,
          milestoneId: other!.id,
          transactionType: "escrow_release",
          amount: "400",
        }),
      InvariantError,
    );
    expect((e as InvariantError).rule).toBe("milestone_not_in_project");
  });
});

/** Refusals the matrix accepts: typed errors, or the database's refusal codes. Anything else (a typo) fails the test. */
const REFUSAL_CODES = new Set(["42501", "SDBE1", "SDBE2", "SDBE3", "SDBE4", "P0002", "23505"]);
class Rollback {
  constructor(readonly touched: number) {}
}
type Role = "creator" | "buyer" | "seller" | "stranger" | "nobody";
const ROLES: Role[] = ["creator", "buyer", "seller", "stranger", "nobody"];

describe("write-authority matrix: projects, milestones, transactions", () => {
  // P: active, 1000 held, Design completed, Build pending, a pending hold of the buyer's.
  // D: a draft of the creator's with one milestone. Q: pending, awaiting acceptance.
  let P: Awaited<ReturnType<typeof funded>>;
  let D: { id: string; milestone: string };
  let Q: string;
  let holdId: string;
  beforeAll(async () => {
    P = await funded(p);
    holdId = (
      await recordTransaction(t.db, { userId: p.buyer.id, projectId: P.project.id, transactionType: "escrow_hold", amount: "1", status: "pending" })
    ).transaction.id;
    const d = await createProject(t.db, {
      creatorId: p.creator.id,
      buyerId: p.buyer.id,
      sellerId: p.seller.id,
      title: "D",
      totalAmount: "10",
      milestones: [{ title: "d", amount: "5" }],
    });
    D = { id: d.project.id, milestone: d.milestones[0]!.id };
    Q = (await createProject(t.db, { creatorId: p.creator.id, buyerId: p.buyer.id, sellerId: p.seller.id, title: "Q", totalAmount: "10" })).project
      .id;
    await transitionProject(t.db, { projectId: Q, to: "pending" });
  });

  const me = (role: Role) => (role === "nobody" ? p.stranger.id : p[role].id);
  const n = (rows: unknown[]) => rows.length;
  // [what, roles allowed, the write as `role` (its number of rows touched)]
  const cases: [string, Role[], (tx: Tx, role: Role) => Promise<number>][] = [
    [
      "projects: insert own draft",
      ["creator", "buyer", "seller", "stranger"],
      async (tx, r) =>
        n(
          await tx
            .insert(projects)
            .values({ creatorId: me(r), title: "x", totalAmount: "1" })
            .returning(),
        ),
    ],
    [
      "projects: insert with a forged creator_id",
      ["creator"],
      async (tx) => n(await tx.insert(projects).values({ creatorId: p.creator.id, title: "x", totalAmount: "1" }).returning()),
    ],
    [
      "projects: insert with a forged status (active)",
      [],
      async (tx, r) =>
        n(
          await tx
            .insert(projects)
            .values({ creatorId: me(r), title: "x", totalAmount: "1", status: "active" })
            .returning(),
        ),
    ],
    [
      "projects: insert with a forged id (P's)",
      [],
      async (tx, r) =>
        n(
          await tx
            .insert(projects)
            .values({ id: P.project.id, creatorId: me(r), title: "x", totalAmount: "1" })
            .returning(),
        ),
    ],
    [
      "projects: update P's title",
      ["creator"],
      async (tx) => n(await tx.update(projects).set({ title: "renamed" }).where(eq(projects.id, P.project.id)).returning()),
    ],
    [
      "projects: update P's status to completed (illegal)",
      [],
      async (tx) => n(await tx.update(projects).set({ status: "completed" }).where(eq(projects.id, P.project.id)).returning()),
    ],
    [
      "projects: update P's seller after acceptance",
      [],
      async (tx, r) =>
        n(
          await tx
            .update(projects)
            .set({ sellerId: me(r) })
            .where(eq(projects.id, P.project.id))
            .returning(),
        ),
    ],
    [
      "projects: update Q to active (skipping acceptance)",
      [],
      async (tx) => n(await tx.update(projects).set({ status: "active" }).where(eq(projects.id, Q)).returning()),
    ],
    ["projects: accept Q's terms", ["buyer", "seller"], async (tx) => ((await acceptTerms(tx, { projectId: Q })).status === "active" ? 1 : 0)],
    ["projects: delete P (money held)", [], async (tx) => n(await tx.delete(projects).where(eq(projects.id, P.project.id)).returning())],
    ["projects: delete draft D", ["creator"], async (tx) => n(await tx.delete(projects).where(eq(projects.id, D.id)).returning())],
    [
      "milestones: insert into draft D",
      ["creator"],
      async (tx) => n(await tx.insert(milestones).values({ projectId: D.id, title: "x", amount: "1" }).returning()),
    ],
    [
      "milestones: insert into active P",
      [],
      async (tx) => n(await tx.insert(milestones).values({ projectId: P.project.id, title: "x", amount: "1" }).returning()),
    ],
    [
      "milestones: insert approved and paid (forged status)",
      [],
      async (tx) => n(await tx.insert(milestones).values({ projectId: D.id, title: "x", amount: "1", status: "approved", isPaid: true }).returning()),
    ],
    [
      "milestones: insert with a forged id (Design's)",
      [],
      async (tx) => n(await tx.insert(milestones).values({ id: P.design.id, projectId: D.id, title: "x", amount: "1" }).returning()),
    ],
    [
      "milestones: update D's title",
      ["creator"],
      async (tx) => n(await tx.update(milestones).set({ title: "y" }).where(eq(milestones.id, D.milestone)).returning()),
    ],
    [
      "milestones: update active P's amounts",
      [],
      async (tx) => n(await tx.update(milestones).set({ amount: "1" }).where(eq(milestones.id, P.build.id)).returning()),
    ],
    [
      "milestones: update status to approved (raw)",
      [],
      async (tx) => n(await tx.update(milestones).set({ status: "approved" }).where(eq(milestones.id, D.milestone)).returning()),
    ],
    [
      "milestones: approve Design (function)",
      ["creator", "buyer"],
      async (tx) => ((await transitionMilestone(tx, { milestoneId: P.design.id, to: "approved" })).status === "approved" ? 1 : 0),
    ],
    [
      "milestones: start Build (function)",
      ["creator", "seller"],
      async (tx) => ((await transitionMilestone(tx, { milestoneId: P.build.id, to: "in_progress" })).status === "in_progress" ? 1 : 0),
    ],
    ["milestones: delete from draft D", ["creator"], async (tx) => n(await tx.delete(milestones).where(eq(milestones.id, D.milestone)).returning())],
    ["milestones: delete from active P", [], async (tx) => n(await tx.delete(milestones).where(eq(milestones.id, P.build.id)).returning())],
    [
      "transactions: insert own pending hold on P",
      ["creator", "buyer", "seller"],
      async (tx, r) =>
        n(
          await tx
            .insert(transactions)
            .values({ userId: me(r), projectId: P.project.id, transactionType: "escrow_hold", amount: "1" })
            .returning(),
        ),
    ],
    [
      "transactions: insert own completed hold (forged status)",
      [],
      async (tx, r) =>
        n(
          await tx
            .insert(transactions)
            .values({ userId: me(r), projectId: P.project.id, transactionType: "escrow_hold", amount: "1", status: "completed" })
            .returning(),
        ),
    ],
    [
      "transactions: insert pending hold as the buyer (forged user_id)",
      ["buyer"],
      async (tx) =>
        n(
          await tx
            .insert(transactions)
            .values({ userId: p.buyer.id, projectId: P.project.id, transactionType: "escrow_hold", amount: "1" })
            .returning(),
        ),
    ],
    [
      "transactions: insert own pending release",
      [],
      async (tx, r) =>
        n(
          await tx
            .insert(transactions)
            .values({ userId: me(r), projectId: P.project.id, transactionType: "escrow_release", amount: "1" })
            .returning(),
        ),
    ],
    [
      "transactions: insert with a forged id (the hold's)",
      [],
      async (tx, r) =>
        n(
          await tx
            .insert(transactions)
            .values({ id: holdId, userId: me(r), projectId: P.project.id, transactionType: "escrow_hold", amount: "1" })
            .returning(),
        ),
    ],
    [
      "transactions: update the pending hold to completed",
      [],
      async (tx) => n(await tx.update(transactions).set({ status: "completed" }).where(eq(transactions.id, holdId)).returning()),
    ],
    [
      "transactions: update the pending hold's amount",
      [],
      async (tx) => n(await tx.update(transactions).set({ amount: "999999" }).where(eq(transactions.id, holdId)).returning()),
    ],
    ["transactions: delete the pending hold", [], async (tx) => n(await tx.delete(transactions).where(eq(transactions.id, holdId)).returning())],
    [
      "transactions: release 100 to the seller",
      ["creator", "buyer"],
      async (tx) => ((await releaseFunds(tx, { projectId: P.project.id, userId: p.seller.id, amount: "100" })).status === "completed" ? 1 : 0),
    ],
    [
      "transactions: refund 100 to the buyer",
      ["creator", "seller"],
      async (tx) =>
        (await releaseFunds(tx, { projectId: P.project.id, userId: p.buyer.id, kind: "refund", amount: "100" })).status === "completed" ? 1 : 0,
    ],
    [
      "transactions: release 1001 to the seller (overdraw)",
      [],
      async (tx) => ((await releaseFunds(tx, { projectId: P.project.id, userId: p.seller.id, amount: "1001" })) ? 1 : 0),
    ],
  ];

  /** Runs the write as `role` and always rolls it back: "allowed" when it touched a row. */
  async function attempt(role: Role, write: (tx: Tx, role: Role) => Promise<number>): Promise<"allowed" | "refused"> {
    const body = async (tx: Tx) => {
      throw new Rollback(await write(tx, role));
    };
    try {
      await (role === "nobody" ? asNobody(body) : as(p[role], body));
    } catch (e) {
      if (e instanceof Rollback) return e.touched > 0 ? "allowed" : "refused";
      if (e instanceof SharedDbError || REFUSAL_CODES.has(pgErrorOf(e)?.code ?? "")) return "refused";
      throw e;
    }
    throw new Error("unreachable");
  }

  it.each(cases)("%s: allowed for %j only, and nothing else changes", async (_what, allowed, write) => {
    const before = await state(P.project.id);
    const outcomes: Record<string, string> = {};
    for (const r of ROLES) outcomes[r] = await attempt(r, write);
    expect(outcomes).toEqual(Object.fromEntries(ROLES.map((r) => [r, allowed.includes(r) ? "allowed" : "refused"])));
    expect(await state(P.project.id)).toEqual(before);
  });
});
