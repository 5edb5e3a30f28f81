import { eq, getTableColumns, sql } from "drizzle-orm";
import type { PgUpdateSetSource } from "drizzle-orm/pg-core";
import { z } from "zod";
import type { Db } from "../db";
import { isPgText, NotFoundError, parseInput, PG_TEXT_MESSAGE, pgText, rethrowConflict, rethrowDbError } from "../errors";
import { prepared } from "../prepared";
import { users, type User } from "../schema/users";

/** A user as repository functions return it: never the password hash. */
export type PublicUser = Omit<User, "passwordHash">;

const { passwordHash: _hidden, ...publicColumns } = getTableColumns(users);

const email = z.email().max(255).transform((s) => s.trim().toLowerCase());
const profile = {
  fullName: pgText().trim().min(1).max(255).nullable(),
  phone: z.string().regex(/^\+?[0-9 ()-]{3,32}$/, "must be a phone number").nullable(),
  avatarUrl: z.url({ protocol: /^https?$/ }).max(2048).refine(isPgText, PG_TEXT_MESSAGE).nullable(),
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

/** Creates a user. Throws ConflictError for a duplicate email (case-insensitive) or Google id. */
export async function createUser(db: Db, input: CreateUserInput): Promise<PublicUser> {
  const values = parseInput(createUserInput, input);
  try {
    const [row] = await db.insert(users).values(values).returning(publicColumns);
    return row!;
  } catch (e) {
    rethrowConflict(e, emailTaken);
  }
}

/** The user with this id, or undefined (also when RLS hides it). */
export async function getUserById(db: Db, id: string): Promise<PublicUser | undefined> {
  const query = prepared(db, "shared_db_get_user_by_id", (d) =>
    d.select(publicColumns).from(users).where(eq(users.id, sql.placeholder("id"))).prepare("shared_db_get_user_by_id"),
  );
  const [row] = await query.execute({ id: parseInput(userId, id, "id") });
  return row;
}

/** The user with this email, compared case-insensitively, or undefined. */
export async function getUserByEmail(db: Db, address: string): Promise<PublicUser | undefined> {
  const normalized = parseInput(email, address, "email");
  const [row] = await db.select(publicColumns).from(users).where(eq(sql`lower(${users.email})`, normalized));
  return row;
}

async function updateUser(db: Db, id: string, set: PgUpdateSetSource<typeof users>): Promise<PublicUser> {
  const key = parseInput(userId, id, "id");
  const [row] = await db.update(users).set(set).where(eq(users.id, key)).returning(publicColumns).catch((e: unknown) => rethrowDbError(e));
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
