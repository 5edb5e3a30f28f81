import { asc, eq, or, sql } from "drizzle-orm";
import type { PgUpdateSetSource } from "drizzle-orm/pg-core";
import { z } from "zod";
import type { Db } from "../db";
import { NotFoundError, UserHasProjectsError, pgErrorOf, rethrowConflict, rethrowDbError } from "../errors";
import { isPgText, parseInput, PG_TEXT_MESSAGE, pgText } from "../input";
import { prepared } from "../prepared";
import { projects, transactions } from "../schema/escrow";
import { userCredentials, users, type User } from "../schema/users";

/**
 * A user as repository functions return it. The password hash is not a users column (it lives in
 * the service-only `user_credentials`), so this is the whole row.
 */
export type PublicUser = User;

const email = z
  .email()
  .max(255)
  .transform((s) => s.trim().toLowerCase());
const profile = {
  fullName: pgText().trim().min(1).max(255).nullable(),
  phone: z
    .string()
    .regex(/^\+?[0-9 ()-]{3,32}$/, "must be a phone number")
    .nullable(),
  avatarUrl: z
    .url({ protocol: /^https?$/ })
    .max(2048)
    .refine(isPgText, PG_TEXT_MESSAGE)
    .nullable(),
  bio: pgText().max(5000).nullable(),
};

export const createUserInput = z.strictObject({
  email,
  googleId: pgText().min(1).max(255).nullable().optional(),
  fullName: profile.fullName.optional(),
  phone: profile.phone.optional(),
  avatarUrl: profile.avatarUrl.optional(),
  bio: profile.bio.optional(),
  /** Already hashed by the caller (bcrypt, argon2): shared-db never sees a password. */
  passwordHash: pgText().min(1).max(1024).nullable().optional(),
  isVerified: z.boolean().optional(),
});
export type CreateUserInput = z.input<typeof createUserInput>;

export const updateProfileInput = z.strictObject(profile).partial();
export type UpdateProfileInput = z.input<typeof updateProfileInput>;

const userId = z.uuid();

const emailTaken = (constraint: string | undefined) =>
  constraint === "users_google_id_key" ? "A user with this Google id already exists" : "A user with this email already exists";

/**
 * Creates a user, and its password hash in `user_credentials` when given (service work; one
 * transaction). Throws ConflictError for a duplicate email (case-insensitive) or Google id.
 */
export async function createUser(db: Db, input: CreateUserInput): Promise<PublicUser> {
  const { passwordHash, ...values } = parseInput(createUserInput, input);
  try {
    return await db.transaction(async (tx) => {
      const [row] = await tx.insert(users).values(values).returning();
      if (passwordHash) await tx.insert(userCredentials).values({ userId: row!.id, passwordHash });
      return row!;
    });
  } catch (e) {
    rethrowConflict(e, emailTaken);
  }
}

const passwordHashInput = pgText().min(1).max(1024).nullable();

/**
 * The user's password hash, or undefined when it has none. Service work only: the application
 * role has no privilege on `user_credentials`, so under `withRls` this throws.
 */
export async function getPasswordHash(db: Db, id: string): Promise<string | undefined> {
  const [row] = await db
    .select({ passwordHash: userCredentials.passwordHash })
    .from(userCredentials)
    .where(eq(userCredentials.userId, parseInput(userId, id, "id")));
  return row?.passwordHash;
}

/** Sets (or, with null, removes) the user's password hash. Service work only. */
export async function setPasswordHash(db: Db, id: string, passwordHash: string | null): Promise<void> {
  const key = parseInput(userId, id, "id");
  const hash = parseInput(passwordHashInput, passwordHash, "passwordHash");
  if (hash === null) {
    await db.delete(userCredentials).where(eq(userCredentials.userId, key));
    return;
  }
  try {
    await db
      .insert(userCredentials)
      .values({ userId: key, passwordHash: hash })
      .onConflictDoUpdate({ target: userCredentials.userId, set: { passwordHash: hash } });
  } catch (e) {
    // The only foreign key: the user does not exist.
    if (pgErrorOf(e)?.code === "23503") throw new NotFoundError("user", key);
    rethrowDbError(e);
  }
}

/** The user with this id, or undefined (also when RLS hides it). */
export async function getUserById(db: Db, id: string): Promise<PublicUser | undefined> {
  const query = prepared(db, "shared_db_get_user_by_id", (d) =>
    d
      .select()
      .from(users)
      .where(eq(users.id, sql.placeholder("id")))
      .prepare("shared_db_get_user_by_id"),
  );
  const [row] = await query.execute({ id: parseInput(userId, id, "id") });
  return row;
}

/** The user with this email, compared case-insensitively, or undefined. */
export async function getUserByEmail(db: Db, address: string): Promise<PublicUser | undefined> {
  const normalized = parseInput(email, address, "email");
  const [row] = await db
    .select()
    .from(users)
    .where(eq(sql`lower(${users.email})`, normalized));
  return row;
}

async function updateUser(db: Db, id: string, set: PgUpdateSetSource<typeof users>): Promise<PublicUser> {
  const key = parseInput(userId, id, "id");
  const [row] = await db
    .update(users)
    .set(set)
    .where(eq(users.id, key))
    .returning()
    .catch((e: unknown) => rethrowDbError(e));
  if (!row) throw new NotFoundError("user", key);
  return row;
}

/** Updates profile fields (full name, phone, avatar, bio). Works as the user under withRls. */
export async function updateProfile(db: Db, id: string, input: UpdateProfileInput): Promise<PublicUser> {
  return updateUser(db, id, parseInput(updateProfileInput, input));
}

/** Sets last_login to the database's clock. */
export async function recordLogin(db: Db, id: string): Promise<PublicUser> {
  return updateUser(db, id, { lastLogin: sql`now()` });
}

/** Marks a user inactive (rows that reference it stay intact). */
export async function deactivateUser(db: Db, id: string): Promise<PublicUser> {
  return updateUser(db, id, { isActive: false });
}

/**
 * Deletes a user (service work): their credentials, team memberships and own integrations go with
 * them, audit and team records keep the row with the reference set to NULL. Refused with
 * UserHasProjectsError, naming the projects, while the user is a party to an escrow project
 * (creator, buyer, seller or payer of a transaction): deactivate such a user instead.
 */
export async function deleteUser(db: Db, id: string): Promise<void> {
  const userIdValue = parseInput(userId, id, "id");
  await db
    .transaction(async (tx) => {
      // Locks the row: a project created concurrently (FOR KEY SHARE on the user) waits or fails.
      const [row] = await tx.select({ id: users.id }).from(users).where(eq(users.id, userIdValue)).for("update");
      if (!row) throw new NotFoundError("user", userIdValue);
      const party = or(eq(projects.creatorId, userIdValue), eq(projects.buyerId, userIdValue), eq(projects.sellerId, userIdValue));
      const paid = tx.select({ id: transactions.projectId }).from(transactions).where(eq(transactions.userId, userIdValue));
      const blocking = await tx
        .select({ id: projects.id })
        .from(projects)
        .where(or(party, sql`${projects.id} in (${paid})`))
        .orderBy(asc(projects.id));
      if (blocking.length > 0)
        throw new UserHasProjectsError(
          userIdValue,
          blocking.map((p) => p.id),
        );
      await tx.delete(users).where(eq(users.id, userIdValue));
    })
    .catch((e: unknown) => rethrowDbError(e));
}
