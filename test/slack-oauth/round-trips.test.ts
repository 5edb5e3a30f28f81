import { describe, expect, it } from "vitest";
import { createDb } from "../../src";
import { createKeyring, generateKey } from "../../src/crypto";
import { createSlackInstallationStore } from "../../src/slack";
import { startCountingProxy } from "../support/counting-proxy";
import { onServer, serverOnly, useTestDb } from "../support/db";

const t = useTestDb();

describe("fetchInstallation cost", () => {
  it.skipIf(!onServer)(`is one round trip to the server${serverOnly}`, async () => {
    const proxy = await startCountingProxy(t.url!);
    const { db, close } = await createDb({ url: proxy.url, max: 1 });
    try {
      const store = createSlackInstallationStore({ db, keyring: createKeyring({ keys: [generateKey()] }), clientId: "C" });
      await store.storeInstallation({
        team: { id: "T1" },
        enterprise: undefined,
        user: { id: "U1", token: "xoxp-1", scopes: [] },
        bot: { id: "B", userId: "UB", token: "xoxb-1", scopes: [] },
        isEnterpriseInstall: false,
        authVersion: "v2",
      });
      const q = { teamId: "T1", enterpriseId: undefined, isEnterpriseInstall: false } as const;
      await store.fetchInstallation(q); // prepares the statement on this connection
      await store.fetchInstallation({ ...q, userId: "U1" });
      proxy.reset();
      for (let i = 0; i < 10; i++) await store.fetchInstallation(i % 2 ? q : { ...q, userId: "U1" });
      expect(proxy.roundTrips()).toBe(10);
    } finally {
      await close();
      await proxy.close();
    }
  });
});
