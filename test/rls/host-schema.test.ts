import type { PGlite } from "@electric-sql/pglite";
import { relations, sql } from "drizzle-orm";
import { pgSchema, text, uuid } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import type { Sql } from "postgres";
import { describe, expect, it } from "vitest";
import { enableAppRls, withRls, type Db, type Tx } from "../../src";
import * as shared from "../../src/schema";
import { getUserById } from "../../src/stores";
import { twoUsers, useTestDb } from "../support/db";

// A host app's own table, in its own schema, referencing shared-db's users.
const myApp = pgSchema("host_app");
const notes = myApp.table("notes", {
  id: uuid("id").primaryKey().defaultRandom(),
  userId: uuid("user_id")
    .notNull()
    .references(() => shared.users.id),
  body: text("body").notNull(),
});
const notesRelations = relations(notes, ({ one }) => ({ user: one(shared.users, { fields: [notes.userId], references: [shared.users.id] }) }));
const hostSchema = { ...shared, notes, notesRelations };

const t = useTestDb();

describe("withRls over a handle opened with the host app's schema merged with shared-db's", () => {
  it("types tx.query over both schemas, passes tx to shared-db's functions, and scopes the app's table", async () => {
    const [alice, bob] = await twoUsers(t.db);
    await t.db.execute(sql`create schema if not exists host_app`);
    await t.db.execute(sql`create table host_app.notes (
      id uuid primary key default gen_random_uuid(),
      user_id uuid not null references shared_db.users(id) on delete cascade,
      body text not null)`);
    await enableAppRls(t.db, { schema: "host_app", table: "notes" });
    // The host's own handle over the same client, as `drizzle(client, { schema })` in its code.
    const client = (t.db as unknown as { $client: unknown }).$client;
    const db: Db<typeof hostSchema> =
      t.driver === "pglite" ? drizzlePglite(client as PGlite, { schema: hostSchema }) : drizzlePostgres(client as Sql, { schema: hostSchema });
    await withRls(db, { userId: alice.id }, (tx) => tx.insert(notes).values({ userId: alice.id, body: "alice's" }));
    await withRls(db, { userId: bob.id }, (tx) => tx.insert(notes).values({ userId: bob.id, body: "bob's" }));

    const seen = await withRls(db, { userId: alice.id }, async (tx: Tx<typeof hostSchema>) => ({
      mine: await tx.query.notes.findMany({ columns: { body: true }, with: { user: { columns: { email: true } } } }),
      me: await getUserById(tx, { id: alice.id }),
    }));
    expect(seen.mine).toEqual([{ body: "alice's", user: { email: alice.email } }]);
    expect(seen.me?.id).toBe(alice.id);
  });
});
