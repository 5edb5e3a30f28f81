import { and, eq, getTableColumns, inArray, sql, type SQL } from "drizzle-orm";
import type { PgTable } from "drizzle-orm/pg-core";
import { z } from "zod";
import { primaryOf, rowsOf, type Db } from "../db";
import { ConflictError, ForbiddenError, InvariantError, mapDbError, NotFoundError, pgErrorOf, rethrowDbError, ValidationError } from "../errors";
import { enumOf, parseInput, pgDate, pgJson, pgText, uuid } from "../input";
import {
  milestones,
  milestoneStatus,
  projects,
  projectStatus,
  transactions,
  transactionStatus,
  transactionType,
  type Milestone,
  type MilestoneStatus,
  type Project,
  type ProjectStatus,
  type Transaction,
} from "../schema/escrow";

/** A positive amount as a decimal string with up to 4 places (never a float). */
export const moneySchema = z
  .string()
  .regex(/^\d{1,15}(\.\d{1,4})?$/, 'must be a decimal string with up to 4 decimal places, e.g. "125.50"')
  .refine((s) => /[1-9]/.test(s), "must be greater than 0");
const currencySchema = z.string().regex(/^[A-Z]{3}$/, "must be an ISO 4217 code such as USD");
/** A caller's retry key: 1 to 255 printable ASCII characters without spaces, e.g. a UUID. */
export const idempotencyKeySchema = z.string().regex(/^[\x21-\x7e]{1,255}$/, "must be 1 to 255 printable ASCII characters without spaces");
const IDEMPOTENCY_KEY_INDEX = "transactions_user_idempotency_key";

