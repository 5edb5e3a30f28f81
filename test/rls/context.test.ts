import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { rowsOf, type Db } from "../../src/db";
import { useTestDb } from "../support/db";

const t = useTestDb();

/** shared_db.current_user_id() with these transaction-local settings. */
async function currentUserId(db: Db, settings: Record<string, string>): Promise<string | null> {
  return db.transaction(async (tx) => {
    for (const [name, value] of Object.entries(settings)) await tx.execute(sql`select set_config(${name}, ${value}, true)`);
    const [row] = rowsOf<{ id: string | null }>(await tx.execute(sql`select shared_db.current_user_id() as id`));
    return row!.id;
  });
}

const A = "0b6a4d2c-8e1f-4a3b-9c5d-7e6f8a9b0c1d";
const B = "1c7b5e3d-9f20-4b4c-8d6e-8f7a9b0c1d2e";

describe("shared_db.current_user_id()", () => {
  it("reads app.user_id", async () => {
    expect(await currentUserId(t.db, { "app.user_id": A })).toBe(A);
  });
  it("falls back to the sub of Supabase-style request.jwt.claims", async () => {
    expect(await currentUserId(t.db, { "request.jwt.claims": JSON.stringify({ sub: B, role: "authenticated" }) })).toBe(B);
  });
  it("prefers app.user_id over the claims", async () => {
    expect(await currentUserId(t.db, { "app.user_id": A, "request.jwt.claims": JSON.stringify({ sub: B }) })).toBe(A);
  });
  it("is NULL when nothing is set", async () => {
    expect(await currentUserId(t.db, {})).toBeNull();
  });
  it("treats the empty string a pooled connection leaves behind as NULL", async () => {
    expect(await currentUserId(t.db, { "app.user_id": "", "request.jwt.claims": "" })).toBeNull();
    expect(await currentUserId(t.db, { "app.user_id": "", "request.jwt.claims": JSON.stringify({ sub: B }) })).toBe(B);
  });
  it.each(["not-a-uuid", "' or 1=1 --", `${A}x`, "00000000-0000-0000-0000-00000000000g"])("gives NULL for the malformed id %j", async (bad) => {
    expect(await currentUserId(t.db, { "app.user_id": bad })).toBeNull();
    expect(await currentUserId(t.db, { "request.jwt.claims": JSON.stringify({ sub: bad }) })).toBeNull();
  });
  it("is a clear error, not another user's rows, for claims that are not JSON", async () => {
    await expect(currentUserId(t.db, { "request.jwt.claims": "{not json" })).rejects.toThrow();
  });
});
