import type { Installation } from "@slack/oauth";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type DbHandle } from "../../src/db";
import { createKeyring, generateKey } from "../../src/crypto";
import { ConnectionError, SlackTokenRefreshError } from "../../src/errors";
import { createSlackInstallationStore } from "../../src/slack";
import { onHostOf } from "../../src/testing/database";
import { startCountingProxy, type CountingProxy } from "../support/counting-proxy";
import { onServer, serverOnly, useTestDb } from "../support/db";
import { expiringBotInstallation, startFakeSlack, type FakeSlack } from "../support/fake-slack";
import { settle, sleep, useCrashCounter } from "./support";

// A holder behind a partition needs a real connection to a server: PGlite has none to lose.
const skip = !onServer;
const pooled = Boolean(process.env.DATABASE_POOLER_URL);
const refreshTimeoutMs = 2000;

describe("a half-open refresh holder", () => {
  const t = useTestDb();
  const crashes = useCrashCounter();
  const keyring = createKeyring({ keys: [generateKey()] });
  let proxy: CountingProxy;
  let slack: FakeSlack;
  let holder: DbHandle | undefined;

  beforeAll(async () => {
    if (skip) return;
    proxy = await startCountingProxy(pooled ? onHostOf(t.url!, process.env.DATABASE_POOLER_URL!) : t.url!);
    slack = await startFakeSlack();
  });
  afterAll(async () => {
    await holder?.close().catch(() => {});
    await proxy?.close();
    await slack?.close();
    expect(crashes.errors).toEqual([]);
  });

  it.skipIf(skip)(`releases the refresh lock within the refresh timeout; another store refreshes${serverOnly}`, async () => {
    const teamId = "T_HALF_OPEN";
    const storeOn = (db: DbHandle["db"]) =>
      createSlackInstallationStore({
        db,
        keyring,
        clientId: "C1",
        tokenRotation: { clientSecret: "s", slackApiUrl: slack.apiUrl, refreshTimeoutMs },
      });
    holder = await createDb({ url: proxy.url, max: 1, queryTimeout: 2, ...(pooled ? { pooler: "transaction" as const } : {}) });
    const holderStore = storeOn(holder.db);
    const otherStore = storeOn(t.db);
    await otherStore.storeInstallation(expiringBotInstallation(teamId, "Half open"));
    const answer = slack.handlers.get("oauth.v2.access")!;
    let first = true;
    // Slack is slow for the holder: its request is in flight, the lock held, when the partition comes.
    slack.handlers.set("oauth.v2.access", async (params) => {
      if (first) {
        first = false;
        await sleep(3000);
      }
      return answer(params);
    });
    const query = { teamId, enterpriseId: undefined, isEnterpriseInstall: false };
    const refreshes = () => slack.calls.filter((c) => c.params.grant_type === "refresh_token").length;
    const holderCall = settle(holderStore.fetchInstallation(query), 8000);
    while (refreshes() === 0) await sleep(10);
    proxy.setMode("blackhole"); // the holder's process is gone behind a partition; its backend idles in transaction

    // A waiter that did not get the lock within its refresh timeout fails: success is the bound.
    const other = await settle(otherStore.fetchInstallation(query), 8000);
    expect(other.ok, other.ok ? "" : `${(other.error as Error).name}: ${(other.error as Error).message}`).toBe(true);
    expect((other as { value: Installation }).value.bot!.token).toMatch(/^xoxe\.xoxb-refreshed-/);
    expect(refreshes()).toBe(2);

    // The holder itself ends typed at its own deadline, never hangs.
    const held = await holderCall;
    expect(held.ok).toBe(false);
    const heldError = (held as { error: unknown }).error;
    expect(heldError instanceof ConnectionError || heldError instanceof SlackTokenRefreshError, String(heldError)).toBe(true);
    proxy.setMode("pass");
    await sleep(100);
    expect(crashes.uncaught()).toBe(0);
    expect(crashes.unhandled()).toBe(0);
  });
});
