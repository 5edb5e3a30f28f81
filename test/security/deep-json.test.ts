// Issue 27, item 6: JSON that passes validation and then breaks serialization. Before the fix,
// `updateTeam` with `teamMetadata` nested 5,000 deep passed the validator and `JSON.stringify`
// threw a raw RangeError; a cyclic value threw a raw TypeError. The attacker is the team's ADMIN
// calling the exported functions inside withRls.
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { RlsContextError, SharedDbError, ValidationError } from "../../src/errors";
import { withRls } from "../../src";
import { appendAudit, createTeam, updateTeam, type PublicUser } from "../../src/stores";
import { makeUser, useTestDb } from "../support/db";
import { as, state } from "./team-fixtures";

const t = useTestDb();
let admin: PublicUser;
let teamId = "";

/** `{ a: { a: … { a: 1 } } }`, `depth` objects deep. */
const nested = (depth: number) => {
  let value: Record<string, unknown> = { a: 1 };
  for (let i = 1; i < depth; i++) value = { a: value };
  return value;
};
const cyclic = () => {
  const value: Record<string, unknown> = { name: "loop" };
  value.self = value;
  return value;
};

beforeAll(async () => {
  admin = await makeUser(t.db, "admin");
  teamId = (await createTeam(t.db, { actorId: admin.id, name: "Deep" })).id;
});

const refused = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

describe("JSON too deep, cyclic or too large for a jsonb column (item 6)", () => {
  it("updateTeam with teamMetadata nested 5,000 deep (and a cyclic one): ValidationError naming patch.teamMetadata, the team unchanged", async () => {
    const before = await state(t.db, "teams");
    for (const teamMetadata of [nested(5000), cyclic()]) {
      const e = await refused(as(t.db, admin.id, (tx) => updateTeam(tx, { teamId, actorId: admin.id, patch: { teamMetadata } })));
      expect(e).toBeInstanceOf(ValidationError);
      expect(e).toMatchObject({ code: "validation", field: "patch.teamMetadata" });
      expect((e as Error).message).toMatch(/64 levels/);
    }
    expect(await state(t.db, "teams")).toEqual(before);
  });

  it("64 levels are stored; 65 are refused", async () => {
    const ok = await as(t.db, admin.id, (tx) => updateTeam(tx, { teamId, actorId: admin.id, patch: { teamMetadata: nested(64) } }));
    expect(JSON.stringify(ok.teamMetadata)).toBe(JSON.stringify(nested(64)));
    const before = await state(t.db, "teams");
    const e = await refused(as(t.db, admin.id, (tx) => updateTeam(tx, { teamId, actorId: admin.id, patch: { teamMetadata: nested(65) } })));
    expect(e).toMatchObject({ code: "validation", field: "patch.teamMetadata" });
    expect(await state(t.db, "teams")).toEqual(before);
  });

  it("a value over the size bound (17 million characters in many small strings) is a ValidationError, not a database error", async () => {
    const before = await state(t.db, "audit_logs");
    const details = { rows: Array.from({ length: 17 }, () => "x".repeat(1 << 20)) };
    const e = await refused(as(t.db, admin.id, (tx) => appendAudit(tx, { actorId: admin.id, action: "big", entityType: "t", details })));
    expect(e).toBeInstanceOf(ValidationError);
    expect(e).toMatchObject({ field: "details" });
    expect(await state(t.db, "audit_logs")).toEqual(before);
  });

  it("withRls claims nested 5,000 deep: RlsContextError naming claims, fn never runs", async () => {
    let ran = false;
    const e = await refused(
      withRls(t.db, { userId: admin.id, claims: nested(5000) }, async (tx) => {
        ran = true;
        return tx.execute(sql`select 1`);
      }),
    );
    expect(e).toBeInstanceOf(RlsContextError);
    expect(e).toBeInstanceOf(SharedDbError);
    expect(e).toMatchObject({ field: "claims" });
    expect(ran).toBe(false);
  });
});
