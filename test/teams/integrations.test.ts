import { eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { withRls } from "../../src";
import { createKeyring, generateKey } from "../../src/crypto";
import { rowsOf } from "../../src/db";
import { ConflictError, ForbiddenError } from "../../src/errors";
import {
  integrationCredentials,
  integrationEvents,
  integrations,
  integrationShares,
  resourceAccess,
  serviceResources,
  teamMembers,
} from "../../src/schema";
import {
  createIntegration,
  createTeam,
  grantResourceAccess,
  listIntegrationsForUser,
  listSharedWithTeam,
  revealCredential,
  revokeShare,
  shareIntegration,
  storeIntegrationCredential,
  updateIntegrationStatus,
  upsertServiceResource,
  type PublicUser,
} from "../../src/stores";
import type { Team } from "../../src/schema";
import { makeUser, useTestDb } from "../support/db";

const t = useTestDb();
const keyring = createKeyring({ keys: [generateKey()] });
type Cast = Record<"owner" | "admin" | "member" | "viewer" | "fullUser" | "readOnlyUser" | "revokedUser" | "stranger", PublicUser>;
let cast: Cast;
let home: Team;
let integrationId: string;

beforeAll(async () => {
  const names = ["owner", "admin", "member", "viewer", "fullUser", "readOnlyUser", "revokedUser", "stranger"] as const;
  cast = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await makeUser(t.db, n)]))) as Cast;
  home = await createTeam(t.db, { actorId: cast.owner.id, name: "Home" });
  for (const [role, u] of [
    ["ADMIN", cast.admin],
    ["MEMBER", cast.member],
    ["VIEWER", cast.viewer],
  ] as const) {
    await t.db.insert(teamMembers).values({ teamId: home.id, userId: u.id, email: u.email, role });
  }
  const full = await createTeam(t.db, { actorId: cast.fullUser.id, name: "Full" });
  const readOnly = await createTeam(t.db, { actorId: cast.readOnlyUser.id, name: "ReadOnly" });
  const revoked = await createTeam(t.db, { actorId: cast.revokedUser.id, name: "Revoked" });
  await createTeam(t.db, { actorId: cast.stranger.id, name: "Elsewhere" });
  const integration = await withRls(t.db, { userId: cast.admin.id }, (tx) =>
    createIntegration(tx, { actorId: cast.admin.id, ownerTeamId: home.id, name: "Slack", serviceType: "SLACK", workspaceId: "T123" }),
  );
  integrationId = integration.id;
  await storeIntegrationCredential(t.db, { keyring, actorId: cast.owner.id, integrationId, credentialType: "BOT_TOKEN", value: "xoxb-team-secret" });
  await shareIntegration(t.db, { actorId: cast.owner.id, integrationId, teamId: full.id, shareLevel: "FULL_ACCESS" });
  await shareIntegration(t.db, { actorId: cast.owner.id, integrationId, teamId: readOnly.id, shareLevel: "READ_ONLY" });
  await shareIntegration(t.db, { actorId: cast.owner.id, integrationId, teamId: revoked.id, shareLevel: "FULL_ACCESS" });
  await revokeShare(t.db, { actorId: cast.owner.id, integrationId, teamId: revoked.id });
});

const as = <T>(u: PublicUser, fn: Parameters<typeof withRls<T>>[2]) => withRls(t.db, { userId: u.id }, fn);
const sees = (u: PublicUser) =>
  as(u, async (tx) => (await tx.select({ id: integrations.id }).from(integrations)).some((r) => r.id === integrationId));
const canChange = (u: PublicUser) =>
  as(
    u,
    async (tx) => (await tx.update(integrations).set({ description: "changed" }).where(eq(integrations.id, integrationId)).returning()).length > 0,
  );
const seesCredential = (u: PublicUser) =>
  as(u, async (tx) => (await tx.select().from(integrationCredentials).where(eq(integrationCredentials.integrationId, integrationId))).length > 0);

