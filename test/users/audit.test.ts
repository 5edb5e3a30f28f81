import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { ValidationError } from "../../src/errors";
import { auditLogs, users } from "../../src/schema";
import { appendAudit, listAudit } from "../../src/stores";
import { twoUsers, useTestDb } from "../support/db";

const t = useTestDb();

describe("audit logs", () => {
  it("appends and lists entries newest first, filtered by actor and entity", async () => {
    const [a, b] = await twoUsers(t.db);
    await appendAudit(t.db, { actorId: a.id, action: "login", entityType: "user", entityId: a.id });
    await appendAudit(t.db, { actorId: a.id, action: "update", entityType: "project", entityId: "p1", details: { field: "title" } });
    await appendAudit(t.db, { actorId: b.id, action: "login", entityType: "user", entityId: b.id });
    const mine = await listAudit(t.db, { actorId: a.id });
    expect(mine.map((e) => e.action)).toEqual(["update", "login"]);
    expect(mine[0]!.details).toEqual({ field: "title" });
    expect(await listAudit(t.db, { entityType: "project", entityId: "p1" })).toHaveLength(1);
  });

  it("is append-only: updates and deletes change nothing, whoever runs them", async () => {
    const [a] = await twoUsers(t.db);
    const entry = await appendAudit(t.db, { actorId: a.id, action: "x", entityType: "t" });
    // As the table owner under forced RLS no policy allows it (0 rows); as a superuser the trigger refuses it.
    const outcome = (q: Promise<unknown>) =>
      q.then(
        (r) => r,
        (e: { cause?: Error }) => expect(e.cause?.message).toMatch(/append-only/),
      );
    await outcome(t.db.update(auditLogs).set({ action: "y" }).where(eq(auditLogs.id, entry.id)));
    await outcome(t.db.delete(auditLogs).where(eq(auditLogs.id, entry.id)));
    expect(await t.db.select().from(auditLogs).where(eq(auditLogs.id, entry.id))).toEqual([entry]);
  });

  it("keeps entries when their actor is deleted (actor becomes null)", async () => {
    const [a] = await twoUsers(t.db);
    const entry = await appendAudit(t.db, { actorId: a.id, action: "x", entityType: "t" });
    await t.db.delete(users).where(eq(users.id, a.id));
    const [row] = await t.db.select().from(auditLogs).where(eq(auditLogs.id, entry.id));
    expect(row).toMatchObject({ actorId: null, action: "x" });
  });

  it("validates input", async () => {
    await expect(appendAudit(t.db, { actorId: "nope", action: "x", entityType: "t" })).rejects.toMatchObject({ field: "actorId" });
    await expect(appendAudit(t.db, { actorId: null, action: "", entityType: "t" })).rejects.toBeInstanceOf(ValidationError);
    await expect(listAudit(t.db, { limit: 0 })).rejects.toMatchObject({ field: "limit" });
  });
});
