import { and, desc, eq, lt, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../db";
import { rethrowDbError } from "../errors";
import { parseInput, pgDate, pgJson, pgText } from "../input";
import { auditLogs, type AuditLog } from "../schema/users";

export const appendAuditInput = z.strictObject({
  actorId: z.uuid().nullable(),
  action: pgText().trim().min(1).max(100),
  entityType: pgText().trim().min(1).max(100),
  entityId: pgText().max(255).nullable().optional(),
  details: pgJson().optional(),
});
export type AppendAuditInput = z.input<typeof appendAuditInput>;

export const listAuditInput = z.strictObject({
  actorId: z.uuid().optional(),
  entityType: pgText().max(100).optional(),
  entityId: pgText().max(255).optional(),
  /** Entries created before this instant (for paging). */
  before: pgDate().optional(),
  /** @default 50 */
  limit: z.number().int().min(1).max(1000).default(50),
});
export type ListAuditInput = z.input<typeof listAuditInput>;

/** Appends one audit entry. Under withRls the actor must be the current user. */
export async function appendAudit(db: Db, input: AppendAuditInput): Promise<AuditLog> {
  const values = parseInput(appendAuditInput, input);
  // An actor that does not exist (23503) is named as `actorId`; under withRls, another actor is refused (42501).
  const [row] = await db
    .insert(auditLogs)
    .values(values)
    .returning()
    .catch((e: unknown) => rethrowDbError(e));
  return row!;
}

/** Audit entries, newest first, filtered by actor and/or entity. */
export async function listAudit(db: Db, input: ListAuditInput = {}): Promise<AuditLog[]> {
  const q = parseInput(listAuditInput, input);
  const where: SQL[] = [];
  if (q.actorId) where.push(eq(auditLogs.actorId, q.actorId));
  if (q.entityType) where.push(eq(auditLogs.entityType, q.entityType));
  if (q.entityId) where.push(eq(auditLogs.entityId, q.entityId));
  if (q.before) where.push(lt(auditLogs.createdAt, q.before));
  return db
    .select()
    .from(auditLogs)
    .where(and(...where))
    .orderBy(desc(auditLogs.createdAt), desc(auditLogs.id))
    .limit(q.limit);
}
