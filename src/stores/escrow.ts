import { and, eq, inArray, sql } from "drizzle-orm";
import { z } from "zod";
import { primaryOf, rowsOf, type Db } from "../db";
import { ConflictError, InvariantError, NotFoundError, parseInput, pgErrorOf, rethrowConflict } from "../errors";
import {
  milestones,
  projects,
  transactions,
  type Milestone,
  type MilestoneStatus,
  type Project,
  type ProjectStatus,
  type Transaction,
} from "../schema/escrow";

/** A positive amount as a decimal string with up to 4 places (never a float). */
export const moneySchema = z
  .string()
  .regex(/^\d{1,15}(\.\d{1,4})?$/, "must be a decimal string with up to 4 decimal places, e.g. \"125.50\"")
  .refine((s) => /[1-9]/.test(s), "must be greater than 0");
const currencySchema = z.string().regex(/^[A-Z]{3}$/, "must be an ISO 4217 code such as USD");
const uuid = z.uuid();

export const createProjectInput = z.strictObject({
  creatorId: uuid,
  title: z.string().trim().min(1).max(255),
  description: z.string().max(10_000).optional(),
  totalAmount: moneySchema,
  currency: currencySchema.default("USD"),
  buyerId: uuid.optional(),
  sellerId: uuid.optional(),
  completionCriteria: z.string().max(10_000).optional(),
  startDate: z.date().optional(),
  dueDate: z.date().optional(),
  milestones: z
    .array(
      z.strictObject({
        title: z.string().trim().min(1).max(255),
        description: z.string().max(10_000).optional(),
        amount: moneySchema,
        completionCriteria: z.string().max(10_000).optional(),
        dueDate: z.date().optional(),
      }),
    )
    .max(100)
    .default([]),
});
export type CreateProjectInput = z.input<typeof createProjectInput>;

/**
 * Creates a project with its milestones in one transaction. Milestone amounts may not exceed the
 * total (the database enforces it too). Works as the creator under withRls.
 *
 * @example
 * const { project, milestones } = await createProject(db, {
 *   creatorId, buyerId, sellerId, title: "Website", totalAmount: "1000.00",
 *   milestones: [{ title: "Design", amount: "400.00" }, { title: "Build", amount: "600.00" }],
 * });
 */
export async function createProject(db: Db, input: CreateProjectInput): Promise<{ project: Project; milestones: Milestone[] }> {
  const { milestones: items, ...values } = parseInput(createProjectInput, input);
  return db.transaction(async (tx) => {
    const [project] = await tx.insert(projects).values(values).returning();
    const rows = items.length
      ? await tx
          .insert(milestones)
          .values(items.map((m, i) => ({ ...m, projectId: project!.id, currency: values.currency, orderIndex: i })))
          .returning()
          .catch((e: unknown) => {
            if (pgErrorOf(e)?.code === "23514") throw new InvariantError("Milestone amounts exceed the project total", "milestones_exceed_total");
            throw e;
          })
      : [];
    return { project: project!, milestones: rows };
  });
}

/** Legal project transitions: from -> to. */
export const PROJECT_TRANSITIONS: Readonly<Record<ProjectStatus, readonly ProjectStatus[]>> = {
  draft: ["pending", "cancelled"],
  pending: ["active", "cancelled"],
  active: ["in_progress", "disputed", "cancelled"],
  in_progress: ["completed", "disputed"],
  disputed: ["in_progress", "cancelled", "refunded"],
  cancelled: ["refunded"],
  completed: [],
  refunded: [],
};

/** Legal milestone transitions: pending -> in_progress -> completed -> approved | rejected | disputed. */
export const MILESTONE_TRANSITIONS: Readonly<Record<MilestoneStatus, readonly MilestoneStatus[]>> = {
  pending: ["in_progress"],
  in_progress: ["completed"],
  completed: ["approved", "rejected", "disputed"],
  rejected: ["in_progress"],
  disputed: ["approved", "rejected"],
  approved: [],
};

const sources = <S extends string>(table: Readonly<Record<S, readonly S[]>>, to: S) =>
  (Object.keys(table) as S[]).filter((from) => table[from].includes(to));

