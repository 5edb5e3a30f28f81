import { randomUUID } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { withRls } from "../../src";
import { createKeyring, generateKey } from "../../src/crypto";
import { rowsOf } from "../../src/db";
import { ConflictError, ForbiddenError, isSharedDbError, NotFoundError, pgErrorOf, SharedDbError, ValidationError } from "../../src/errors";
import { teams } from "../../src/schema/teams";
import { userCredentials } from "../../src/schema/users";
import { createSlackInstallationStore } from "../../src/slack";
import * as stores from "../../src/stores";
import { makeUser, useTestDb } from "../support/db";
import { caught, exposed } from "../support/errors";

const t = useTestDb();
const keyring = createKeyring({ keys: [generateKey()] });

const count = async (table: string) =>
  rowsOf<{ n: number }>(await t.db.execute(sql`select count(*)::int as n from shared_db.${sql.identifier(table)}`))[0]!.n;

describe("isSharedDbError", () => {
  it("narrows a caught error to the class of its code, with that class's fields", async () => {
    const user = await makeUser(t.db, "guard");
    const e = await caught(stores.createUser(t.db, { email: user.email }));
    expect(isSharedDbError(e)).toBe(true);
    expect(isSharedDbError(e, "not_found")).toBe(false);
    if (!isSharedDbError(e, "conflict")) throw new Error("expected a conflict");
    const constraint: string | undefined = e.constraint; // typed as ConflictError's field
    expect(constraint).toBe("users_email_lower_key");
    expect(isSharedDbError(new Error("plain"))).toBe(false);
  });
});

describe("the rest of issue 17: every store's failures typed and named, no parameter in them", () => {
  it("createTeam with teamSize 1e12 is a ValidationError naming teamSize, not a raw 22003; no team is created", async () => {
    const owner = await makeUser(t.db, "size");
    const before = await count("teams");
    const e = await caught(stores.createTeam(t.db, { actorId: owner.id, name: "Huge", teamSize: 1e12 }));
    expect(e).toBeInstanceOf(ValidationError);
    expect(e).toMatchObject({ code: "validation", field: "teamSize" });
    expect(await count("teams")).toBe(before);
  });

  it("listInstallations({ cursor: 'abc' }) and findExpiringTokens(Infinity) are ValidationErrors naming the argument", async () => {
    const store = createSlackInstallationStore({ db: t.db, keyring, clientId: "typed" });
    expect(await caught(store.listInstallations({ cursor: "abc" }))).toMatchObject({ name: "ValidationError", code: "validation", field: "cursor" });
    for (const n of [Number.POSITIVE_INFINITY, Number.NaN, -1]) {
      const e = await caught(store.findExpiringTokens(n));
      expect(e, String(n)).toBeInstanceOf(ValidationError);
      expect(e).toMatchObject({ field: "withinSeconds" });
    }
    expect(await store.listInstallations({ cursor: randomUUID() })).toEqual({ items: [] });
  });

  it("inside withRls, a table the app role cannot read is a ForbiddenError naming the table, not a DrizzleQueryError hiding it", async () => {
    const user = await makeUser(t.db, "rls", { passwordHash: "$argon2id$v=19$not-yours" });
    const e = await caught(withRls(t.db, { userId: user.id }, (tx) => tx.select().from(userCredentials)));
    expect(e).toBeInstanceOf(ForbiddenError);
    expect(e).toMatchObject({ code: "forbidden", table: "user_credentials" });
    expect((e as Error).message).toMatch(/Permission denied for table user_credentials/);
    expect(pgErrorOf(e)?.code).toBe("42501");
    // Any other driver error inside fn is typed too, and does not carry the statement's values.
    const forged = randomUUID();
    const fk = await caught(withRls(t.db, { userId: user.id }, (tx) => stores.appendAudit(tx, { actorId: forged, action: "x", entityType: "y" })));
    expect(fk).toBeInstanceOf(SharedDbError);
    expect(exposed(fk)).not.toContain(forged);
  });

  it("a foreign key or a taken slug in a team write is a typed error naming the field; nothing is written", async () => {
    const owner = await makeUser(t.db, "fk");
    const team = await stores.createTeam(t.db, { actorId: owner.id, name: "FK team" });
    const integration = await stores.createIntegration(t.db, { actorId: owner.id, ownerTeamId: team.id, name: "GH", serviceType: "GITHUB" });
    const events = await count("integration_events");
    const missingTeam = randomUUID();
    const e = await caught(stores.shareIntegration(t.db, { actorId: owner.id, integrationId: integration.id, teamId: missingTeam }));
    expect(e).toBeInstanceOf(NotFoundError);
    expect(e).toMatchObject({ code: "not_found", field: "teamId" });
    expect(exposed(e)).not.toContain(missingTeam);
    expect(await count("integration_shares")).toBe(0);
    expect(await count("integration_events")).toBe(events);

    const taken = await caught(stores.createTeam(t.db, { actorId: owner.id, name: "Other", slug: team.slug }));
    expect(taken).toMatchObject({ code: "conflict", constraint: "teams_slug_key" });
    expect(exposed(taken)).not.toContain(team.slug);
    expect(await t.db.select().from(teams).where(eq(teams.slug, team.slug))).toHaveLength(1);
  });

  it("a gateway id recorded with other details is a ConflictError that does not carry the gateway id", async () => {
    const user = await makeUser(t.db, "gateway");
    const gatewayTransactionId = `ch_${randomUUID()}`;
    await stores.recordTransaction(t.db, { userId: user.id, transactionType: "deposit", amount: "10", gatewayTransactionId });
    const e = await caught(stores.recordTransaction(t.db, { userId: user.id, transactionType: "deposit", amount: "11", gatewayTransactionId }));
    expect(e).toBeInstanceOf(ConflictError);
    expect(e).toMatchObject({ constraint: "transactions_gateway_transaction_id_key" });
    expect(exposed(e)).not.toContain(gatewayTransactionId);
    const rows = rowsOf<{ amount: string }>(
      await t.db.execute(sql`select amount::text from shared_db.transactions where gateway_transaction_id = ${gatewayTransactionId}`),
    );
    expect(rows).toEqual([{ amount: "10.0000" }]);
  });

  it("a Slack workspace registered to another team is a ConflictError without the Slack id", async () => {
    const [a, b] = [await makeUser(t.db, "wsa"), await makeUser(t.db, "wsb")];
    const [ta, tb] = [await stores.createTeam(t.db, { actorId: a.id, name: "WS A" }), await stores.createTeam(t.db, { actorId: b.id, name: "WS B" })];
    await stores.upsertSlackWorkspace(t.db, { teamId: ta.id, slackId: "T0SECRETWS" });
    const e = await caught(stores.upsertSlackWorkspace(t.db, { teamId: tb.id, slackId: "T0SECRETWS", name: "pwned" }));
    expect(e).toBeInstanceOf(ConflictError);
    expect(exposed(e)).not.toContain("T0SECRETWS");
  });
});
