import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { ConflictError, NotFoundError, ValidationError } from "../../src/errors";
import { userCredentials, users } from "../../src/schema";
import {
  createUser,
  deactivateUser,
  getPasswordHash,
  getUserByEmail,
  getUserById,
  recordLogin,
  setPasswordHash,
  updateProfile,
} from "../../src/stores";
import { makeUser, useTestDb } from "../support/db";

const t = useTestDb();
const count = async () => (await t.db.select({ n: sql<number>`count(*)::int` }).from(users))[0]!.n;
const hashes = async () => (await t.db.select({ n: sql<number>`count(*)::int` }).from(userCredentials))[0]!.n;

describe("users", () => {
  it("creates a user and reads it by id and by email, case-insensitively", async () => {
    const u = await createUser(t.db, { email: "Ada.Lovelace@Example.com", fullName: "Ada Lovelace" });
    expect(u).toMatchObject({ email: "ada.lovelace@example.com", fullName: "Ada Lovelace", isActive: true });
    expect(u).not.toHaveProperty("passwordHash");
    expect(await getUserById(t.db, { id: u.id })).toEqual(u);
    expect(await getUserByEmail(t.db, { email: "ADA.LOVELACE@example.COM" })).toEqual(u);
    expect(await getUserByEmail(t.db, { email: "nobody@example.com" })).toBeUndefined();
  });

  it("refuses a duplicate email in any case with a ConflictError", async () => {
    await createUser(t.db, { email: "dup@example.com" });
    const before = await count();
    await expect(createUser(t.db, { email: "DUP@example.com" })).rejects.toBeInstanceOf(ConflictError);
    expect(await count()).toBe(before);
  });

  it("enforces case-insensitive uniqueness in the database too", async () => {
    await createUser(t.db, { email: "raw@example.com" });
    await expect(t.db.insert(users).values({ email: "RAW@example.com" })).rejects.toThrow();
  });

  it("refuses a duplicate google id", async () => {
    await createUser(t.db, { email: "g1@example.com", googleId: "g-123" });
    const e = await createUser(t.db, { email: "g2@example.com", googleId: "g-123" }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ConflictError);
    expect((e as ConflictError).constraint).toBe("users_google_id_key");
  });

  it.each([
    [{ email: "not-an-email" }, "email"],
    [{ email: "x@example.com", role: "admin" }, "role"],
    [{ email: "x@example.com", fullName: "x".repeat(256) }, "fullName"],
    [{ email: "x@example.com", avatarUrl: "javascript:alert(1)" }, "avatarUrl"],
    [{ email: "x@example.com", phone: "call me" }, "phone"],
  ])("rejects bad input %j naming the field, writing nothing", async (input, field) => {
    const before = await count();
    const e = await createUser(t.db, input as never).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ValidationError);
    expect((e as ValidationError).field).toBe(field);
    expect((e as Error).message).toContain(field);
    expect(await count()).toBe(before);
  });

  it("updates the profile; updated_at is set by the database", async () => {
    const u = await makeUser(t.db);
    await new Promise((r) => setTimeout(r, 5));
    const updated = await updateProfile(t.db, { id: u.id, fullName: "New Name", bio: "hello" });
    expect(updated.fullName).toBe("New Name");
    expect(updated.updatedAt.getTime()).toBeGreaterThan(u.updatedAt.getTime());
    // Even a caller that sets updated_at explicitly gets the database's clock.
    await t.db
      .update(users)
      .set({ updatedAt: new Date("2000-01-01") })
      .where(eq(users.id, u.id));
    expect((await getUserById(t.db, { id: u.id }))!.updatedAt.getFullYear()).toBeGreaterThan(2000);
  });

  it("rejects unknown profile fields and a bad id", async () => {
    const u = await makeUser(t.db);
    await expect(updateProfile(t.db, { id: u.id, email: "x@example.com" } as never)).rejects.toMatchObject({ field: "email" });
    await expect(updateProfile(t.db, { id: "not-a-uuid" })).rejects.toBeInstanceOf(ValidationError);
  });

  it("records a login and deactivates", async () => {
    const u = await makeUser(t.db);
    expect(u.lastLogin).toBeNull();
    expect((await recordLogin(t.db, { id: u.id })).lastLogin).toBeInstanceOf(Date);
    expect((await deactivateUser(t.db, { id: u.id })).isActive).toBe(false);
  });

  it("throws NotFoundError for an unknown user", async () => {
    await expect(deactivateUser(t.db, { id: "00000000-0000-4000-8000-000000000000" })).rejects.toBeInstanceOf(NotFoundError);
  });

  it("keeps the password hash in user_credentials: createUser stores it, service code reads and replaces it", async () => {
    const u = await createUser(t.db, { email: "hash@example.com", passwordHash: "$argon2id$v=19$first" });
    expect(await getPasswordHash(t.db, { id: u.id })).toBe("$argon2id$v=19$first");
    await setPasswordHash(t.db, { id: u.id, passwordHash: "$argon2id$v=19$second" });
    expect(await getPasswordHash(t.db, { id: u.id })).toBe("$argon2id$v=19$second");
    await setPasswordHash(t.db, { id: u.id, passwordHash: null });
    expect(await getPasswordHash(t.db, { id: u.id })).toBeUndefined();
    expect(await getPasswordHash(t.db, { id: (await makeUser(t.db)).id })).toBeUndefined();
  });

  it("writes neither the user nor its hash when either fails, and refuses a hash for a missing user", async () => {
    await createUser(t.db, { email: "taken@example.com" });
    const before = { users: await count(), hashes: await hashes() };
    await expect(createUser(t.db, { email: "TAKEN@example.com", passwordHash: "$2b$10$x" })).rejects.toBeInstanceOf(ConflictError);
    await expect(createUser(t.db, { email: "new@example.com", passwordHash: "" })).rejects.toMatchObject({ field: "passwordHash" });
    const missing = "00000000-0000-4000-8000-000000000000";
    await expect(setPasswordHash(t.db, { id: missing, passwordHash: "$2b$10$x" })).rejects.toBeInstanceOf(NotFoundError);
    await expect(setPasswordHash(t.db, { id: "not-a-uuid", passwordHash: "$2b$10$x" })).rejects.toBeInstanceOf(ValidationError);
    expect({ users: await count(), hashes: await hashes() }).toEqual(before);
  });
});
