import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { withRls } from "../../src";
import { createKeyring, generateKey } from "../../src/crypto";
import { ForbiddenError, NotFoundError, ValidationError } from "../../src/errors";
import { integrationEvents, integrations, resourceAccess, serviceResources, teamMembers, teams, type Team } from "../../src/schema";
import {
  createIntegration,
  createTeam,
  deleteIntegration,
  deleteTeam,
  grantResourceAccess,
  inviteMember,
  listIntegrationCredentials,
  listIntegrationEvents,
  listTeamMembers,
  markMemberActive,
  revokeResourceAccess,
  storeIntegrationCredential,
  updateIntegration,
  upsertServiceResource,
  type PublicUser,
} from "../../src/stores";
import { makeUser, useTestDb } from "../support/db";

const t = useTestDb();
const keyring = createKeyring({ keys: [generateKey()] });
let owner: PublicUser;
let admin: PublicUser;
let member: PublicUser;
let outsider: PublicUser;
let team: Team;

beforeAll(async () => {
  [owner, admin, member, outsider] = [
    await makeUser(t.db, "owner"),
    await makeUser(t.db, "admin"),
    await makeUser(t.db, "member"),
    await makeUser(t.db, "outsider"),
  ];
  team = await createTeam(t.db, { actorId: owner.id, name: "Workflows" });
  await t.db.insert(teamMembers).values([
    { teamId: team.id, userId: admin.id, email: admin.email, role: "ADMIN" },
    { teamId: team.id, userId: member.id, email: member.email, role: "MEMBER" },
  ]);
});

const events = async (integrationId: string) =>
  (await t.db.select().from(integrationEvents).where(eq(integrationEvents.integrationId, integrationId))).map((e) => e.eventType).sort();

describe("team members", () => {
  it("lists a team's members (invitations on request, never the token hash); outsiders see none", async () => {
    await inviteMember(t.db, { actorId: owner.id, teamId: team.id, email: "new@example.test", role: "VIEWER" });
    const listed = await withRls(t.db, { userId: member.id }, (tx) => listTeamMembers(tx, { teamId: team.id }));
    expect(listed.map((m) => m.role)).toEqual(["OWNER", "ADMIN", "MEMBER"]);
    const withInvites = await withRls(t.db, { userId: member.id }, (tx) => listTeamMembers(tx, { teamId: team.id, includeInvitations: true }));
    expect(withInvites.map((m) => m.email)).toContain("new@example.test");
    expect(withInvites.every((m) => !("invitationToken" in m))).toBe(true);
    expect(await withRls(t.db, { userId: outsider.id }, (tx) => listTeamMembers(tx, { teamId: team.id }))).toEqual([]);
  });

  it("a member stamps their own last_active_at; stamping someone else is refused and changes nothing", async () => {
    const at = await withRls(t.db, { userId: member.id }, (tx) => markMemberActive(tx, { teamId: team.id, userId: member.id }));
    const [row] = await t.db.select().from(teamMembers).where(eq(teamMembers.userId, member.id));
    expect(row!.lastActiveAt).toEqual(at);
    await expect(withRls(t.db, { userId: member.id }, (tx) => markMemberActive(tx, { teamId: team.id, userId: admin.id }))).rejects.toBeInstanceOf(
      ForbiddenError,
    );
    expect((await t.db.select().from(teamMembers).where(eq(teamMembers.userId, admin.id)))[0]!.lastActiveAt).toBeNull();
    await expect(markMemberActive(t.db, { teamId: team.id, userId: outsider.id })).rejects.toBeInstanceOf(NotFoundError);
    expect(await markMemberActive(t.db, { teamId: team.id, userId: admin.id })).toBeInstanceOf(Date);
  });

  it("only an OWNER deletes a team; everything it owns goes with it", async () => {
    const doomed = await createTeam(t.db, { actorId: owner.id, name: "Doomed" });
    await t.db.insert(teamMembers).values({ teamId: doomed.id, userId: admin.id, email: admin.email, role: "ADMIN" });
    const integration = await createIntegration(t.db, { actorId: owner.id, ownerTeamId: doomed.id, name: "Slack", serviceType: "SLACK" });
    await expect(withRls(t.db, { userId: admin.id }, (tx) => deleteTeam(tx, { actorId: admin.id, teamId: doomed.id }))).rejects.toBeInstanceOf(
      ForbiddenError,
    );
    await expect(withRls(t.db, { userId: admin.id }, (tx) => deleteTeam(tx, { actorId: owner.id, teamId: doomed.id }))).rejects.toBeInstanceOf(
      ForbiddenError,
    );
    expect(await t.db.select().from(teams).where(eq(teams.id, doomed.id))).toHaveLength(1);
    await withRls(t.db, { userId: owner.id }, (tx) => deleteTeam(tx, { actorId: owner.id, teamId: doomed.id }));
    expect(await t.db.select().from(teams).where(eq(teams.id, doomed.id))).toEqual([]);
    expect(await t.db.select().from(integrations).where(eq(integrations.id, integration.id))).toEqual([]);
  });
});

