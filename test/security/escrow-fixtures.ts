// The escrow attacks' fixtures: the parties, "as a user", the state an attack must leave unchanged,
// and a funded project, shared by test/security/escrow*.test.ts.
import { asc, sql, type SQL } from "drizzle-orm";
import { expect } from "vitest";
import { withRls } from "../../src";
import { rowsOf, type Db, type Tx } from "../../src/db";
import { APP_ROLE } from "../../src/rls/names";
import { milestones, projects, transactions } from "../../src/schema";
import {
  acceptTerms,
  createProject,
  recordTransaction,
  requireEscrowBalance,
  transitionMilestone,
  transitionProject,
  type PublicUser,
} from "../../src/stores";
import { makeUser } from "../support/db";

export type Parties = { creator: PublicUser; buyer: PublicUser; seller: PublicUser; stranger: PublicUser };

export const makeParties = async (db: Db): Promise<Parties> => ({
  creator: await makeUser(db, "creator"),
  buyer: await makeUser(db, "buyer"),
  seller: await makeUser(db, "seller"),
  stranger: await makeUser(db, "stranger"),
});

/** Runs a raw INSERT/UPDATE/DELETE as the attacker would, returning how many rows it wrote. */
export const touch = async (tx: Tx, statement: SQL) => rowsOf(await tx.execute(sql`${statement} returning id`)).length;

/** The kit for one test file's database (`t` from useTestDb). */
export function escrowKit(t: { db: Db }) {
  const as = <T>(u: PublicUser, fn: (tx: Tx) => Promise<T>) => withRls(t.db, { userId: u.id }, fn);
  /** The application role with no user: a pooled connection's empty setting. */
  const asNobody = <T>(fn: (tx: Tx) => Promise<T>) =>
    t.db.transaction(async (tx) => {
      await tx.execute(
        sql`select set_config('app.user_id', '', true), set_config('request.jwt.claims', '', true), set_config('role', ${APP_ROLE}, true)`,
      );
      return fn(tx);
    });

  /** Every escrow row, read as service work, plus the balance of `projectId`. */
  const state = async (projectId: string) => ({
    balance: await requireEscrowBalance(t.db, { projectId }),
    projects: await t.db.select().from(projects).orderBy(asc(projects.id)),
    milestones: await t.db.select().from(milestones).orderBy(asc(milestones.id)),
    transactions: await t.db.select().from(transactions).orderBy(asc(transactions.id)),
  });

  /** Runs the attack, expects it refused, and expects the state of the database unchanged. */
  async function refusedUnchanged(projectId: string, attack: () => Promise<unknown>, expected?: new (...a: never[]) => Error) {
    const before = await state(projectId);
    // Refused: an error, or a write that touched no row (RLS hides what it may not change).
    const e = await attack().then(
      (touched) => (touched === 0 ? new Error("touched no row") : undefined),
      (x: unknown) => x,
    );
    expect(e, "the attack was not refused").toBeDefined();
    if (expected) expect(e).toBeInstanceOf(expected);
    expect(await state(projectId)).toEqual(before);
    return e;
  }

  /** An active project (terms accepted) with 1000 held, "Design" completed, "Build" pending. */
  async function funded(p: Parties, creator = p.creator) {
    const {
      project,
      milestones: [design, build],
    } = await createProject(t.db, {
      creatorId: creator.id,
      buyerId: p.buyer.id,
      sellerId: p.seller.id,
      title: "Website",
      totalAmount: "1000.00",
      milestones: [
        { title: "Design", amount: "400.00" },
        { title: "Build", amount: "600.00" },
      ],
    });
    await transitionProject(t.db, { projectId: project.id, to: "pending" });
    await acceptTerms(t.db, { projectId: project.id });
    for (const s of ["in_progress", "completed"] as const) await transitionMilestone(t.db, { milestoneId: design!.id, to: s });
    await recordTransaction(t.db, { userId: p.buyer.id, projectId: project.id, transactionType: "escrow_hold", amount: "1000" });
    return { project, design: design!, build: build! };
  }

  return { as, asNobody, state, refusedUnchanged, funded };
}