describe("who sees and changes an integration", () => {
  it.each([
    ["owner", true, true, true],
    ["admin", true, true, true],
    ["member", true, false, false],
    ["viewer", true, false, false],
    ["fullUser", true, false, false],
    ["readOnlyUser", true, false, false],
    ["revokedUser", false, false, false],
    ["stranger", false, false, false],
  ] as const)("%s: sees %s, changes %s, sees credentials %s", async (who, visible, changes, credentials) => {
    expect(await sees(cast[who])).toBe(visible);
    expect(await seesCredential(cast[who])).toBe(credentials);
    expect(await canChange(cast[who])).toBe(changes);
  });

  it("lists the same integrations with explicit conditions as RLS shows", async () => {
    for (const u of Object.values(cast)) {
      const explicit = (await listIntegrationsForUser(t.db, { userId: u.id })).map((i) => i.id);
      const viaRls = (await as(u, (tx) => tx.select({ id: integrations.id }).from(integrations))).map((r) => r.id);
      expect(explicit.sort()).toEqual(viaRls.sort());
    }
  });

  it("reveals a credential only to the owner team's ADMIN/OWNER", async () => {
    expect(await revealCredential(t.db, { keyring, actorId: cast.admin.id, integrationId, credentialType: "BOT_TOKEN" })).toMatchObject({
      value: "xoxb-team-secret",
    });
    for (const who of ["member", "viewer", "fullUser", "stranger"] as const) {
      await expect(revealCredential(t.db, { keyring, actorId: cast[who].id, integrationId, credentialType: "BOT_TOKEN" })).rejects.toThrow();
    }
    const raw = JSON.stringify(rowsOf(await t.db.execute(sql`select * from shared_db.integration_credentials`)));
    expect(raw).not.toContain("xoxb-team-secret");
  });

  it("lists what is shared with a team, and a revoked share hides it again", async () => {
    const [full] = await listSharedWithTeam(t.db, { teamId: (await as(cast.fullUser, (tx) => tx.select().from(integrationShares)))[0]!.teamId });
    expect(full).toMatchObject({ id: integrationId, shareLevel: "FULL_ACCESS" });
  });

  it("refuses writes by non-admins through the repository too, and duplicate integrations", async () => {
    await expect(updateIntegrationStatus(t.db, { actorId: cast.member.id, integrationId, status: "DISCONNECTED" })).rejects.toBeInstanceOf(
      ForbiddenError,
    );
    await expect(
      createIntegration(t.db, { actorId: cast.owner.id, ownerTeamId: home.id, name: "Again", serviceType: "SLACK", workspaceId: "T123" }),
    ).rejects.toBeInstanceOf(ConflictError);
    const updated = await as(cast.owner, (tx) => updateIntegrationStatus(tx, { actorId: cast.owner.id, integrationId, status: "ACTIVE" }));
    expect(updated.status).toBe("ACTIVE");
  });

  it("records an event for every change, readable by the owner and the affected team only", async () => {
    const types = (
      await t.db.select({ type: integrationEvents.eventType }).from(integrationEvents).where(eq(integrationEvents.integrationId, integrationId))
    ).map((r) => r.type);
    expect(types).toEqual(expect.arrayContaining(["CREATED", "CREDENTIAL_UPDATED", "SHARED", "SHARE_REVOKED"]));
    // A FULL_ACCESS share reads the whole history (0022); a READ_ONLY share only what concerns its team.
    const seenByFull = await as(cast.fullUser, (tx) => tx.select().from(integrationEvents));
    expect(seenByFull.map((e) => e.eventType).sort()).toEqual([...types].sort());
    const seenByReadOnly = await as(cast.readOnlyUser, (tx) => tx.select().from(integrationEvents));
    expect(seenByReadOnly.map((e) => e.eventType)).toEqual(["SHARED"]);
    expect(await as(cast.stranger, (tx) => tx.select().from(integrationEvents))).toEqual([]);
  });

  it("upserts resources by (integration, type, external id) and grants access", async () => {
    const first = await upsertServiceResource(t.db, {
      actorId: cast.admin.id,
      integrationId,
      resourceType: "SLACK_CHANNEL",
      externalId: "C1",
      name: "general",
    });
    const again = await upsertServiceResource(t.db, {
      actorId: cast.admin.id,
      integrationId,
      resourceType: "SLACK_CHANNEL",
      externalId: "C1",
      name: "general-renamed",
    });
    expect(again.id).toBe(first.id);
    expect(again.name).toBe("general-renamed");
    const readOnlyTeam = (await as(cast.readOnlyUser, (tx) => tx.select().from(integrationShares)))[0]!.teamId;
    await grantResourceAccess(t.db, { actorId: cast.owner.id, resourceId: first.id, teamId: readOnlyTeam, accessLevel: "READ" });
    expect(await as(cast.readOnlyUser, (tx) => tx.select().from(resourceAccess))).toHaveLength(1);
    expect(await as(cast.readOnlyUser, (tx) => tx.select().from(serviceResources))).toHaveLength(1);
    expect(await as(cast.stranger, (tx) => tx.select().from(serviceResources))).toHaveLength(0);
  });
});
