// Issue 27, item 2: the lock that guards a Slack token refresh cannot be held by a user (inside
// withRls) or by another database's login, so neither can make fetchInstallation fail.
import type { Installation } from "@slack/oauth";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, withRls, type DbHandle } from "../../src";
import { createKeyring, generateKey } from "../../src/crypto";
import { rowsOf } from "../../src/db";
import { ForbiddenError } from "../../src/errors";
import { createSlackInstallationStore } from "../../src/slack";
import type { PublicUser } from "../../src/stores";
import { caught } from "../support/errors";
import { expiringBotInstallation, startFakeSlack, type FakeSlack } from "../support/fake-slack";
import { makeUser, onServer, serverOnly, useNeighbourLogin, useTestDb } from "../support/db";

const t = useTestDb();
const keyring = createKeyring({ keys: [generateKey()] });
const CLIENT = "C_LOCK";
let slack: FakeSlack;
let attacker: PublicUser;
let n = 0;

beforeAll(async () => {
  slack = await startFakeSlack();
  attacker = await makeUser(t.db, "attacker");
});
afterAll(() => slack.close());

/** A workspace whose bot token expires in a minute: the next fetch refreshes it. */
async function expiringWorkspace(): Promise<{ teamId: string; fetch: () => Promise<Installation> }> {
  const teamId = `T_LOCK_${++n}`;
  const store = createSlackInstallationStore({
    db: t.db,
    keyring,
    clientId: CLIENT,
    // Short, so a held lock would fail the fetch quickly.
    tokenRotation: { clientSecret: "s3cret", slackApiUrl: slack.apiUrl, refreshTimeoutMs: 1500 },
  });
  await store.storeInstallation(expiringBotInstallation(teamId, "Locked"));
  return { teamId, fetch: () => store.fetchInstallation({ teamId, enterpriseId: undefined, isEnterpriseInstall: false }) };
}

/** The advisory key the refresh used to take, derived from public ids as the attacker would. */
const oldLockKey = (teamId: string) => `hashtextextended('shared_db.slack:' || ${`'${JSON.stringify([CLIENT, null, teamId])}'`}, 0)`;

const refreshes = () => slack.calls.filter((c) => c.params.grant_type === "refresh_token").length;

/** The victim's fetch refreshes: one Slack call, a fresh token back. */
async function expectRefreshed(fetch: () => Promise<Installation>) {
  const before = refreshes();
  const got = await fetch();
  expect(got.bot!.token).toMatch(/^xoxe\.xoxb-refreshed-/);
  expect(refreshes()).toBe(before + 1);
}

describe("Slack refresh lock (issue 27, item 2)", () => {
  it("a user cannot take the installation row's lock inside withRls: refused, nothing locked", async () => {
    const { teamId, fetch } = await expiringWorkspace();
    const e = await caught(
      withRls(t.db, { userId: attacker.id }, (tx) =>
        tx.execute(sql.raw(`select id from shared_db.slack_bots where team_id = '${teamId}' for no key update`)),
      ),
    );
    expect(e).toBeInstanceOf(ForbiddenError);
    expect((e as ForbiddenError).table).toBe("slack_bots");
    await expectRefreshed(fetch);
  });

  it.skipIf(!onServer)(
    `the issue's attack: the old advisory key held at session level inside withRls, on the attacker's pooled connection${serverOnly}`,
    async () => {
      const { teamId, fetch } = await expiringWorkspace();
      const attackerPool: DbHandle = await createDb({ url: t.url, max: 1 });
      try {
        await withRls(attackerPool.db, { userId: attacker.id }, (tx) => tx.execute(sql.raw(`select pg_advisory_lock(${oldLockKey(teamId)})`)));
        // The connection stays open in the attacker's pool.
        await expectRefreshed(fetch);
      } finally {
        await attackerPool.close();
      }
    },
  );

  it.skipIf(!onServer)(`the old advisory key held by a user whose withRls is still running${serverOnly}`, async () => {
    const { teamId, fetch } = await expiringWorkspace();
    const attackerPool: DbHandle = await createDb({ url: t.url, max: 1 });
    try {
      await withRls(attackerPool.db, { userId: attacker.id }, async (tx) => {
        await tx.execute(sql.raw(`select pg_advisory_lock(${oldLockKey(teamId)}), pg_advisory_xact_lock(${oldLockKey(teamId)})`));
        await expectRefreshed(fetch);
      });
    } finally {
      await attackerPool.close();
    }
  });
});

describe("Slack refresh lock from another database's login (issue 27, item 2)", () => {
  const neighbourLogin = useNeighbourLogin(t);

  it.skipIf(!onServer)(
    `B's owner holds the old advisory key and tries the row lock as shared_db_service, in an open transaction: the refresh goes on${serverOnly}`,
    async () => {
      const { teamId, fetch } = await expiringWorkspace();
      const neighbour = postgres(neighbourLogin.url, { max: 1, onnotice: () => {} });
      try {
        await neighbour.unsafe(`select pg_advisory_lock(${oldLockKey(teamId)})`);
        await neighbour.begin(async (tx) => {
          await tx.unsafe("set local role shared_db_service");
          const locked = await tx.unsafe(`select id from shared_db.slack_bots where team_id = '${teamId}' for no key update`);
          expect(locked).toHaveLength(0); // the service policy asks is_service(): B's owner is not A's
          await expectRefreshed(fetch);
        });
        const [row] = rowsOf<{ n: number }>(
          await t.db.execute(
            sql`select count(*)::int as n from shared_db.slack_bots where team_id = ${teamId} and bot_token_expires_at > now() + interval '1 hour'`,
          ),
        );
        expect(row!.n).toBe(1);
      } finally {
        await neighbour.end();
      }
    },
  );
});
