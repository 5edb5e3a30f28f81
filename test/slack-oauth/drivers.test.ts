import type { Installation } from "@slack/oauth";
import { drizzle as drizzleNodePg } from "drizzle-orm/node-postgres";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { createKeyring, generateKey } from "../../src/crypto";
import * as schema from "../../src/schema";
import { createSlackInstallationStore, type SlackInstallationStore } from "../../src/slack";
import { onServer, serverOnly, useTestDb } from "../support/db";

const t = useTestDb();
const keyring = createKeyring({ keys: [generateKey()] });

/** Every field a fetch maps (webhook, expiries, scopes, metadata), then the user-less and org-wide shapes. */
async function roundTrips(store: SlackInstallationStore) {
  const full = {
    team: { id: "T_DRV", name: "Drivers" },
    enterprise: { id: "E_DRV", name: "Grid" },
    enterpriseUrl: "https://grid.enterprise.slack.com/",
    incomingWebhook: { url: "https://hooks.slack.com/services/T/B/x", channel: "#general", channelId: "C1", configurationUrl: "https://x/conf" },
    metadata: '{"plan":"pro"}',
    user: { id: "U_I", token: "xoxp-1", scopes: ["search:read"], refreshToken: "xoxe-u", expiresAt: 2_000_000_000 },
    bot: { id: "B1", userId: "U_BOT", token: "xoxb-1", scopes: ["chat:write", "commands"], refreshToken: "xoxe-b", expiresAt: 2_000_000_100 },
    appId: "A1",
    tokenType: "bot",
    isEnterpriseInstall: false,
    authVersion: "v2",
  } as Installation<"v2", false>;
  await store.storeInstallation(full);
  const q = { teamId: "T_DRV", enterpriseId: "E_DRV", isEnterpriseInstall: false } as const;
  expect(await store.fetchInstallation(q)).toEqual(full);
  expect(await store.fetchInstallation({ ...q, userId: "U_I" })).toEqual(full);
  // A user without tokens here: the installation without a user token, for that user.
  const { user: _, ...rest } = full;
  expect(await store.fetchInstallation({ ...q, userId: "U_OTHER" })).toEqual({ ...rest, user: { id: "U_OTHER" } });
  const org = {
    team: undefined,
    enterprise: { id: "E_ORG" },
    user: { id: "U_O", token: "xoxp-o", scopes: [] },
    bot: { id: "B2", userId: "U_BOT2", token: "xoxb-o", scopes: [] },
    isEnterpriseInstall: true,
    authVersion: "v2",
  } as unknown as Installation<"v2", true>;
  await store.storeInstallation(org);
  const { team: __, ...orgFetched } = org;
  expect(await store.fetchInstallation({ enterpriseId: "E_ORG", teamId: undefined, isEnterpriseInstall: true })).toEqual(orgFetched);
}

describe("the installation store on each Drizzle Postgres driver", () => {
  it("round-trips on the test database's own driver (postgres.js or PGlite)", async () => {
    await roundTrips(createSlackInstallationStore({ db: t.db, keyring, clientId: "C_OWN" }));
  });

  it.skipIf(!onServer)(`round-trips through a node-postgres handle${serverOnly}`, async () => {
    const pool = new pg.Pool({ connectionString: t.url, max: 2 });
    try {
      await roundTrips(createSlackInstallationStore({ db: drizzleNodePg(pool, { schema }), keyring, clientId: "C_NODE_PG" }));
    } finally {
      await pool.end();
    }
  });
});
