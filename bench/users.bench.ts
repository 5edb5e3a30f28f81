import postgres from "postgres";
import type { DbHandle } from "../src/db";
import { createUser, getUserById } from "../src/stores";
import { createTestDatabase, type TestDatabase } from "../src/testing";
import { defineSuite } from "./harness";

let t: TestDatabase;
let raw: postgres.Sql;
let id = "";

/** The same pair at two sample sizes: each sample of one case runs between samples of the other. */
const suite = (batch: number, rounds: number, name: string) =>
  defineSuite({
    name,
    batch,
    rounds,
    skip: process.env.DATABASE_URL ? undefined : "needs DATABASE_URL",
    async setup() {
      t = await createTestDatabase();
      raw = postgres(t.url!, { max: 1 });
      id = (await createUser((t as DbHandle).db, { email: "bench@example.com", fullName: "Bench" })).id;
    },
    async teardown() {
      await raw.end();
      await t.close();
    },
    baseline: {
      name: "raw postgres.js select by id (prepared)",
      fn: () =>
        raw`select id, email, google_id, full_name, phone, avatar_url, bio, is_active, is_verified, is_superuser,
        created_at, updated_at, last_login from shared_db.users where id = ${id}`,
    },
    cases: [{ name: "getUserById (Drizzle, all public columns)", fn: () => getUserById(t.db, { id }) }],
  });

export default [
  suite(200, 60, "getUserById on the local server (postgres.js)"),
  suite(20, 600, "getUserById on the local server (postgres.js), the cases alternating every 20 calls"),
];