describe("integrations", () => {
  it("update records UPDATED with the fields changed; a MEMBER is refused and nothing changes", async () => {
    const i = await createIntegration(t.db, { actorId: owner.id, ownerTeamId: team.id, name: "GitHub", serviceType: "GITHUB" });
    const updated = await withRls(t.db, { userId: admin.id }, (tx) =>
      updateIntegration(tx, { actorId: admin.id, integrationId: i.id, name: "GitHub (org)", integrationMetadata: { org: "acme" } }),
    );
    expect(updated).toMatchObject({ name: "GitHub (org)", integrationMetadata: { org: "acme" } });
    const [event] = await withRls(t.db, { userId: member.id }, (tx) => listIntegrationEvents(tx, { integrationId: i.id, ownerTeamId: team.id }));
    expect(event).toMatchObject({ eventType: "UPDATED", actorUserId: admin.id, details: { fields: ["integrationMetadata", "name"] } });
    await expect(
      withRls(t.db, { userId: member.id }, (tx) => updateIntegration(tx, { actorId: member.id, integrationId: i.id, name: "x" })),
    ).rejects.toBeInstanceOf(ForbiddenError);
    await expect(updateIntegration(t.db, { actorId: admin.id, integrationId: i.id })).rejects.toBeInstanceOf(ValidationError);
    expect((await t.db.select().from(integrations).where(eq(integrations.id, i.id)))[0]!.name).toBe("GitHub (org)");
    expect(await events(i.id)).toEqual(["CREATED", "UPDATED"]);
  });

  it("delete removes the integration with its children; a MEMBER is refused", async () => {
    const i = await createIntegration(t.db, { actorId: owner.id, ownerTeamId: team.id, name: "Notion", serviceType: "NOTION" });
    await upsertServiceResource(t.db, { actorId: owner.id, integrationId: i.id, resourceType: "NOTION_PAGE", externalId: "p1" });
    await expect(
      withRls(t.db, { userId: member.id }, (tx) => deleteIntegration(tx, { actorId: member.id, integrationId: i.id })),
    ).rejects.toBeInstanceOf(ForbiddenError);
    expect(await t.db.select().from(integrations).where(eq(integrations.id, i.id))).toHaveLength(1);
    await withRls(t.db, { userId: admin.id }, (tx) => deleteIntegration(tx, { actorId: admin.id, integrationId: i.id }));
    expect(await t.db.select().from(integrations).where(eq(integrations.id, i.id))).toEqual([]);
    expect(await t.db.select().from(serviceResources).where(eq(serviceResources.integrationId, i.id))).toEqual([]);
  });

  it("revoking resource access removes the grant and records ACCESS_CHANGED; an unknown grant is not found", async () => {
    const other = await createTeam(t.db, { actorId: outsider.id, name: "Other" });
    const i = await createIntegration(t.db, { actorId: owner.id, ownerTeamId: team.id, name: "Discord", serviceType: "DISCORD" });
    const r = await upsertServiceResource(t.db, { actorId: owner.id, integrationId: i.id, resourceType: "DISCORD_CHANNEL", externalId: "c1" });
    await grantResourceAccess(t.db, { actorId: owner.id, resourceId: r.id, teamId: other.id, accessLevel: "WRITE" });
    await expect(
      withRls(t.db, { userId: member.id }, (tx) => revokeResourceAccess(tx, { actorId: member.id, resourceId: r.id, teamId: other.id })),
    ).rejects.toBeInstanceOf(ForbiddenError);
    const revoked = await withRls(t.db, { userId: admin.id }, (tx) =>
      revokeResourceAccess(tx, { actorId: admin.id, resourceId: r.id, teamId: other.id }),
    );
    expect(revoked.accessLevel).toBe("WRITE");
    expect(await t.db.select().from(resourceAccess).where(eq(resourceAccess.resourceId, r.id))).toEqual([]);
    expect(await events(i.id)).toEqual(["ACCESS_CHANGED", "ACCESS_GRANTED", "CREATED", "RESOURCE_UPSERTED"]);
    await expect(revokeResourceAccess(t.db, { actorId: admin.id, resourceId: r.id, teamId: other.id })).rejects.toBeInstanceOf(NotFoundError);
  });

  it("lists credentials as metadata only, for the owner team's ADMIN; the original application's credential types load", async () => {
    const i = await createIntegration(t.db, { actorId: owner.id, ownerTeamId: team.id, name: "Slack app", serviceType: "SLACK", workspaceId: "T9" });
    await storeIntegrationCredential(t.db, {
      keyring,
      actorId: owner.id,
      integrationId: i.id,
      credentialType: "APP_TOKEN",
      value: "xapp-secret",
      scopes: ["connections:write"],
    });
    await storeIntegrationCredential(t.db, {
      keyring,
      actorId: owner.id,
      integrationId: i.id,
      credentialType: "PERSONAL_TOKEN",
      value: "ghp-secret",
      refreshToken: "r-secret",
    });
    const listed = await withRls(t.db, { userId: admin.id }, (tx) => listIntegrationCredentials(tx, { actorId: admin.id, integrationId: i.id }));
    expect(listed.map((c) => [c.credentialType, c.hasRefreshToken, c.scopes])).toEqual([
      ["PERSONAL_TOKEN", true, null],
      ["APP_TOKEN", false, ["connections:write"]],
    ]);
    expect(JSON.stringify(listed)).not.toMatch(/secret|sdb1/);
    await expect(
      withRls(t.db, { userId: member.id }, (tx) => listIntegrationCredentials(tx, { actorId: member.id, integrationId: i.id })),
    ).rejects.toBeInstanceOf(ForbiddenError);
  });

  it("the original application's resource types and event types are accepted by the database", async () => {
    const i = await createIntegration(t.db, {
      actorId: owner.id,
      ownerTeamId: team.id,
      name: "GitHub 2",
      serviceType: "GITHUB",
      workspaceId: "org2",
    });
    for (const type of ["SLACK_USER", "GITHUB_ISSUE", "GITHUB_PR"] as const) {
      expect(
        (await upsertServiceResource(t.db, { actorId: owner.id, integrationId: i.id, resourceType: type, externalId: `x-${type}` })).resourceType,
      ).toBe(type);
    }
    for (const type of ["UNSHARED", "DISCONNECTED", "ACCESS_CHANGED", "ERROR"] as const) {
      await t.db.insert(integrationEvents).values({ integrationId: i.id, ownerTeamId: team.id, eventType: type });
    }
    expect((await events(i.id)).filter((e) => ["UNSHARED", "DISCONNECTED", "ACCESS_CHANGED", "ERROR"].includes(e))).toHaveLength(4);
  });
});
