import { asc, eq, or, sql } from "drizzle-orm";
import type { PgUpdateSetSource } from "drizzle-orm/pg-core";
import { z } from "zod";
import type { Db } from "../db";
import { NotFoundError, UserHasProjectsError, pgErrorOf, rethrowConflict, rethrowDbError } from "../errors";
import { isPgText, parseInput, PG_TEXT_MESSAGE, pgText, uuid } from "../input";
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
/** Already hashed by the caller (bcrypt, argon2): shared-db never sees a password. */
const passwordHash = pgText().min(1).max(1024).nullable();

export const createUserInput = z.strictObject({
  email,
  googleId: pgText().min(1).max(255).nullable().optional(),
  fullName: profile.fullName.optional(),
  phone: profile.phone.optional(),
  avatarUrl: profile.avatarUrl.optional(),
  bio: profile.bio.optional(),
  /** Already hashed by the caller (bcrypt, argon2): shared-db never sees a password. */
  passwordHash: passwordHash.optional(),
  isVerified: z.boolean().optional(),
});
export type CreateUserInput = z.input<typeof createUserInput>;

/** The key of one user: `{ id }`. */
const userKey = { id: uuid() };

const emailTaken = (constraint: string | undefined) =>
  constraint === "users_google_id_key" ? "A user with this Google id already exists" : "A user with this email already exists";

/**
 * Creates a user, and its password hash in `user_credentials` when given (service work; one
 * transaction). Throws ConflictError for a duplicate email (case-insensitive) or Google id.
 */
export async function createUser(db: Db, input: CreateUserInput): Promise<PublicUser> {
  const v = parseInput(createUserInput, input);
  const { passwordHash, ...values } = v;
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

export const getPasswordHashInput = z.strictObject(userKey);
export type GetPasswordHashInput = z.input<typeof getPasswordHashInput>;

/**
 * The user's password hash, or undefined when it has none. Service work only: the application
 * role has no privilege on `user_credentials`, so under `withRls` this throws.
 */
export async function getPasswordHash(db: Db, input: GetPasswordHashInput): Promise<string | undefined> {
  const v = parseInput(getPasswordHashInput, input);
  const [row] = await db.select({ passwordHash: userCredentials.passwordHash }).from(userCredentials).where(eq(userCredentials.userId, v.id));
  return row?.passwordHash;
}

export const setPasswordHashInput = z.strictObject({
  ...userKey,
  /** Already hashed by the caller; null removes it. */
  passwordHash,
});
export type SetPasswordHashInput = z.input<typeof setPasswordHashInput>;

/** Sets (or, with null, removes) the user's password hash. Service work only. */
export async function setPasswordHash(db: Db, input: SetPasswordHashInput): Promise<void> {
  const v = parseInput(setPasswordHashInput, input);
  const { id: key, passwordHash: hash } = v;
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

export const getUserByIdInput = z.strictObject(userKey);
export type GetUserByIdInput = z.input<typeof getUserByIdInput>;

/** The user with this id, or undefined (also when RLS hides it). */
export async function getUserById(db: Db, input: GetUserByIdInput): Promise<PublicUser | undefined> {
  const v = parseInput(getUserByIdInput, input);
  const query = prepared(db, "shared_db_get_user_by_id", (d) =>
    d
      .select()
      .from(users)
      .where(eq(users.id, sql.placeholder("id")))
      .prepare("shared_db_get_user_by_id"),
  );
  const [row] = await query.execute({ id: v.id });
  return row;
}

export const getUserByEmailInput = z.strictObject({ email });
export type GetUserByEmailInput = z.input<typeof getUserByEmailInput>;

/** The user with this email, compared case-insensitively, or undefined. */
export async function getUserByEmail(db: Db, input: GetUserByEmailInput): Promise<PublicUser | undefined> {
  const v = parseInput(getUserByEmailInput, input);
  const [row] = await db
    .select()
    .from(users)
    .where(eq(sql`lower(${users.email})`, v.email));
  return row;
}

/** Updates the user `key` (already parsed); NotFoundError when missing or hidden. */
async function updateUser(db: Db, key: string, set: PgUpdateSetSource<typeof users>): Promise<PublicUser> {
  const [row] = await db
    .update(users)
    .set(set)
    .where(eq(users.id, key))
    .returning()
    .catch((e: unknown) => rethrowDbError(e));
  if (!row) throw new NotFoundError("user", key);
  return row;
}

export const updateProfileInput = z.strictObject(profile).partial().extend(userKey);
export type UpdateProfileInput = z.input<typeof updateProfileInput>;

/**
 * Updates profile fields (full name, phone, avatar, bio) of the user `id`; fields not given stay.
 * Works as the user under withRls.
 *
 * @example
 * await updateProfile(db, { id: userId, fullName: "Ada Lovelace", phone: null });
 */
export async function updateProfile(db: Db, input: UpdateProfileInput): Promise<PublicUser> {
  const v = parseInput(updateProfileInput, input);
  const { id, ...set } = v;
  return updateUser(db, id, set);
}

export const recordLoginInput = z.strictObject(userKey);
export type RecordLoginInput = z.input<typeof recordLoginInput>;

/** Sets last_login to the database's clock. */
export async function recordLogin(db: Db, input: RecordLoginInput): Promise<PublicUser> {
  const v = parseInput(recordLoginInput, input);
  return updateUser(db, v.id, { lastLogin: sql`now()` });
}

export const deactivateUserInput = z.strictObject(userKey);
export type DeactivateUserInput = z.input<typeof deactivateUserInput>;

/** Marks a user inactive (rows that reference it stay intact). */
export async function deactivateUser(db: Db, input: DeactivateUserInput): Promise<PublicUser> {
  const v = parseInput(deactivateUserInput, input);
  return updateUser(db, v.id, { isActive: false });
}

export const deleteUserInput = z.strictObject(userKey);
export type DeleteUserInput = z.input<typeof deleteUserInput>;

/**
 * Deletes a user (service work): their credentials, team memberships and own integrations go with
 * them, audit and team records keep the row with the reference set to NULL. Refused with
 * UserHasProjectsError, naming the projects, while the user is a party to an escrow project
 * (creator, buyer, seller or payer of a transaction): deactivate such a user instead.
 */
export async function deleteUser(db: Db, input: DeleteUserInput): Promise<void> {
  const v = parseInput(deleteUserInput, input);
  const userIdValue = v.id;
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
