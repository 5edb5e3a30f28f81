import { sql } from "drizzle-orm";
import { boolean, index, jsonb, text, timestamp, uniqueIndex, uuid, varchar } from "drizzle-orm/pg-core";
import { id, sharedDb, timestamps } from "./namespace";
import { isCurrentUser, serviceAccess, serviceOnly, userPolicy } from "./policies";

/** The one shared users table: the union of the shared-db and escrow user models. */
export const users = sharedDb.table(
  "users",
  {
    id: id(),
    email: varchar("email", { length: 255 }).notNull(),
    googleId: varchar("google_id", { length: 255 }).unique("users_google_id_key"),
    fullName: varchar("full_name", { length: 255 }),
    phone: varchar("phone", { length: 32 }),
    avatarUrl: text("avatar_url"),
    bio: text("bio"),
    isActive: boolean("is_active").notNull().default(true),
    isVerified: boolean("is_verified").notNull().default(false),
    isSuperuser: boolean("is_superuser").notNull().default(false),
    ...timestamps(),
    lastLogin: timestamp("last_login", { withTimezone: true }),
  },
  (t) => [
    uniqueIndex("users_email_lower_key").on(sql`lower(${t.email})`),
    serviceAccess("users"),
    userPolicy("users_select_own", "select", isCurrentUser(t.id)),
    userPolicy("users_update_own", "update", isCurrentUser(t.id)),
  ],
);

/**
 * A user's password hash, apart from `users` so the application role can read whole user rows:
 * only service work (`shared_db_service`) can read or write this table.
 */
export const userCredentials = sharedDb.table(
  "user_credentials",
  {
    userId: uuid("user_id")
      .primaryKey()
      .references(() => users.id, { onDelete: "cascade" }),
    /** Already hashed by the caller (bcrypt, argon2): shared-db never sees a password. */
    passwordHash: text("password_hash").notNull(),
    ...timestamps(),
  },
  () => [serviceAccess("user_credentials")],
);

/** Append-only audit trail: rows are inserted, never updated or deleted (a trigger refuses both). */
export const auditLogs = sharedDb.table(
  "audit_logs",
  {
    id: id(),
    actorId: uuid("actor_id").references(() => users.id, { onDelete: "set null" }),
    action: varchar("action", { length: 100 }).notNull(),
    entityType: varchar("entity_type", { length: 100 }).notNull(),
    entityId: varchar("entity_id", { length: 255 }),
    details: jsonb("details").$type<Record<string, unknown>>().notNull().default({}),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("audit_logs_actor_id_created_at_idx").on(t.actorId, t.createdAt),
    index("audit_logs_entity_idx").on(t.entityType, t.entityId),
    // Append-only for service work too: no UPDATE or DELETE policy.
    serviceOnly("audit_logs_service_select", "select"),
    serviceOnly("audit_logs_service_insert", "insert"),
    userPolicy("audit_logs_select_own", "select", isCurrentUser(t.actorId)),
    userPolicy("audit_logs_insert_own", "insert", isCurrentUser(t.actorId)),
  ],
);

export type User = typeof users.$inferSelect;
export type NewUser = typeof users.$inferInsert;
export type UserCredential = typeof userCredentials.$inferSelect;
export type AuditLog = typeof auditLogs.$inferSelect;
export type NewAuditLog = typeof auditLogs.$inferInsert;
