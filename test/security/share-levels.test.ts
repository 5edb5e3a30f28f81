import { and, eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { withRls } from "../../src";
import { rowsOf, type Tx } from "../../src/db";
import { ForbiddenError } from "../../src/errors";
import { integrationEvents, serviceResources, teamMembers, type Team } from "../../src/schema";
import {
  createIntegration,
  createTeam,
  grantResourceAccess,
  listIntegrationEvents,
  listServiceResources,
  recordSharedIntegrationUse,
  shareIntegration,
  updateServiceResource,
  upsertServiceResource,
  type PublicUser,
} from "../../src/stores";
import { makeUser, useTestDb } from "../support/db";
import { refusal, state } from "./team-fixtures";

/**
 * share_level and access_level, role by role. A share gives a receiving team:
 *   READ_ONLY: the integration and its resources, read only;
 *   LIMITED_ACCESS: also USED events for its own team (MEMBER or above);
 *   FULL_ACCESS: also the whole event history, and resource updates (ADMIN or above).
 * A resource grant gives: READ the resource; WRITE also updates it (MEMBER or above); ADMIN also
 * grants and revokes READ/WRITE on it (ADMIN or above).
 */
const t = useTestDb();
type Crew = { team: Team; owner: PublicUser; member: PublicUser; viewer: PublicUser };
let home: Crew;
let full: Crew;
let limited: Crew;
let readOnly: Crew;
let reader: Crew;
let writer: Crew;
let resourceAdmin: Crew;
let stranger: Crew;
let integrationId: string;
let r1: string;
let r2: string;

async function crew(label: string): Promise<Crew> {
  const [owner, member, viewer] = [
    await makeUser(t.db, `${label}-owner`),
    await makeUser(t.db, `${label}-member`),
    await makeUser(t.db, `${label}-viewer`),
  ];
  const team = await createTeam(t.db, { actorId: owner.id, name: label });
  await t.db.insert(teamMembers).values([
    { teamId: team.id, userId: member.id, email: member.email, role: "MEMBER" },
    { teamId: team.id, userId: viewer.id, email: viewer.email, role: "VIEWER" },
  ]);
  return { team, owner, member, viewer };
}
const as = <T>(u: PublicUser, fn: (tx: Tx) => Promise<T>) => withRls(t.db, { userId: u.id }, fn);
const ownerTeamId = () => home.team.id;

beforeAll(async () => {
  const crews: Crew[] = [];
  for (const l of ["home", "full", "limited", "readonly", "reader", "writer", "resadmin", "stranger"]) crews.push(await crew(l));
  [home, full, limited, readOnly, reader, writer, resourceAdmin, stranger] = crews as [Crew, Crew, Crew, Crew, Crew, Crew, Crew, Crew];
  integrationId = (await createIntegration(t.db, { actorId: home.owner.id, ownerTeamId: home.team.id, name: "GitHub", serviceType: "GITHUB" })).id;
  r1 = (await upsertServiceResource(t.db, { actorId: home.owner.id, integrationId, resourceType: "GITHUB_REPO", externalId: "org/one" })).id;
  r2 = (await upsertServiceResource(t.db, { actorId: home.owner.id, integrationId, resourceType: "GITHUB_REPO", externalId: "org/two" })).id;
  for (const [c, level] of [
    [full, "FULL_ACCESS"],
    [limited, "LIMITED_ACCESS"],
    [readOnly, "READ_ONLY"],
  ] as const) {
    await shareIntegration(t.db, { actorId: home.owner.id, integrationId, teamId: c.team.id, shareLevel: level });
  }
  for (const [c, level] of [
    [reader, "READ"],
    [writer, "WRITE"],
    [resourceAdmin, "ADMIN"],
  ] as const) {
    await grantResourceAccess(t.db, { actorId: home.owner.id, resourceId: r1, teamId: c.team.id, accessLevel: level });
  }
}, 120_000);

const visibleResources = (u: PublicUser) =>
  as(u, (tx) => listServiceResources(tx, { integrationId, ownerTeamId: ownerTeamId() })).then((rs) => rs.map((r) => r.externalId));
const visibleEvents = (u: PublicUser) =>
  as(u, (tx) => listIntegrationEvents(tx, { integrationId, ownerTeamId: ownerTeamId() })).then((es) => es.map((e) => e.eventType).sort());
const rename = (u: PublicUser, resourceId: string, name: string) =>
  as(u, (tx) => updateServiceResource(tx, { resourceId, ownerTeamId: ownerTeamId(), name }));

describe("reading", () => {
  it("every share level reads the integration and all its resources; a grant reads only its resource; a stranger nothing", async () => {
    for (const c of [full, limited, readOnly]) expect(await visibleResources(c.viewer)).toEqual(["org/one", "org/two"]);
    for (const c of [reader, writer, resourceAdmin]) expect(await visibleResources(c.viewer)).toEqual(["org/one"]);
    expect(await visibleResources(stranger.owner)).toEqual([]);
    const seesIntegration = (u: PublicUser) =>
      as(u, (tx) => tx.execute(sql`select 1 from shared_db.integrations where id = ${integrationId}`)).then((r) => rowsOf(r).length);
    expect([await seesIntegration(readOnly.viewer), await seesIntegration(reader.owner), await seesIntegration(stranger.owner)]).toEqual([1, 0, 0]);
  });

  it("FULL_ACCESS reads the whole event history; LIMITED_ACCESS and READ_ONLY only the events about their team", async () => {
    const history = await visibleEvents(home.viewer);
    expect(history.filter((e) => e === "SHARED")).toHaveLength(3);
    expect(await visibleEvents(full.viewer)).toEqual(history);
    expect(await visibleEvents(limited.viewer)).toEqual(["SHARED"]);
    expect(await visibleEvents(readOnly.owner)).toEqual(["SHARED"]);
    expect(await visibleEvents(stranger.owner)).toEqual([]);
  });
});

describe("using a shared integration (USED events)", () => {
  it("FULL_ACCESS and LIMITED_ACCESS members record use; a VIEWER, a READ_ONLY owner and a stranger are refused and nothing is written", async () => {
    const use = (c: Crew, u: PublicUser) =>
      as(u, (tx) => recordSharedIntegrationUse(tx, { actorId: u.id, integrationId, ownerTeamId: ownerTeamId(), teamId: c.team.id }));
    expect((await use(full, full.member)).eventType).toBe("USED");
    expect((await use(limited, limited.member)).affectedTeamId).toBe(limited.team.id);
    const before = await state(t.db, "integration_events");
    await expect(use(limited, limited.viewer)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(use(readOnly, readOnly.owner)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(use(stranger, stranger.owner)).rejects.toBeInstanceOf(ForbiddenError);
    // The attacker's own INSERT, past the function's checks: RLS refuses it.
    const forged = (u: PublicUser, teamId: string, type: string) =>
      as(u, (tx) =>
        tx.execute(sql`insert into shared_db.integration_events (integration_id, owner_team_id, event_type, actor_user_id, affected_team_id)
        values (${integrationId}, ${ownerTeamId()}, ${type}::shared_db.integration_event_type, ${u.id}, ${teamId})`),
      );
    expect(await refusal(forged(readOnly.owner, readOnly.team.id, "USED"))).toBe("42501");
    expect(await refusal(forged(limited.owner, limited.team.id, "UPDATED"))).toBe("42501");
    expect(await refusal(forged(limited.owner, full.team.id, "USED"))).toBe("42501");
    expect(await state(t.db, "integration_events")).toEqual(before);
  });
});

describe("updating resources", () => {
  it("the owner ADMIN, a FULL_ACCESS ADMIN and WRITE/ADMIN grant members update; others are refused and the row is unchanged", async () => {
    expect((await rename(home.owner, r2, "by owner")).name).toBe("by owner");
    expect((await rename(full.owner, r2, "by full admin")).name).toBe("by full admin");
    expect((await rename(writer.member, r1, "by writer")).name).toBe("by writer");
    expect((await rename(resourceAdmin.member, r1, "by resource admin")).name).toBe("by resource admin");
    const before = await state(t.db, "service_resources");
    await expect(rename(full.member, r2, "x")).rejects.toBeInstanceOf(ForbiddenError);
    await expect(rename(limited.owner, r2, "x")).rejects.toBeInstanceOf(ForbiddenError);
    await expect(rename(readOnly.owner, r2, "x")).rejects.toBeInstanceOf(ForbiddenError);
    await expect(rename(reader.owner, r1, "x")).rejects.toBeInstanceOf(ForbiddenError);
    await expect(rename(writer.viewer, r1, "x")).rejects.toBeInstanceOf(ForbiddenError);
    await expect(rename(writer.owner, r2, "x")).rejects.toMatchObject({ name: "NotFoundError" });
    await expect(rename(stranger.owner, r1, "x")).rejects.toMatchObject({ name: "NotFoundError" });
    // A delegated team describes the resource, it never changes what it is.
    expect(
      await refusal(as(writer.owner, (tx) => tx.execute(sql`update shared_db.service_resources set external_id = 'org/evil' where id = ${r1}`))),
    ).toBe("42501");
    expect(await state(t.db, "service_resources")).toEqual(before);
  });

  it("a delegated DELETE of a resource removes nothing", async () => {
    const before = await state(t.db, "service_resources");
    for (const u of [full.owner, writer.owner, resourceAdmin.owner]) {
      await as(u, (tx) => tx.delete(serviceResources).where(eq(serviceResources.ownerTeamId, ownerTeamId())));
    }
    expect(await state(t.db, "service_resources")).toEqual(before);
  });
});

describe("resource ADMIN grants", () => {
  it("a resource ADMIN grants and revokes READ or WRITE on that resource only; never ADMIN; a WRITE team cannot grant", async () => {
    const grant = (u: PublicUser, resourceId: string, teamId: string, level: string) =>
      as(u, (tx) =>
        tx.execute(sql`insert into shared_db.resource_access (resource_id, owner_team_id, team_id, access_level, granted_by_user_id)
        values (${resourceId}, ${ownerTeamId()}, ${teamId}, ${level}::shared_db.resource_access_level, ${u.id})`),
      );
    await grant(resourceAdmin.owner, r1, stranger.team.id, "READ");
    expect(await visibleResources(stranger.viewer)).toEqual(["org/one"]);
    const before = await state(t.db, "resource_access");
    expect(await refusal(grant(resourceAdmin.owner, r1, limited.team.id, "ADMIN"))).toBe("42501");
    expect(await refusal(grant(resourceAdmin.owner, r2, limited.team.id, "READ"))).toBe("42501");
    expect(await refusal(grant(resourceAdmin.member, r1, limited.team.id, "READ"))).toBe("42501");
    expect(await refusal(grant(writer.owner, r1, limited.team.id, "READ"))).toBe("42501");
    expect(await state(t.db, "resource_access")).toEqual(before);
    // Revoking: the READ grant it made goes; the owner's ADMIN grant to itself stays.
    await as(resourceAdmin.owner, (tx) => tx.execute(sql`delete from shared_db.resource_access where resource_id = ${r1}`));
    const left = await t.db.execute(
      sql`select t.name, a.access_level from shared_db.resource_access a join shared_db.teams t on t.id = a.team_id where a.resource_id = ${r1} order by 1`,
    );
    expect(rowsOf(left)).toEqual([{ name: "resadmin", access_level: "ADMIN" }]);
    expect(await visibleResources(stranger.viewer)).toEqual([]);
  });
});

describe("revoking a share", () => {
  it("takes back everything the level gave", async () => {
    const before = (
      await t.db
        .select()
        .from(integrationEvents)
        .where(and(eq(integrationEvents.integrationId, integrationId), eq(integrationEvents.eventType, "USED")))
    ).length;
    await t.db.execute(sql`update shared_db.integration_shares set status = 'revoked', revoked_at = now() where team_id = ${full.team.id}`);
    expect(await visibleResources(full.viewer)).toEqual([]);
    // Only the events about its own team are left (its share, its own use).
    expect(await visibleEvents(full.viewer)).toEqual(["SHARED", "USED"]);
    await expect(
      as(full.member, (tx) =>
        recordSharedIntegrationUse(tx, { actorId: full.member.id, integrationId, ownerTeamId: ownerTeamId(), teamId: full.team.id }),
      ),
    ).rejects.toBeInstanceOf(ForbiddenError);
    expect(
      (
        await t.db
          .select()
          .from(integrationEvents)
          .where(and(eq(integrationEvents.integrationId, integrationId), eq(integrationEvents.eventType, "USED")))
      ).length,
    ).toBe(before);
  });
});