export const createProjectInput = z.strictObject({
  creatorId: uuid(),
  title: pgText().trim().min(1).max(255),
  description: pgText().max(10_000).optional(),
  totalAmount: moneySchema,
  currency: currencySchema.default("USD"),
  buyerId: uuid().optional(),
  sellerId: uuid().optional(),
  completionCriteria: pgText().max(10_000).optional(),
  startDate: pgDate().optional(),
  dueDate: pgDate().optional(),
  milestones: z
    .array(
      z.strictObject({
        title: pgText().trim().min(1).max(255),
        description: pgText().max(10_000).optional(),
        amount: moneySchema,
        completionCriteria: pgText().max(10_000).optional(),
        dueDate: pgDate().optional(),
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
  const v = parseInput(createProjectInput, input);
  const { milestones: items, ...values } = v;
  return db.transaction(async (tx) => {
    const [project] = await tx
      .insert(projects)
      .values(values)
      .returning()
      .catch((e: unknown) => rethrowEscrow(e, "project", ""));
    const rows = items.length
      ? await tx
          .insert(milestones)
          .values(items.map((m, i) => ({ ...m, projectId: project!.id, currency: values.currency, orderIndex: i })))
          .returning()
          .catch((e: unknown) => {
            if (pgErrorOf(e)?.code === "23514") throw new InvariantError("Milestone amounts exceed the project total", "milestones_exceed_total");
            rethrowDbError(e);
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

/**
 * Maps the escrow rules the database enforces (migrations 0016, 0027) to typed errors: an overdraw,
 * an illegal move, an unpayable milestone, a milestone of another project, another currency than
 * the project's, a refused authority, a row that is missing or not visible, a duplicate gateway id.
 */
function rethrowEscrow(e: unknown, entity = "project", key = ""): never {
  const pg = pgErrorOf(e);
  const message = pg?.message ?? "refused";
  switch (pg?.code) {
    case "SDBE1":
      throw new InvariantError(message, "insufficient_funds");
    case "SDBE2":
      throw new InvariantError(message, "illegal_transition");
    case "SDBE3":
      throw new InvariantError(message, "milestone_not_approved");
    case "SDBE4":
      // The server's message quotes both ids.
      throw new InvariantError("The milestone is not a milestone of this project", "milestone_not_in_project");
    case "SDBE5":
      throw new ValidationError("currency", "must be the project's currency");
    case "42501":
      // A policy or privilege refusal names its table; the definer functions' refusals say why.
      throw /^(permission denied|new row violates)/.test(message) ? mapDbError(e) : new ForbiddenError(message);
    case "P0002":
      throw new NotFoundError(entity, key);
  }
  return rethrowDbError(e, {
    conflict: (constraint) =>
      constraint === IDEMPOTENCY_KEY_INDEX
        ? "This idempotency key was used for another money movement"
        : "Transaction conflicts with an existing one",
  });
}

/** Runs `select * from <definer function>(...)` and maps its one row (snake_case, driver values) like a Drizzle select. */
async function callForRow<T extends PgTable>(db: Db, table: T, call: SQL, entity: string, key: string): Promise<T["$inferSelect"]> {
  const [raw] = rowsOf<Record<string, unknown>>(await db.execute(sql`select * from ${call}`).catch((e: unknown) => rethrowEscrow(e, entity, key)));
  const row: Record<string, unknown> = {};
  for (const [name, column] of Object.entries(getTableColumns(table))) {
    const value = raw?.[column.name];
    row[name] = value == null ? null : column.mapFromDriverValue(value);
  }
  return row as T["$inferSelect"];
}

/** After a conditional UPDATE matched nothing: NotFoundError, ForbiddenError, or why the current status forbids it. */
async function refuseTransition(db: Db, id: string, to: ProjectStatus): Promise<never> {
  const [current] = await primaryOf(db).select({ status: projects.status }).from(projects).where(eq(projects.id, id));
  if (!current) throw new NotFoundError("project", id);
  // The row is visible and the move is legal, so the policies refused this user.
  if (PROJECT_TRANSITIONS[current.status].includes(to)) throw new ForbiddenError(`Only the creator moves a project to ${to}`);
  throw new InvariantError(`A project cannot go from ${current.status} to ${to}`, "illegal_transition");
}

export const transitionProjectInput = z.strictObject({ projectId: uuid(), to: enumOf(projectStatus) });
export type TransitionProjectInput = z.input<typeof transitionProjectInput>;

/**
 * Moves a project to `to` if its current status allows it, in one conditional UPDATE (no race).
 * Under withRls only the creator moves a project, and never to `active` (the counterparty's
 * {@link acceptTerms}) or `refunded` (service work). Throws InvariantError `illegal_transition`,
 * ForbiddenError or NotFoundError otherwise.
 */
export async function transitionProject(db: Db, input: TransitionProjectInput): Promise<Project> {
  const v = parseInput(transitionProjectInput, input);
  const { projectId: id, to: target } = v;
  const [row] = await db
    .update(projects)
    .set({ status: target })
    .where(and(eq(projects.id, id), inArray(projects.status, sources(PROJECT_TRANSITIONS, target))))
    .returning()
    .catch((e: unknown) => rethrowEscrow(e, "project", id));
  return row ?? refuseTransition(db, id, target);
}

export const acceptTermsInput = z.strictObject({ projectId: uuid() });
export type AcceptTermsInput = z.input<typeof acceptTermsInput>;

/**
 * The counterparty (buyer or seller, not the creator who proposed them) accepts the terms of a
 * pending project, which becomes active. Service work may accept too.
 */
export async function acceptTerms(db: Db, input: AcceptTermsInput): Promise<Project> {
  const v = parseInput(acceptTermsInput, input);
  const id = v.projectId;
  return callForRow(db, projects, sql`shared_db.accept_project_terms(${id}::uuid)`, "project", id);
}

export const transitionMilestoneInput = z.strictObject({
  milestoneId: uuid(),
  to: enumOf(milestoneStatus),
  notes: pgText().max(10_000).optional(),
});
export type TransitionMilestoneInput = z.input<typeof transitionMilestoneInput>;

/**
 * Moves a milestone along MILESTONE_TRANSITIONS, stamping completed_at / approved_at. Under
 * withRls the seller or the creator starts and completes it, the buyer or the creator (never the
 * seller) approves or rejects it, any participant disputes it.
 */
export async function transitionMilestone(db: Db, input: TransitionMilestoneInput): Promise<Milestone> {
  const v = parseInput(transitionMilestoneInput, input);
  const { milestoneId: id, to: target, notes: text } = v;
  return callForRow(
    db,
    milestones,
    sql`shared_db.transition_milestone(${id}::uuid, ${target}::shared_db.milestone_status, ${text ?? null}::text)`,
    "milestone",
    id,
  );
}

/** A fee: zero or a decimal string with up to 4 places. */
const feeSchema = z.string().regex(/^\d{1,15}(\.\d{1,4})?$/, "must be a decimal string with up to 4 decimal places");

/** The canonical text of a decimal string ("0500.10" and "500.1000" are both "500.1"), for exact comparison. */
const canonicalDecimal = (s: string) => {
  const [whole = "", fraction = ""] = s.split(".");
  return `${whole.replace(/^0+(?=\d)/, "")}.${fraction.replace(/0+$/, "")}`;
};
const sameDecimal = (a: string, b: string) => canonicalDecimal(a) === canonicalDecimal(b);

export const recordTransactionInput = z.strictObject({
  userId: uuid(),
  projectId: uuid().optional(),
  milestoneId: uuid().optional(),
  transactionType: enumOf(transactionType),
  status: enumOf(transactionStatus).default("completed"),
  amount: moneySchema,
  fee: feeSchema.default("0"),
  currency: currencySchema.default("USD"),
  paymentGateway: pgText().min(1).max(50).optional(),
  gatewayTransactionId: pgText().min(1).max(255).optional(),
  gatewayReference: pgText().max(255).optional(),
  gatewayResponse: pgJson().optional(),
  description: pgText().max(10_000).optional(),
});
export type RecordTransactionInput = z.input<typeof recordTransactionInput>;

/**
 * Service work: records a money movement reported by a payment gateway, idempotently. A repeated
 * `gatewayTransactionId` with the same user, project, milestone, type, status, amount, fee and
 * currency (amounts compared exactly, as decimals) returns the stored transaction
 * (`created: false`); with any other detail it is a ConflictError. A completed release, refund or
 * fee takes the project's lock and never exceeds what is held (InvariantError
 * `insufficient_funds`). Users record intents with {@link recordPaymentIntent}.
 */
export async function recordTransaction(db: Db, input: RecordTransactionInput): Promise<{ transaction: Transaction; created: boolean }> {
  const v = parseInput(recordTransactionInput, input);
  const [created] = await db
    .insert(transactions)
    .values(v)
    .onConflictDoNothing({ target: transactions.gatewayTransactionId })
    .returning()
    .catch((e: unknown) => rethrowEscrow(e, "project", v.projectId ?? ""));
  if (created) return { transaction: created, created: true };
  const [existing] = await primaryOf(db).select().from(transactions).where(eq(transactions.gatewayTransactionId, v.gatewayTransactionId!));
  const same =
    existing &&
    existing.userId === v.userId &&
    existing.projectId === (v.projectId ?? null) &&
    existing.milestoneId === (v.milestoneId ?? null) &&
    existing.transactionType === v.transactionType &&
    existing.status === v.status &&
    sameDecimal(existing.amount, v.amount) &&
    sameDecimal(existing.fee, v.fee) &&
    existing.currency === v.currency;
  if (!same) throw new ConflictError("This gateway transaction id was recorded with different details", "transactions_gateway_transaction_id_key");
  return { transaction: existing, created: false };
}

export const recordPaymentIntentInput = z.strictObject({
  /** The acting user (under withRls, the context's user). */
  userId: uuid(),
  /** Required for an escrow_hold; the user must be its creator, buyer or seller. */
  projectId: uuid().optional(),
  milestoneId: uuid().optional(),
  transactionType: enumOf(transactionType).extract(["deposit", "withdrawal", "escrow_hold"]),
  amount: moneySchema,
  currency: currencySchema.default("USD"),
  paymentGateway: pgText().min(1).max(50).optional(),
  gatewayReference: pgText().max(255).optional(),
  description: pgText().max(10_000).optional(),
  /** The caller's key for this intent; a retry with it returns the first intent. */
  idempotencyKey: idempotencyKeySchema.optional(),
});
export type RecordPaymentIntentInput = z.input<typeof recordPaymentIntentInput>;

/**
 * User work: records a *pending* payment intent (a deposit, a withdrawal, or money into a
 * project's escrow) for the acting user. It moves no money: only the gateway's confirmation
 * ({@link settleTransaction}, service work) completes or fails it. Pass the returned id to the
 * gateway as your merchant reference.
 *
 * With an `idempotencyKey` (unique per user, e.g. a UUID made once per user action), a retry
 * returns the first intent and writes nothing, whatever happened to the first call's answer (a
 * `ConnectionError` with outcome `"unknown"` is safe to retry). The same key with any other detail
 * is a ConflictError whose `constraint` is `transactions_user_idempotency_key`.
 *
 * @example
 * const intent = await withRls(db, { userId: buyerId }, (tx) =>
 *   recordPaymentIntent(tx, { userId: buyerId, projectId, transactionType: "escrow_hold", amount: "1000.00" }));
 */
export async function recordPaymentIntent(db: Db, input: RecordPaymentIntentInput): Promise<Transaction> {
  const v = parseInput(recordPaymentIntentInput, input);
  const [row] = await db
    .insert(transactions)
    .values({ ...v, status: "pending" })
    .onConflictDoNothing({ target: [transactions.userId, transactions.idempotencyKey], where: sql`${transactions.idempotencyKey} is not null` })
    .returning()
    .catch((e: unknown) => rethrowEscrow(e, "project", v.projectId ?? ""));
  if (row) return row;
  // Only a key can conflict: the first intent with it, visible to its own user.
  const [first] = await primaryOf(db)
    .select()
    .from(transactions)
    .where(and(eq(transactions.userId, v.userId), eq(transactions.idempotencyKey, v.idempotencyKey!)));
  const same =
    first &&
    first.projectId === (v.projectId ?? null) &&
    first.milestoneId === (v.milestoneId ?? null) &&
    first.transactionType === v.transactionType &&
    sameDecimal(first.amount, v.amount) &&
    first.currency === v.currency &&
    first.paymentGateway === (v.paymentGateway ?? transactions.paymentGateway.default) &&
    first.gatewayReference === (v.gatewayReference ?? null) &&
    first.description === (v.description ?? null);
  if (!same) throw new ConflictError("This idempotency key was used for another money movement", IDEMPOTENCY_KEY_INDEX);
  return first;
}

export const settleTransactionInput = z.strictObject({
  transactionId: uuid(),
  /** The gateway's verdict. */
  status: enumOf(transactionStatus).extract(["completed", "failed"]),
  /** The amount the gateway reports; it must equal the transaction's exactly. */
  amount: moneySchema,
  gatewayTransactionId: pgText().min(1).max(255).optional(),
  gatewayResponse: pgJson().optional(),
});
export type SettleTransactionInput = z.input<typeof settleTransactionInput>;

/**
 * Service work (the gateway webhook): moves a pending or processing transaction to completed or
 * failed, stamping `processed_at` (and `completed_at`), in one conditional UPDATE. A retried
 * webhook with the same verdict returns the settled row (`settled: false`); a different amount or
 * gateway id is a ConflictError; settling a transaction that is already final otherwise is an
 * InvariantError `illegal_transition`; completing a release, refund or fee beyond what is held is
 * `insufficient_funds`.
 */
export async function settleTransaction(db: Db, input: SettleTransactionInput): Promise<{ transaction: Transaction; settled: boolean }> {
  const v = parseInput(settleTransactionInput, input);
  const [row] = await db
    .update(transactions)
    .set({
      status: v.status,
      gatewayTransactionId: v.gatewayTransactionId ? sql`coalesce(${transactions.gatewayTransactionId}, ${v.gatewayTransactionId})` : undefined,
      gatewayResponse: v.gatewayResponse,
    })
    .where(
      and(
        eq(transactions.id, v.transactionId),
        inArray(transactions.status, ["pending", "processing"]),
        sql`${transactions.amount} = ${v.amount}::numeric`,
        v.gatewayTransactionId
          ? sql`coalesce(${transactions.gatewayTransactionId}, ${v.gatewayTransactionId}) = ${v.gatewayTransactionId}`
          : undefined,
      ),
    )
    .returning()
    .catch((e: unknown) => rethrowEscrow(e, "transaction", v.transactionId));
  if (row) return { transaction: row, settled: true };
  const [existing] = await primaryOf(db).select().from(transactions).where(eq(transactions.id, v.transactionId));
  if (!existing) throw new NotFoundError("transaction", v.transactionId);
  if (!sameDecimal(existing.amount, v.amount) || (v.gatewayTransactionId && existing.gatewayTransactionId !== v.gatewayTransactionId)) {
    throw new ConflictError("The gateway reports this transaction with different details", "transactions_gateway_transaction_id_key");
  }
  if (existing.status === v.status) return { transaction: existing, settled: false };
  throw new InvariantError(`A transaction cannot go from ${existing.status} to ${v.status}`, "illegal_transition");
}

export const requireEscrowBalanceInput = z.strictObject({ projectId: uuid() });
export type RequireEscrowBalanceInput = z.input<typeof requireEscrowBalanceInput>;

/**
 * The project's escrow balance (held - released - refunded - fees) as an exact decimal string;
 * NotFoundError when the project is missing or not visible.
 */
export async function requireEscrowBalance(db: Db, input: RequireEscrowBalanceInput): Promise<string> {
  const v = parseInput(requireEscrowBalanceInput, input);
  const id = v.projectId;
  const [row] = rowsOf<{ balance: string | null }>(
    await db.execute(sql`select shared_db.project_escrow_balance(${id})::text as balance`).catch((e: unknown) => rethrowEscrow(e, "project", id)),
  );
  if (row?.balance == null) throw new NotFoundError("project", id);
  return row.balance;
}

export const releaseFundsInput = z.strictObject({
  projectId: uuid(),
  /** Who is paid: the project's seller (release) or its buyer (refund). */
  userId: uuid(),
  /** @default "escrow_release" */
  kind: enumOf(transactionType).extract(["escrow_release", "refund"]).default("escrow_release"),
  amount: moneySchema,
  /** Pays this approved milestone; its amount must equal `amount`. */
  milestoneId: uuid().optional(),
  /** Service work only. */
  gatewayTransactionId: pgText().min(1).max(255).optional(),
  description: pgText().max(10_000).optional(),
  /** The caller's key for this movement; a retry with it returns the first release or refund. */
  idempotencyKey: idempotencyKeySchema.optional(),
});
export type ReleaseFundsInput = z.input<typeof releaseFundsInput>;

/**
 * Releases escrowed money to the seller or refunds it to the buyer, never more than is held: the
 * database locks the project for the transaction and re-reads the balance under the lock, so
 * concurrent releases queue. Service work may do either; under withRls the buyer or the creator
 * releases and the seller or the creator refunds, never the payee to itself (ForbiddenError).
 * Throws InvariantError `insufficient_funds`, or `milestone_not_approved` when paying a milestone
 * that is not approved or already paid.
 *
 * With an `idempotencyKey` (unique per payee, e.g. a UUID made once per user action), a retry
 * returns the first release or refund and moves nothing, whatever happened to the first call's
 * answer (a `ConnectionError` with outcome `"unknown"` is safe to retry with the same key). The
 * same key with any other detail is a ConflictError whose `constraint` is
 * `transactions_user_idempotency_key`; the database enforces both.
 *
 * @example
 * const key = randomUUID(); // once per user action, kept across retries
 * await withRls(db, { userId: buyerId }, (tx) =>
 *   releaseFunds(tx, { projectId, userId: sellerId, amount: "400.00", idempotencyKey: key }));
 */
export async function releaseFunds(db: Db, input: ReleaseFundsInput): Promise<Transaction> {
  const v = parseInput(releaseFundsInput, input);
  return callForRow(
    db,
    transactions,
    sql`shared_db.release_escrow(${v.projectId}::uuid, ${v.userId}::uuid, ${v.kind}::shared_db.transaction_type, ${v.amount}::numeric,
      ${v.milestoneId ?? null}::uuid, ${v.gatewayTransactionId ?? null}::text, ${v.description ?? null}::text,
      ${v.idempotencyKey ?? null}::text)`,
    "project",
    v.projectId,
  );
}
