import type { Installation } from "@slack/oauth";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKeyring, DecryptionError, generateKey } from "../../src/crypto";
import { ValidationError } from "../../src/errors";
import { createSlackInstallationStore, type SlackInstallationQuery, type SlackInstallationStore } from "../../src/slack";
import { useTestDb } from "../support/db";

// fetchInstallation checks its query by hand (it runs on every Bolt event) and a cache hit reads
// only the lookup key: neither may let a malformed query through or serve tampered ciphertext.
const t = useTestDb();
const keyring = createKeyring({ keys: [generateKey()] });
let plain: SlackInstallationStore;
let cached: SlackInstallationStore;

const installation: Installation = {
  team: { id: "T0CHECK", name: "Checks" },
  enterprise: { id: "E0CHECK", name: "Org" },
  user: { id: "U0CHECK", token: "xoxp-check", scopes: [] },
  bot: { id: "B", userId: "UB", token: "xoxb-check", scopes: [] },
  isEnterpriseInstall: false,
  authVersion: "v2",
};
const good = { teamId: "T0CHECK", enterpriseId: "E0CHECK", userId: "U0CHECK", isEnterpriseInstall: false } as const;

beforeAll(async () => {
  plain = createSlackInstallationStore({ db: t.db, keyring, clientId: "C" });
  cached = createSlackInstallationStore({ db: t.db, keyring, clientId: "C", cache: { ttlSeconds: 300 } });
  await plain.storeInstallation(installation);
  await new Promise((r) => setTimeout(r, 100));
});
afterAll(async () => {
  await cached?.close();
});

const BAD: Record<string, unknown> = {
  nul: "T\u0000",
  surrogate: "T\uD800",
  tooLong: "T".repeat(256),
  number: 42,
  object: { id: "T0CHECK" },
};

describe("fetchInstallation's query check", () => {
  for (const field of ["teamId", "enterpriseId", "userId", "conversationId"] as const) {
    for (const [kind, value] of Object.entries(BAD)) {
      it(`refuses ${field} (${kind}) with a ValidationError naming it, with and without a warm cache`, async () => {
        expect((await cached.fetchInstallation(good)).bot?.token).toBe("xoxb-check"); // warm
        for (const store of [plain, cached]) {
          const e = await store.fetchInstallation({ ...good, [field]: value } as SlackInstallationQuery).catch((x: unknown) => x);
          // conversationId is no part of the lookup key: a warm cache serves the installation without reading it.
          if (store === cached && field === "conversationId") continue;
          expect(e, `${field} ${kind}`).toBeInstanceOf(ValidationError);
          expect((e as ValidationError).field).toBe(field);
        }
      });
    }
  }

  it("refuses a non-boolean isEnterpriseInstall and a query that is not an object, even with the installation cached", async () => {
    expect((await cached.fetchInstallation(good)).bot?.token).toBe("xoxb-check");
    for (const store of [plain, cached]) {
      await expect(store.fetchInstallation({ ...good, isEnterpriseInstall: "yes" } as never)).rejects.toMatchObject({ field: "isEnterpriseInstall" });
      await expect(store.fetchInstallation(null as never)).rejects.toBeInstanceOf(ValidationError);
    }
  });

  it("rejects tampered ciphertext with DecryptionError, cached store included", async () => {
    const other = { ...installation, team: { id: "T0TAMPER", name: "Tamper" } };
    await plain.storeInstallation(other);
    // The bot token of another installation, copied over: valid ciphertext bound to the wrong row.
    await t.db.execute(sql`update shared_db.slack_bots set bot_token = (select bot_token from shared_db.slack_bots where team_id = 'T0CHECK')
      where team_id = 'T0TAMPER'`);
    const q = { ...good, teamId: "T0TAMPER" };
    await expect(plain.fetchInstallation(q)).rejects.toBeInstanceOf(DecryptionError);
    await expect(cached.fetchInstallation(q)).rejects.toBeInstanceOf(DecryptionError);
  });
});

describe("createSlackInstallationStore's clientId", () => {
  it.each([[""], [undefined]])("refuses a clientId given as %j (an unset SLACK_CLIENT_ID) with a ValidationError naming it", (clientId) => {
    const e = (() => {
      try {
        createSlackInstallationStore({ db: t.db, keyring, clientId: clientId as string });
      } catch (x) {
        return x;
      }
    })();
    expect(e).toBeInstanceOf(ValidationError);
    expect((e as ValidationError).field).toBe("clientId");
  });

  it("left out, stores a single-app database's installations under the empty client id, as before", async () => {
    const single = createSlackInstallationStore({ db: t.db, keyring });
    await single.storeInstallation({ ...installation, team: { id: "T0SINGLE", name: "Single" } });
    expect((await single.fetchInstallation({ ...good, teamId: "T0SINGLE" })).bot?.token).toBe("xoxb-check");
  });
});
