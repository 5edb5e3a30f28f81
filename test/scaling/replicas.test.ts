import type { Installation } from "@slack/oauth";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConnectionError, createDb, primaryOf, withRls, type DbHandle } from "../../src";
import { createKeyring, generateKey } from "../../src/crypto";
import { rowsOf } from "../../src/db";
import { users } from "../../src/schema";
import { createTeam, getUserById, inviteMember, syncChannels, updateProfile, upsertSlackWorkspace } from "../../src/stores";
import { createSlackInstallationStore, createSlackStateStore } from "../../src/slack";
import { makeUser, useTestDb } from "../support/db";
import { openStandby, type Standby } from "../support/replica";

// A real streaming standby of the local server (scripts/standby.sh, started by .ci/run).
const standbyUrl = process.env.REPLICA_URL;
const skip = !standbyUrl || !process.env.DATABASE_URL;
const t = useTestDb();
let h: DbHandle;
let standby: Standby;

const inRecovery = sql<boolean>`pg_is_in_recovery()`.as("standby");

describe.skipIf(skip)(`read replicas on a streaming standby${skip ? " (skipped: needs REPLICA_URL and DATABASE_URL)" : ""}`, () => {
  beforeAll(async () => {
    // The same database and role on the standby, once it has replayed their creation.
    standby = openStandby(t.db, t.url!, standbyUrl!);
    await standby.caughtUp();
    h = await createDb({ url: t.url!, replicaUrls: [standby.url] });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    await standby?.close();
  });

  it("sends reads outside a transaction to the standby, and writes, execute and transactions to the primary", async () => {
    const u = await makeUser(h.db, "routed"); // an INSERT: a standby would refuse it
    await standby.caughtUp();
    const [read] = await h.db.select({ standby: inRecovery }).from(users).limit(1);
    expect(read).toEqual({ standby: true });
    const [executed] = rowsOf<{ standby: boolean }>(await h.db.execute(sql`select pg_is_in_recovery() as standby`));
    expect(executed).toEqual({ standby: false });
    const [inTx] = await h.db.transaction((tx) => tx.select({ standby: inRecovery }).from(users).limit(1));
    expect(inTx).toEqual({ standby: false });
    const asUser = await withRls(h.db, { userId: u.id }, (tx) => tx.select({ id: users.id, standby: inRecovery }).from(users));
    expect(asUser).toEqual([{ id: u.id, standby: false }]);
    const [primary] = await primaryOf(h.db).select({ standby: inRecovery }).from(users).limit(1);
    expect(primary).toEqual({ standby: false });
  });

  it("with replay paused, a plain read is stale while primaryOf reads the write just made", async () => {
    const u = await makeUser(h.db, "stale", { fullName: "Before" });
    await standby.withReplayPaused(async () => {
      await updateProfile(h.db, { id: u.id, fullName: "After" });
      expect((await getUserById(h.db, { id: u.id }))?.fullName).toBe("Before");
      expect((await getUserById(primaryOf(h.db), { id: u.id }))?.fullName).toBe("After");
    });
  });

  it("the Slack stores read their own writes while the standby lags", async () => {
    const keyring = createKeyring({ keys: [generateKey()] });
    const installations = createSlackInstallationStore({ db: h.db, keyring, clientId: "client-1" });
    const states = createSlackStateStore({ db: h.db });
    const installation = (token: string) =>
      ({
        team: { id: "T0REPLICA", name: "Replica" },
        enterprise: undefined,
        user: { id: "U_INSTALLER", token: undefined, scopes: undefined },
        bot: { id: "B1", userId: "U_BOT", token, scopes: ["chat:write"] },
        appId: "A1",
        tokenType: "bot",
        isEnterpriseInstall: false,
        authVersion: "v2",
      }) as Installation<"v2", false>;
    await standby.withReplayPaused(async () => {
      await installations.storeInstallation(installation("xoxb-first"));
      const query = { teamId: "T0REPLICA", enterpriseId: undefined, isEnterpriseInstall: false };
      expect((await installations.fetchInstallation(query)).bot?.token).toBe("xoxb-first");
      await installations.storeInstallation(installation("xoxb-second"));
      expect((await installations.fetchInstallation(query)).bot?.token).toBe("xoxb-second");
      const state = await states.generateStateParam({ scopes: ["chat:write"] }, new Date());
      await expect(states.verifyStateParam(new Date(), state)).resolves.toEqual({ scopes: ["chat:write"] });
    });
  });

  it("permission checks and parent lookups that follow a write read the primary", async () => {
    const owner = await makeUser(h.db, "owner");
    await standby.withReplayPaused(async () => {
      const team = await createTeam(h.db, { actorId: owner.id, name: "Replicated" });
      // inviteMember checks the OWNER role the line above just granted.
      const { invitation } = await inviteMember(h.db, { teamId: team.id, actorId: owner.id, email: "new@example.test" });
      expect(invitation.teamId).toBe(team.id);
      const ws = await upsertSlackWorkspace(h.db, { teamId: team.id, slackId: "T0LAG" });
      await expect(syncChannels(h.db, { workspaceId: ws.id, channels: [{ id: "C1", name: "general" }] })).resolves.toBe(1);
    });
  });

  it("rejects a bad replica URL naming it, before connecting to anything", async () => {
    const e = await createDb({ url: t.url!, replicaUrls: ["mysql://x"] }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(ConnectionError);
    expect((e as Error).message).toBe(
      'Invalid database URL in replicaUrls[0]: unsupported scheme "mysql:" (use postgres://, postgresql:// or pglite:)',
    );
    const down = await createDb({ url: t.url!, replicaUrls: ["postgres://postgres@127.0.0.1:1/x"] }).catch((err: unknown) => err);
    expect((down as Error).message).toBe("Cannot connect to PostgreSQL at 127.0.0.1:1/x: connection refused");
  });
});

describe("read replicas need a server", () => {
  it("refuses replicaUrls with embedded PGlite", async () => {
    await expect(createDb({ url: "pglite:memory", replicaUrls: ["postgres://postgres@127.0.0.1:5433/x"] })).rejects.toThrow(
      new ConnectionError("replicaUrls: read replicas need a postgres:// primary, not embedded PGlite"),
    );
  });
});