const projectStatusSchema = z.enum(Object.keys(PROJECT_TRANSITIONS) as [ProjectStatus, ...ProjectStatus[]]);
const milestoneStatusSchema = z.enum(Object.keys(MILESTONE_TRANSITIONS) as [MilestoneStatus, ...MilestoneStatus[]]);

/** After a conditional UPDATE matched nothing: NotFoundError, or why the current status forbids it. */
async function refuseTransition(db: Db, table: typeof projects | typeof milestones, entity: string, id: string, why: (from: string) => string): Promise<never> {
  const [current] = await primaryOf(db).select({ status: table.status }).from(table).where(eq(table.id, id));
  if (!current) throw new NotFoundError(entity, id);
  throw new InvariantError(why(current.status), "illegal_transition");
}

/**
 * Moves a project to `to` if its current status allows it, in one conditional UPDATE (no race).
 * Throws InvariantError `illegal_transition` otherwise.
 */
export async function transitionProject(db: Db, projectId: string, to: ProjectStatus): Promise<Project> {
  const id = parseInput(uuid, projectId);
  const target = parseInput(projectStatusSchema, to);
  const [row] = await db
    .update(projects)
    .set({ status: target, ...(target === "completed" && { completedAt: sql`now()` }) })
    .where(and(eq(projects.id, id), inArray(projects.status, sources(PROJECT_TRANSITIONS, target))))
    .returning();
  return row ?? refuseTransition(db, projects, "project", id, (from) => `A project cannot go from ${from} to ${target}`);
}

/** Records the counterparty's acceptance of the terms and activates a pending project. */
export async function acceptTerms(db: Db, projectId: string): Promise<Project> {
  const id = parseInput(uuid, projectId);
  const [row] = await db
    .update(projects)
    .set({ status: "active", termsAcceptedAt: sql`now()` })
    .where(and(eq(projects.id, id), eq(projects.status, "pending")))
    .returning();
  return row ?? refuseTransition(db, projects, "project", id, (from) => `Terms can be accepted only for a pending project (it is ${from})`);
}

/** Moves a milestone along MILESTONE_TRANSITIONS, stamping completed_at / approved_at. */
export async function transitionMilestone(db: Db, milestoneId: string, to: MilestoneStatus, notes?: string): Promise<Milestone> {
  const id = parseInput(uuid, milestoneId);
  const target = parseInput(milestoneStatusSchema, to);
  const [row] = await db
    .update(milestones)
    .set({
      status: target,
      ...(target === "completed" && { completedAt: sql`now()`, completionNotes: notes }),
      ...(target === "approved" && { approvedAt: sql`now()` }),
    })
    .where(and(eq(milestones.id, id), inArray(milestones.status, sources(MILESTONE_TRANSITIONS, target))))
    .returning();
  return row ?? refuseTransition(db, milestones, "milestone", id, (from) => `A milestone cannot go from ${from} to ${target}`);
}

export const recordTransactionInput = z.strictObject({
  userId: uuid,
  projectId: uuid.optional(),
  milestoneId: uuid.optional(),
  transactionType: z.enum(["deposit", "withdrawal", "escrow_hold", "escrow_release", "refund", "fee", "commission"]),
  status: z.enum(["pending", "processing", "completed", "failed", "cancelled", "refunded"]).default("completed"),
  amount: moneySchema,
  fee: z.string().regex(/^\d{1,15}(\.\d{1,4})?$/, "must be a decimal string").default("0"),
  currency: currencySchema.default("USD"),
  paymentGateway: z.string().min(1).max(50).optional(),
  gatewayTransactionId: z.string().min(1).max(255).optional(),
  gatewayReference: z.string().max(255).optional(),
  gatewayResponse: z.record(z.string(), z.unknown()).optional(),
  description: z.string().max(10_000).optional(),
});
export type RecordTransactionInput = z.input<typeof recordTransactionInput>;

/**
 * Records a money movement from a payment gateway, idempotently: a repeated
 * `gatewayTransactionId` returns the stored transaction (`created: false`) instead of a second row,
 * and a reused id with different details is a ConflictError.
 */
