import { and, desc, eq, lt, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../db";
import { rethrowDbError } from "../errors";
import { parseInput, pgDate, pgJson, pgText, uuid } from "../input";
import { auditLogs, type AuditLog } from "../schema/users";

export const appendAuditInput = z.strictObject({
  actorId: uuid().nullable(),
  action: pgText().trim().min(1).max(100),
  entityType: pgText().trim().min(1).max(100),
  entityId: pgText().max(255).nullable().optional(),
  details: pgJson().optional(),
});
export type AppendAuditInput = z.input<typeof appendAuditInput>;

export const listAuditInput = z.strictObject({
  actorId: uuid().optional(),
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
  const v = parseInput(appendAuditInput, input);
  // An actor that does not exist (23503) is named as `actorId`; under withRls, another actor is refused (42501).
  const [row] = await db
    .insert(auditLogs)
    .values(v)
    .returning()
    .catch((e: unknown) => rethrowDbError(e));
  return row!;
}

/** Audit entries, newest first, filtered by actor and/or entity. */
export async function listAudit(db: Db, input: ListAuditInput = {}): Promise<AuditLog[]> {
  const v = parseInput(listAuditInput, input);
  const where: SQL[] = [];
  if (v.actorId) where.push(eq(auditLogs.actorId, v.actorId));
  if (v.entityType) where.push(eq(auditLogs.entityType, v.entityType));
  if (v.entityId) where.push(eq(auditLogs.entityId, v.entityId));
  if (v.before) where.push(lt(auditLogs.createdAt, v.before));
  return db
    .select()
    .from(auditLogs)
    .where(and(...where))
    .orderBy(desc(auditLogs.createdAt), desc(auditLogs.id))
    .limit(v.limit);
}
