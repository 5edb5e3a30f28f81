import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { withRls } from "../../src";
import { ConflictError, DatabaseError, ForbiddenError, mapDbError, NotFoundError, SharedDbError, ValidationError } from "../../src/errors";
import { projects } from "../../src/schema/escrow";
import { slackOauthStates } from "../../src/schema/slack-oauth";
import { users } from "../../src/schema/users";
import { appendAudit, createUser } from "../../src/stores";
import { makeUser, useTestDb } from "../support/db";
import { caught, exposed } from "../support/errors";

const t = useTestDb();

describe("driver errors mapped by SQLSTATE, without parameters", () => {
  it("unique (23505) -> ConflictError with the constraint; the password hash is nowhere in it", async () => {
    const hash = `$argon2id$v=19$m=65536$${randomUUID()}`;
    await createUser(t.db, { email: "dup@example.com", passwordHash: hash });
    const e = await caught(createUser(t.db, { email: "DUP@example.com", passwordHash: hash }));
    expect(e).toBeInstanceOf(ConflictError);
    expect(e).toMatchObject({ code: "conflict", constraint: "users_email_lower_key" });
    expect(exposed(e)).not.toContain(hash);
    expect(exposed(e)).not.toContain("dup@example.com");
  });

  it("foreign key (23503) -> NotFoundError naming the field and the referenced table", async () => {
    const ghost = randomUUID();
    const e = await caught(appendAudit(t.db, { actorId: ghost, action: "login", entityType: "user" }));
    expect(e).toBeInstanceOf(NotFoundError);
    expect(e).toMatchObject({ code: "not_found", field: "actorId", entity: "users" });
    expect((e as NotFoundError).constraint).toMatch(/^audit_logs_actor_id/);
    expect(exposed(e)).not.toContain(ghost);
  });

  it("check (23514) -> ValidationError naming the field from the schema's constraint", async () => {
    const u = await makeUser(t.db, "check");
    const e = mapDbError(
      await caught(
        t.db.insert(projects).values({ title: "p", creatorId: u.id, buyerId: u.id, sellerId: u.id, totalAmount: "-5", currency: "USD" } as never),
      ),
    );
    expect(e).toBeInstanceOf(ValidationError);
    expect(e).toMatchObject({ code: "validation", field: "totalAmount", constraint: "projects_total_amount_positive" });
  });

  it("encoding (22021) -> ValidationError naming the field the call site gives; the value is not in the message", async () => {
    const value = "nul-\u0000-secret-value";
    const raw = await caught(t.db.insert(users).values({ email: "enc@example.com", fullName: value }));
    // Drizzle's own error carries the parameters in its message: this is what must not escape.
    expect((raw as Error).message).toContain("secret-value");
    const e = mapDbError(raw, { field: "fullName" });
    expect(e).toMatchObject({ code: "validation", field: "fullName" });
    expect(exposed(e)).not.toContain("secret-value");
  });

  it("42501 -> ForbiddenError naming the refused table (privilege and row-level security)", async () => {
    const [alice, bob] = [await makeUser(t.db, "alice"), await makeUser(t.db, "bob")];
    const raw = await caught(withRls(t.db, { userId: alice.id }, (tx) => tx.select().from(slackOauthStates)));
    const e = mapDbError(raw);
    expect(e).toBeInstanceOf(ForbiddenError);
    expect(e).toMatchObject({ code: "forbidden", table: "slack_oauth_states" });
    expect((e as Error).message).toMatch(/slack_oauth_states/);
    // Writing an audit entry as someone else: refused by the policy, named by appendAudit's mapping.
    const forged = await caught(withRls(t.db, { userId: alice.id }, (tx) => appendAudit(tx, { actorId: bob.id, action: "x", entityType: "y" })));
    expect(forged).toMatchObject({ code: "forbidden", table: "audit_logs" });
    expect(exposed(forged)).not.toContain(bob.id);
  });

  it("anything else -> DatabaseError with SQLSTATE and SQL text, never the parameters", async () => {
    const raw = await caught(t.db.execute(sql`select ${"param-secret"}::text from shared_db.no_such_table`));
    const e = mapDbError(raw);
    expect(e).toBeInstanceOf(DatabaseError);
    expect(e).toBeInstanceOf(SharedDbError);
    expect(e).toMatchObject({ code: "database", sqlstate: "42P01" });
    expect((e as DatabaseError).details.query).toMatch(/\$1/);
    expect(exposed(e)).not.toContain("param-secret");
  });

  it("a driver error given as `cause` to a SharedDbError is replaced by its parameter-free form", async () => {
    const raw = await caught(t.db.execute(sql`select ${"cause-secret"}::int`));
    const e = new ConflictError("taken", "some_key", { cause: raw });
    expect(e.cause).toBeInstanceOf(DatabaseError);
    expect(exposed(e)).not.toContain("cause-secret");
    // Errors that are not driver errors pass through mapDbError unchanged.
    const mine = new Error("mine");
    expect(mapDbError(mine)).toBe(mine);
  });
});