export async function recordTransaction(db: Db, input: RecordTransactionInput): Promise<{ transaction: Transaction; created: boolean }> {
  const values = parseInput(recordTransactionInput, input);
  const [created] = await db
    .insert(transactions)
    .values({ ...values, completedAt: values.status === "completed" ? sql`now()` : undefined })
    .onConflictDoNothing({ target: transactions.gatewayTransactionId })
    .returning()
    .catch((e: unknown) => rethrowConflict(e, () => "Transaction conflicts with an existing one"));
  if (created) return { transaction: created, created: true };
  const [existing] = await primaryOf(db).select().from(transactions).where(eq(transactions.gatewayTransactionId, values.gatewayTransactionId!));
  const same =
    existing &&
    existing.transactionType === values.transactionType &&
    existing.userId === values.userId &&
    Number(existing.amount) === Number(values.amount) &&
    existing.currency === values.currency;
  if (!same) throw new ConflictError(`Gateway transaction ${values.gatewayTransactionId} was recorded with different details`, "transactions_gateway_transaction_id_key");
  return { transaction: existing, created: false };
}

/** The project's escrow balance (held - released - refunded - fees) as an exact decimal string. */
export async function getEscrowBalance(db: Db, projectId: string): Promise<string> {
  const id = parseInput(uuid, projectId);
  const [row] = rowsOf<{ balance: string | null }>(await db.execute(sql`select shared_db.project_escrow_balance(${id})::text as balance`));
  if (row?.balance == null) throw new NotFoundError("project", id);
  return row.balance;
}

export const releaseFundsInput = z.strictObject({
  projectId: uuid,
  /** Who is paid (release) or refunded. */
  userId: uuid,
  kind: z.enum(["escrow_release", "refund"]).default("escrow_release"),
  amount: moneySchema,
  /** Pays this approved milestone; its amount must equal `amount`. */
  milestoneId: uuid.optional(),
  gatewayTransactionId: z.string().min(1).max(255).optional(),
  description: z.string().max(10_000).optional(),
});
export type ReleaseFundsInput = z.input<typeof releaseFundsInput>;

/**
 * Releases or refunds escrowed money, never more than is held: the project is locked for the
 * transaction (an advisory lock, so concurrent releases queue) and the balance is re-read under
 * it. Throws InvariantError `insufficient_funds`, or `milestone_not_approved` when paying a
 * milestone that is not approved or already paid.
 */
export async function releaseFunds(db: Db, input: ReleaseFundsInput): Promise<Transaction> {
  const v = parseInput(releaseFundsInput, input);
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`shared_db.escrow:${v.projectId}`}, 0))`);
    const [check] = rowsOf<{ balance: string | null; enough: boolean }>(
      await tx.execute(
        sql`select b::text as balance, b >= ${v.amount}::numeric as enough from shared_db.project_escrow_balance(${v.projectId}) as b`,
      ),
    );
    if (check?.balance == null) throw new NotFoundError("project", v.projectId);
    if (!check.enough) throw new InvariantError(`Cannot ${v.kind === "refund" ? "refund" : "release"} ${v.amount}: only ${check.balance} is held`, "insufficient_funds");
    if (v.milestoneId) {
      const [paid] = await tx
        .update(milestones)
        .set({ isPaid: true, paidAt: sql`now()` })
        .where(and(eq(milestones.id, v.milestoneId), eq(milestones.projectId, v.projectId), eq(milestones.status, "approved"), eq(milestones.isPaid, false), sql`${milestones.amount} = ${v.amount}::numeric`))
        .returning({ id: milestones.id });
      if (!paid) throw new InvariantError("Only an approved, unpaid milestone of this project can be paid, for its exact amount", "milestone_not_approved");
    }
    const [row] = await tx
      .insert(transactions)
      .values({
        projectId: v.projectId,
        milestoneId: v.milestoneId,
        userId: v.userId,
        transactionType: v.kind,
        status: "completed",
        amount: v.amount,
        gatewayTransactionId: v.gatewayTransactionId,
        description: v.description,
        completedAt: sql`now()`,
      })
      .returning();
    return row!;
  });
}
