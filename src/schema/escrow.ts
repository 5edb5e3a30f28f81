import { sql } from "drizzle-orm";
import {
  type AnyPgColumn,
  boolean,
  check,
  char,
  foreignKey,
  index,
  integer,
  jsonb,
  numeric,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
  varchar,
} from "drizzle-orm/pg-core";
import { id, sharedDb, timestamps } from "./namespace";
import { isCurrentUser, serviceAccess, userPolicy } from "./policies";
import { users } from "./users";

export const projectStatus = sharedDb.enum("project_status", [
  "draft",
  "pending",
  "active",
  "in_progress",
  "completed",
  "disputed",
  "cancelled",
  "refunded",
]);
export const milestoneStatus = sharedDb.enum("milestone_status", ["pending", "in_progress", "completed", "approved", "rejected", "disputed"]);
export const transactionType = sharedDb.enum("transaction_type", [
  "deposit",
  "withdrawal",
  "escrow_hold",
  "escrow_release",
  "refund",
  "fee",
  "commission",
]);
export const transactionStatus = sharedDb.enum("transaction_status", ["pending", "processing", "completed", "failed", "cancelled", "refunded"]);

/** Money: exact decimals with 4 places, surfaced as strings (never floats). */
const money = (name: string) => numeric(name, { precision: 19, scale: 4 });
const currency = () => char("currency", { length: 3 }).notNull().default("USD");
const isoCurrency = (table: string, c: unknown) => check(`${table}_currency_iso4217`, sql`${c} ~ '^[A-Z]{3}$'`);
/** numeric also holds NaN (which compares greater than every number, so `'NaN' > 0`) and ±Infinity: never money. */
const finite = (constraint: string, c: unknown) => check(constraint, sql`${c} NOT IN ('NaN', 'Infinity', '-Infinity')`);
/**
 * A milestone or transaction of a project is in the project's currency: the key includes it, so
 * the database refuses another currency, and a project's currency changes only while no
 * transaction refers to it (its milestones follow it).
 */
const inProjectCurrency = (name: string, projectId: AnyPgColumn, currencyColumn: AnyPgColumn) =>
  foreignKey({ name, columns: [projectId, currencyColumn], foreignColumns: [projects.id, projects.currency] }).onDelete("cascade");
/** Of a milestone: its project is the signed-in user's, and nobody has accepted the terms yet. */
const projectOpenToItsCreator = sql`EXISTS (SELECT 1 FROM shared_db.projects p WHERE p.id = project_id
    AND p.creator_id = (SELECT shared_db.current_user_id()) AND p.status IN ('draft', 'pending'))`;

export const projects = sharedDb.table(
  "projects",
  {
    id: id(),
    title: varchar("title", { length: 255 }).notNull(),
    description: text("description"),
    totalAmount: money("total_amount").notNull(),
    currency: currency(),
    status: projectStatus("status").notNull().default("draft"),
    creatorId: uuid("creator_id")
      .notNull()
      .references(() => users.id),
    buyerId: uuid("buyer_id").references(() => users.id),
    sellerId: uuid("seller_id").references(() => users.id),
    termsAcceptedAt: timestamp("terms_accepted_at", { withTimezone: true }),
    completionCriteria: text("completion_criteria"),
    startDate: timestamp("start_date", { withTimezone: true }),
    dueDate: timestamp("due_date", { withTimezone: true }),
    completedAt: timestamp("completed_at", { withTimezone: true }),
    ...timestamps(),
  },
  (t) => [
    index("projects_creator_id_idx").on(t.creatorId),
    index("projects_buyer_id_idx").on(t.buyerId),
    index("projects_seller_id_idx").on(t.sellerId),
    index("projects_status_idx").on(t.status),
    check("projects_total_amount_positive", sql`${t.totalAmount} > 0`),
    finite("projects_total_amount_finite", t.totalAmount),
    isoCurrency("projects", t.currency),
    // The target of its milestones' and transactions' (project_id, currency) keys.
    unique("projects_id_currency_key").on(t.id, t.currency),
    serviceAccess("projects"),
    userPolicy(
      "projects_select_involved",
      "select",
      sql`${isCurrentUser(t.creatorId)} OR ${isCurrentUser(t.buyerId)} OR ${isCurrentUser(t.sellerId)}`,
    ),
    // Statuses and terms are guarded by the projects_guard trigger, not by these policies.
    userPolicy("projects_insert_creator", "insert", isCurrentUser(t.creatorId)),
    userPolicy("projects_update_creator", "update", isCurrentUser(t.creatorId)),
    // Creators delete only projects whose terms nobody has accepted yet.
    userPolicy("projects_delete_creator", "delete", sql`${isCurrentUser(t.creatorId)} AND status IN ('draft', 'pending')`),
  ],
);

