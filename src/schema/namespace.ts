import { pgSchema, timestamp, uuid } from "drizzle-orm/pg-core";
import { sql } from "drizzle-orm";

/** The one Postgres schema every shared-db table lives in, so a host app's own tables never collide. */
export const SCHEMA_NAME = "shared_db";
export const sharedDb = pgSchema(SCHEMA_NAME);

/** A UUID primary key with a database default. */
export const id = () => uuid("id").primaryKey().default(sql`gen_random_uuid()`);

/** created_at/updated_at; updated_at is maintained by a trigger, never by callers. */
export const timestamps = () => ({
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});
