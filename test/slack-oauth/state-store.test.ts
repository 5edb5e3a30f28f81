import { InvalidStateError } from "@slack/oauth";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createDb } from "../../src";
import { rowsOf } from "../../src/db";
import { createSlackStateStore } from "../../src/slack";
import { onServer, serverOnly, useTestDb } from "../support/db";

const t = useTestDb();
const options = { scopes: ["chat:write"], userScopes: ["search:read"], metadata: "m", redirectUri: "https://app.example/cb" };

describe("Slack StateStore", () => {
  it("issues a random state that verifies once and returns the install options", async () => {
    const store = createSlackStateStore({ db: t.db });
    const state = await store.generateStateParam(options, new Date());
    expect(Buffer.from(state, "base64url").length).toBeGreaterThanOrEqual(16);
    expect(await store.generateStateParam(options, new Date())).not.toBe(state);
    expect(await store.verifyStateParam(new Date(), state)).toEqual(options);
    await expect(store.verifyStateParam(new Date(), state)).rejects.toBeInstanceOf(InvalidStateError);
  });

  it("refuses unknown and expired states with InvalidStateError", async () => {
    const store = createSlackStateStore({ db: t.db, expiresInSeconds: 60 });
    await expect(store.verifyStateParam(new Date(), "made-up")).rejects.toBeInstanceOf(InvalidStateError);
    const state = await store.generateStateParam(options, new Date());
    await expect(store.verifyStateParam(new Date(Date.now() + 61_000), state)).rejects.toBeInstanceOf(InvalidStateError);
    // An expired state is gone too, not left for a later retry.
    await expect(store.verifyStateParam(new Date(), state)).rejects.toBeInstanceOf(InvalidStateError);
  });

  it("purges expired states as new ones are issued", async () => {
    const store = createSlackStateStore({ db: t.db });
    await store.generateStateParam(options, new Date(Date.now() - 3_600_000));
    await store.generateStateParam(options, new Date());
    const [row] = rowsOf<{ n: number }>(
      await t.db.execute(sql`select count(*)::int as n from shared_db.slack_oauth_states where expires_at < now()`),
    );
    expect(row!.n).toBe(0);
  });

  it("rejects a bad expiry option", () => {
    expect(() => createSlackStateStore({ db: t.db, expiresInSeconds: 0 })).toThrow(/expiresInSeconds/);
  });

  it.skipIf(!onServer)(`lets exactly one of two concurrent verifications succeed${serverOnly}`, async () => {
    const other = await createDb({ url: t.url });
    try {
      const a = createSlackStateStore({ db: t.db });
      const b = createSlackStateStore({ db: other.db });
      for (let i = 0; i < 10; i++) {
        const state = await a.generateStateParam(options, new Date());
        const results = await Promise.allSettled([a.verifyStateParam(new Date(), state), b.verifyStateParam(new Date(), state)]);
        expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
        expect((results.find((r) => r.status === "rejected") as PromiseRejectedResult).reason).toBeInstanceOf(InvalidStateError);
      }
    } finally {
      await other.close();
    }
  });
});
