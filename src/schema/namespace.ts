import { getTableColumns, sql } from "drizzle-orm";
import { pgSchema, timestamp, uuid, type PgColumn, type PgTable } from "drizzle-orm/pg-core";

/** The one Postgres schema every shared-db table lives in, so a host app's own tables never collide. */
export const SCHEMA_NAME = "shared_db";
export const sharedDb = pgSchema(SCHEMA_NAME);

/** A UUID primary key with a database default. */
export const id = () => uuid("id").primaryKey().default(sql`gen_random_uuid()`);

/**
 * A UUID row id with a database default, for tenant tables: their primary key is (id, tenant key),
 * declared on the table, so the table can be distributed by its tenant (docs/scaling.md).
 */
export const rowId = () => uuid("id").notNull().default(sql`gen_random_uuid()`);

/** The table's property name for a column (what `update().set()` takes), not its SQL name. */
export const propertyOf = (table: PgTable, column: PgColumn): string => Object.entries(getTableColumns(table)).find(([, c]) => c === column)![0];

/** created_at/updated_at; updated_at is maintained by a trigger, never by callers. */
export const timestamps = () => ({
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});
