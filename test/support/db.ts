import { randomUUID } from "node:crypto";
import { afterAll, beforeAll } from "vitest";
import type { Db } from "../../src/db";
import { createUser, type CreateUserInput, type PublicUser } from "../../src/stores/users";
import { createTestDatabase, type TestDatabase } from "../../src/testing";

export const onServer = Boolean(process.env.DATABASE_URL);
/** Why a server-only test is skipped on PGlite, printed in the test name. */
export const serverOnly = onServer ? "" : " (skipped: needs DATABASE_URL, PGlite has one connection)";

/** A fresh migrated database for this test file: `const t = useTestDb(); t.db`. */
export function useTestDb(): TestDatabase {
  let current: TestDatabase | undefined;
  beforeAll(async () => {
    current = await createTestDatabase();
  }, 120_000);
  afterAll(async () => {
    await current?.close();
  });
  return new Proxy({} as TestDatabase, {
    get(_, prop) {
      if (!current) throw new Error("useTestDb: the database is not ready (use it inside tests or hooks)");
      return current[prop as keyof TestDatabase];
    },
  });
}

/**
 * Another database on the server, migrated by its own owner, and `url`: that owner logged in to
 * `t`'s database (PUBLIC has CONNECT), the neighbour of the cross-database attacks. Server only
 * (`url` stays "" on PGlite); call it inside a describe block.
 */
export function useNeighbourLogin(t: TestDatabase): { readonly url: string } {
  let b: TestDatabase | undefined;
  const neighbour = { url: "" };
  beforeAll(async () => {
    if (!onServer) return;
    b = await createTestDatabase();
    const url = new URL(t.url!);
    const bUrl = new URL(b.url!);
    url.username = bUrl.username;
    url.password = bUrl.password;
    neighbour.url = url.toString();
  }, 120_000);
  afterAll(() => b?.close());
  return neighbour;
}

/** A user with a unique email; `label` makes failures readable. */
export function makeUser(db: Db, label = "user", input: Partial<CreateUserInput> = {}): Promise<PublicUser> {
  return createUser(db, { email: `${label}-${randomUUID().slice(0, 8)}@example.test`, ...input });
}

/** Two users, for "A cannot see B" tests. */
export async function twoUsers(db: Db): Promise<[PublicUser, PublicUser]> {
  return [await makeUser(db, "alice"), await makeUser(db, "bob")];
}