export const milestones = sharedDb.table(
  "milestones",
  {
    id: id(),
    projectId: uuid("project_id").notNull(),
    title: varchar("title", { length: 255 }).notNull(),
    description: text("description"),
    orderIndex: integer("order_index").notNull().default(0),
    amount: money("amount").notNull(),
    currency: currency(),
    status: milestoneStatus("status").notNull().default("pending"),
    isPaid: boolean("is_paid").notNull().default(false),
    paidAt: timestamp("paid_at", { withTimezone: true }),
    completionCriteria: text("completion_criteria"),
    completionNotes: text("completion_notes"),
    dueDate: timestamp("due_date", { withTimezone: true }),
    completedAt: timestamp("completed_at", { withTimezone: true }),
    approvedAt: timestamp("approved_at", { withTimezone: true }),
    ...timestamps(),
  },
  (t) => [
    index("milestones_project_id_idx").on(t.projectId),
    index("milestones_status_idx").on(t.status),
    check("milestones_amount_positive", sql`${t.amount} > 0`),
    finite("milestones_amount_finite", t.amount),
    check("milestones_paid_only_when_approved", sql`not ${t.isPaid} or ${t.status} = 'approved'`),
    isoCurrency("milestones", t.currency),
    inProjectCurrency("milestones_project_currency_fk", t.projectId, t.currency).onUpdate("cascade"),
    serviceAccess("milestones"),
    userPolicy(
      "milestones_select_involved",
      "select",
      sql`EXISTS (SELECT 1 FROM shared_db.projects p WHERE p.id = project_id AND (p.creator_id = (SELECT shared_db.current_user_id())
    OR p.buyer_id = (SELECT shared_db.current_user_id()) OR p.seller_id = (SELECT shared_db.current_user_id())))`,
    ),
    // The creator writes milestones while the terms are open (draft or pending).
    userPolicy("milestones_insert_creator", "insert", projectOpenToItsCreator),
    userPolicy("milestones_update_creator", "update", projectOpenToItsCreator),
    userPolicy("milestones_delete_creator", "delete", projectOpenToItsCreator),
  ],
);

export const transactions = sharedDb.table(
  "transactions",
  {
    id: id(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id),
    projectId: uuid("project_id"),
    milestoneId: uuid("milestone_id").references(() => milestones.id, { onDelete: "set null" }),
    transactionType: transactionType("transaction_type").notNull(),
    status: transactionStatus("status").notNull().default("pending"),
    amount: money("amount").notNull(),
    currency: currency(),
    fee: money("fee").notNull().default("0"),
    /** amount - fee, computed by the database. */
    netAmount: money("net_amount").generatedAlwaysAs(sql`amount - fee`),
    paymentGateway: varchar("payment_gateway", { length: 50 }).notNull().default("fincra"),
    gatewayTransactionId: varchar("gateway_transaction_id", { length: 255 }).unique("transactions_gateway_transaction_id_key"),
    gatewayReference: varchar("gateway_reference", { length: 255 }),
    gatewayResponse: jsonb("gateway_response"),
    description: text("description"),
    notes: text("notes"),
    extraData: jsonb("extra_data"),
    ...timestamps(),
    processedAt: timestamp("processed_at", { withTimezone: true }),
    completedAt: timestamp("completed_at", { withTimezone: true }),
    /** The caller's key for a money movement: a retry with it returns this row instead of paying again. */
    idempotencyKey: varchar("idempotency_key", { length: 255 }),
  },
  (t) => [
    index("transactions_user_id_idx").on(t.userId),
    // One movement per key and user the money is for (the acting user for an intent, the payee for a release).
    uniqueIndex("transactions_user_idempotency_key").on(t.userId, t.idempotencyKey).where(sql`${t.idempotencyKey} is not null`),
    index("transactions_project_id_idx").on(t.projectId),
    index("transactions_transaction_type_idx").on(t.transactionType),
    index("transactions_status_idx").on(t.status),
    check("transactions_amount_positive", sql`${t.amount} > 0`),
    check("transactions_fee_not_negative", sql`${t.fee} >= 0 and ${t.fee} <= ${t.amount}`),
    finite("transactions_amount_finite", t.amount),
    finite("transactions_fee_finite", t.fee),
    isoCurrency("transactions", t.currency),
    inProjectCurrency("transactions_project_currency_fk", t.projectId, t.currency),
    serviceAccess("transactions"),
    userPolicy("transactions_select_own", "select", isCurrentUser(t.userId)),
    // A user only asks for money to move: a pending deposit, withdrawal or hold on a project they
    // take part in, with nothing a payment gateway or service work fills in.
    userPolicy(
      "transactions_insert_own",
      "insert",
      sql`${isCurrentUser(t.userId)}
    AND status = 'pending'
    AND transaction_type IN ('deposit', 'withdrawal', 'escrow_hold')
    AND (project_id IS NULL OR shared_db.takes_part_in(project_id))
    AND (transaction_type <> 'escrow_hold' OR project_id IS NOT NULL)
    AND gateway_transaction_id IS NULL AND gateway_response IS NULL
    AND processed_at IS NULL AND completed_at IS NULL`,
    ),
  ],
);

export type Project = typeof projects.$inferSelect;
export type Milestone = typeof milestones.$inferSelect;
export type Transaction = typeof transactions.$inferSelect;
export type ProjectStatus = (typeof projectStatus.enumValues)[number];
export type MilestoneStatus = (typeof milestoneStatus.enumValues)[number];
export type TransactionType = (typeof transactionType.enumValues)[number];
