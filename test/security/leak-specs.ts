import { randomBytes, randomUUID } from "node:crypto";
import type { Installation } from "@slack/oauth";
import { and, eq, getTableName } from "drizzle-orm";
import { createKeyring, generateKey } from "../../src/crypto";
import type { Db } from "../../src/db";
import {
  auditLogs,
  customIntegrationActions,
  customIntegrationCredentials,
  customIntegrations,
  integrationCredentials,
  integrationEvents,
  integrations,
  integrationShares,
  milestones,
  projects,
  resourceAccess,
  serviceResources,
  slackAnalyses,
  slackAnalysisChannels,
  slackBots,
  slackChannelAnalyses,
  slackChannels,
  slackContributions,
  slackInstallations,
  slackMessages,
  slackOauthStates,
  slackReactions,
  slackUsers,
  slackUserTokens,
  slackWorkspaces,
  teamMembers,
  teams,
  transactions,
  userCredentials,
  users,
} from "../../src/schema";
import {
  appendAudit,
  computeContributions,
  createAnalysis,
  createCustomIntegration,
  createIntegration,
  createProject,
  createTeam,
  grantResourceAccess,
  recordTransaction,
  saveChannelAnalysis,
  setPasswordHash,
  shareIntegration,
  storeCustomCredential,
  storeIntegrationCredential,
  syncChannels,
  syncMessages,
  syncUsers,
  upsertServiceResource,
  upsertSlackWorkspace,
  type PublicUser,
} from "../../src/stores";
import { createSlackInstallationStore, createSlackStateStore } from "../../src/slack";
import type { LeakSpec } from "../../src/testing";
import { conversationsList, history, usersList } from "../slack-data/fixtures";

/**
 * The one registry of leak specs: one per table of the `shared_db` schema, keyed by table name.
 * test/security/leak-catalog.test.ts lists the tables from pg_catalog and fails for any table
 * without an entry here. Each entry is a factory, since specs share state between seed and insert.
 */
export const keyring = createKeyring({ keys: [generateKey()] });
const unique = () => randomBytes(6).toString("hex").toUpperCase();

const ownTeam = (db: Db, owner: PublicUser) => createTeam(db, { actorId: owner.id, name: "Leak" });
const ownIntegration = async (db: Db, owner: PublicUser) => {
  const team = await ownTeam(db, owner);
  return createIntegration(db, { actorId: owner.id, ownerTeamId: team.id, name: "I", serviceType: "GITHUB", workspaceId: randomUUID() });
};
/** An integration shared with a second team, with a resource that team may read. */
const sharedIntegration = async (db: Db, owner: PublicUser) => {
  const integration = await ownIntegration(db, owner);
  const other = await createTeam(db, { actorId: owner.id, name: "Partner" });
  const share = await shareIntegration(db, { actorId: owner.id, integrationId: integration.id, teamId: other.id });
  const resource = await upsertServiceResource(db, {
    actorId: owner.id,
    integrationId: integration.id,
    resourceType: "GITHUB_REPO",
    externalId: "r",
  });
  const access = await grantResourceAccess(db, { actorId: owner.id, resourceId: resource.id, teamId: other.id, accessLevel: "READ" });
  return { integration, share, resource, access };
};
/** A team with a Slack workspace, its channels, users, messages, an analysis and its results. */
const slackData = async (db: Db, owner: PublicUser) => {
  const team = await ownTeam(db, owner);
  const ws = await upsertSlackWorkspace(db, { teamId: team.id, slackId: `T${unique()}`, name: "Leak" });
  await syncChannels(db, { workspaceId: ws.id, channels: conversationsList.channels });
  await syncUsers(db, { workspaceId: ws.id, members: usersList.members });
  const [general] = await db
    .select()
    .from(slackChannels)
    .where(and(eq(slackChannels.workspaceId, ws.id), eq(slackChannels.slackId, "C0GENERAL")));
  await syncMessages(db, { channelId: general!.id, messages: history.messages });
  const analysis = await createAnalysis(db, {
    workspaceId: ws.id,
    name: "a",
    startDate: new Date("2023-01-01"),
    endDate: new Date("2024-01-01"),
    channelIds: [general!.id],
  });
  await computeContributions(db, { analysisId: analysis.id });
  await saveChannelAnalysis(db, { analysisId: analysis.id, channelId: general!.id, rawResponse: {} });
  return { team, ws, general: general!, analysis };
};
const ids = async (rows: Promise<{ id: string }[]>) => (await rows).map((r) => r.id);

/** A workspace installation through the Bolt InstallationStore: writes slack_bots, slack_user_tokens and slack_installations. */
const slackInstall = async (db: Db) => {
  const teamId = `T${unique()}`;
  const installation: Installation<"v2", false> = {
    team: { id: teamId, name: "Leak" },
    enterprise: undefined,
    user: { id: "U_INSTALLER", token: `xoxp-${teamId}`, scopes: ["search:read"] },
    bot: { id: "B1", userId: "U_BOT", token: `xoxb-${teamId}`, scopes: ["chat:write"] },
    appId: "A1",
    tokenType: "bot",
    isEnterpriseInstall: false,
    authVersion: "v2",
  };
  await createSlackInstallationStore({ db, keyring, clientId: "leak-kit" }).storeInstallation(installation);
  return teamId;
};

export const leakSpecs: Record<string, () => LeakSpec> = {
  users: () => ({ table: users, seed: async (_db, owner) => [owner.id], update: { fullName: "pwned" } }),
  // Service work only: the application role has no privilege on it at all.
  user_credentials: () => ({
    table: userCredentials,
    key: userCredentials.userId,
    seed: async (db, owner) => {
      await setPasswordHash(db, { id: owner.id, passwordHash: "$argon2id$v=19$leak-kit" });
      return [owner.id];
    },
    update: { passwordHash: "pwned" },
  }),
  audit_logs: () => ({
    table: auditLogs,
    seed: async (db, owner) => [(await appendAudit(db, { actorId: owner.id, action: "secret", entityType: "t" })).id],
    insertAsAttacker: (tx, owner) => tx.insert(auditLogs).values({ actorId: owner.id, action: "forged", entityType: "t" }),
  }),

  teams: () => ({
    table: teams,
    seed: async (db, owner) => [(await ownTeam(db, owner)).id],
    update: { name: "pwned" },
    insertAsAttacker: (tx, owner) => tx.insert(teams).values({ name: "forged", slug: `forged-${randomUUID()}`, createdByUserId: owner.id }),
  }),
  team_members: () => {
    let teamId = "";
    return {
      table: teamMembers,
      seed: async (db, owner) => {
        teamId = (await ownTeam(db, owner)).id;
        return ids(db.select({ id: teamMembers.id }).from(teamMembers).where(eq(teamMembers.teamId, teamId)));
      },
      update: { role: "VIEWER" },
      insertAsAttacker: (tx, _owner, attacker) =>
        tx.insert(teamMembers).values({ teamId, userId: attacker.id, email: attacker.email, role: "OWNER" }),
    };
  },
  integrations: () => {
    let last = { id: "", ownerTeamId: "" };
    return {
      table: integrations,
      seed: async (db, owner) => [(last = await ownIntegration(db, owner)).id],
      update: { name: "pwned" },
      insertAsAttacker: (tx) => tx.insert(integrations).values({ name: "forged", serviceType: "SLACK", ownerTeamId: last.ownerTeamId }),
    };
  },
  integration_credentials: () => {
    let last = { id: "", ownerTeamId: "" };
    return {
      table: integrationCredentials,
      seed: async (db, owner) => {
        last = await ownIntegration(db, owner);
        return [
          (await storeIntegrationCredential(db, { keyring, actorId: owner.id, integrationId: last.id, credentialType: "API_KEY", value: "s" })).id,
        ];
      },
      update: { scopes: ["pwned"] },
      insertAsAttacker: (tx) =>
        tx
          .insert(integrationCredentials)
          .values({ integrationId: last.id, ownerTeamId: last.ownerTeamId, credentialType: "OAUTH_TOKEN", encryptedValue: "x" }),
    };
  },
  service_resources: () => {
    let last = { id: "", ownerTeamId: "" };
    return {
      table: serviceResources,
      seed: async (db, owner) => {
        last = await ownIntegration(db, owner);
        return [(await upsertServiceResource(db, { actorId: owner.id, integrationId: last.id, resourceType: "GITHUB_REPO", externalId: "r" })).id];
      },
      update: { name: "pwned" },
      insertAsAttacker: (tx) =>
        tx
          .insert(serviceResources)
          .values({ integrationId: last.id, ownerTeamId: last.ownerTeamId, resourceType: "GITHUB_REPO", externalId: "forged" }),
    };
  },
  integration_shares: () => {
    let last = { id: "", ownerTeamId: "" };
    return {
      table: integrationShares,
      seed: async (db, owner) => {
        const s = await sharedIntegration(db, owner);
        last = s.integration;
        return [s.share.id];
      },
      update: { shareLevel: "FULL_ACCESS" },
      insertAsAttacker: async (tx, _owner, attacker) => {
        const mine = await createTeam(tx, { actorId: attacker.id, name: "Attacker" });
        return tx
          .insert(integrationShares)
          .values({ integrationId: last.id, ownerTeamId: last.ownerTeamId, teamId: mine.id, shareLevel: "FULL_ACCESS" });
      },
    };
  },
  resource_access: () => {
    let last = { resourceId: "", ownerTeamId: "" };
    return {
      table: resourceAccess,
      seed: async (db, owner) => {
        const s = await sharedIntegration(db, owner);
        last = { resourceId: s.resource.id, ownerTeamId: s.integration.ownerTeamId };
        return [s.access.id];
      },
      update: { accessLevel: "ADMIN" },
      insertAsAttacker: async (tx, _owner, attacker) => {
        const mine = await createTeam(tx, { actorId: attacker.id, name: "Attacker" });
        return tx
          .insert(resourceAccess)
          .values({ resourceId: last.resourceId, ownerTeamId: last.ownerTeamId, teamId: mine.id, accessLevel: "ADMIN" });
      },
    };
  },
  integration_events: () => {
    let last = { id: "", ownerTeamId: "" };
    return {
      table: integrationEvents,
      seed: async (db, owner) => {
        last = (await sharedIntegration(db, owner)).integration;
        return ids(db.select({ id: integrationEvents.id }).from(integrationEvents).where(eq(integrationEvents.integrationId, last.id)));
      },
      update: { details: { pwned: true } },
      insertAsAttacker: (tx, _owner, attacker) =>
        tx
          .insert(integrationEvents)
          .values({ integrationId: last.id, ownerTeamId: last.ownerTeamId, eventType: "UPDATED", actorUserId: attacker.id }),
    };
  },

  projects: () => ({
    table: projects,
    seed: async (db, owner) => [(await createProject(db, { creatorId: owner.id, title: "secret", totalAmount: "5" })).project.id],
    update: { title: "pwned" },
    insertAsAttacker: (tx, owner) => tx.insert(projects).values({ creatorId: owner.id, title: "forged", totalAmount: "1" }),
  }),
  milestones: () => {
    let projectId = "";
    return {
      table: milestones,
      seed: async (db, owner) => {
        const r = await createProject(db, { creatorId: owner.id, title: "secret", totalAmount: "5", milestones: [{ title: "m", amount: "1" }] });
        projectId = r.project.id;
        return r.milestones.map((m) => m.id);
      },
      update: { title: "pwned" },
      insertAsAttacker: (tx) => tx.insert(milestones).values({ projectId, title: "forged", amount: "1" }),
    };
  },
  transactions: () => ({
    table: transactions,
    seed: async (db, owner) => [(await recordTransaction(db, { userId: owner.id, transactionType: "deposit", amount: "5" })).transaction.id],
    update: { notes: "pwned" },
    insertAsAttacker: (tx, owner) => tx.insert(transactions).values({ userId: owner.id, transactionType: "deposit", amount: "1" }),
  }),

  custom_integrations: () => ({
    table: customIntegrations,
    seed: async (db, owner) => [(await createCustomIntegration(db, customInput(owner.id))).id],
    update: { displayName: "pwned" },
    insertAsAttacker: (tx, owner) =>
      tx
        .insert(customIntegrations)
        .values({ userId: owner.id, name: `forged_${unique().toLowerCase()}`, displayName: "x", authType: "api_key", baseUrl: "https://x" }),
  }),
  custom_integration_actions: () => {
    let integrationId = "";
    return {
      table: customIntegrationActions,
      seed: async (db, owner) => {
        const i = await createCustomIntegration(db, customInput(owner.id));
        integrationId = i.id;
        return i.actions.map((a) => a.id);
      },
      update: { endpoint: "/pwned" },
      insertAsAttacker: (tx, owner) =>
        tx
          .insert(customIntegrationActions)
          .values({ integrationId, userId: owner.id, actionId: "forged", actionName: "x", httpMethod: "GET", endpoint: "/x" }),
    };
  },
  custom_integration_credentials: () => {
    let integrationId = "";
    return {
      table: customIntegrationCredentials,
      seed: async (db, owner) => {
        integrationId = (await createCustomIntegration(db, customInput(owner.id))).id;
        return [(await storeCustomCredential(db, { keyring, userId: owner.id, integrationId, credentialType: "api_key", value: "s" })).id];
      },
      update: { isValid: false },
      insertAsAttacker: (tx, owner) =>
        tx.insert(customIntegrationCredentials).values({ userId: owner.id, integrationId, credentialType: "oauth_token", encryptedValue: "x" }),
    };
  },

  slack_workspaces: () => ({
    table: slackWorkspaces,
    seed: async (db, owner) => [(await slackData(db, owner)).ws.id],
    update: { name: "pwned" },
  }),
  slack_channels: () => ({
    table: slackChannels,
    seed: async (db, owner) => {
      const s = await slackData(db, owner);
      return ids(db.select({ id: slackChannels.id }).from(slackChannels).where(eq(slackChannels.workspaceId, s.ws.id)));
    },
    update: { name: "pwned" },
  }),
  slack_users: () => ({
    table: slackUsers,
    seed: async (db, owner) => {
      const s = await slackData(db, owner);
      return ids(db.select({ id: slackUsers.id }).from(slackUsers).where(eq(slackUsers.workspaceId, s.ws.id)));
    },
    update: { name: "pwned" },
  }),
  slack_messages: () => ({
    table: slackMessages,
    seed: async (db, owner) => {
      const s = await slackData(db, owner);
      return ids(db.select({ id: slackMessages.id }).from(slackMessages).where(eq(slackMessages.channelId, s.general.id)));
    },
    update: { text: "pwned" },
  }),
  slack_reactions: () => ({
    table: slackReactions,
    seed: async (db, owner) => {
      const s = await slackData(db, owner);
      return ids(db.select({ id: slackReactions.id }).from(slackReactions).where(eq(slackReactions.teamId, s.team.id)));
    },
    update: { emojiName: "pwned" },
  }),
  slack_analyses: () => ({
    table: slackAnalyses,
    seed: async (db, owner) => [(await slackData(db, owner)).analysis.id],
    update: { name: "pwned" },
  }),
  slack_analysis_channels: () => ({
    table: slackAnalysisChannels,
    key: slackAnalysisChannels.analysisId,
    // No `update`: the kit's default sets the key column to itself.
    seed: async (db, owner) => [(await slackData(db, owner)).analysis.id],
  }),
  slack_contributions: () => ({
    table: slackContributions,
    seed: async (db, owner) => {
      const s = await slackData(db, owner);
      return ids(db.select({ id: slackContributions.id }).from(slackContributions).where(eq(slackContributions.analysisId, s.analysis.id)));
    },
    update: { totalScore: 1 },
  }),
  slack_channel_analyses: () => ({
    table: slackChannelAnalyses,
    seed: async (db, owner) => {
      const s = await slackData(db, owner);
      return ids(db.select({ id: slackChannelAnalyses.id }).from(slackChannelAnalyses).where(eq(slackChannelAnalyses.analysisId, s.analysis.id)));
    },
    update: { channelSummary: "pwned" },
  }),

  // Slack OAuth: every workspace's tokens, service work only (no grant to shared_db_app at all).
  slack_bots: () => ({
    table: slackBots,
    seed: async (db) => {
      const teamId = await slackInstall(db);
      return ids(db.select({ id: slackBots.id }).from(slackBots).where(eq(slackBots.teamId, teamId)));
    },
    update: { botToken: "pwned" },
    insertAsAttacker: (tx) => tx.insert(slackBots).values({ clientId: "leak-kit", teamId: `T${unique()}`, botToken: "forged" }),
  }),
  slack_user_tokens: () => ({
    table: slackUserTokens,
    seed: async (db) => {
      const teamId = await slackInstall(db);
      return ids(db.select({ id: slackUserTokens.id }).from(slackUserTokens).where(eq(slackUserTokens.teamId, teamId)));
    },
    update: { userToken: "pwned" },
    insertAsAttacker: (tx) => tx.insert(slackUserTokens).values({ clientId: "leak-kit", teamId: `T${unique()}`, userId: "U1", userToken: "forged" }),
  }),
  slack_installations: () => ({
    table: slackInstallations,
    seed: async (db) => {
      const teamId = await slackInstall(db);
      return ids(db.select({ id: slackInstallations.id }).from(slackInstallations).where(eq(slackInstallations.teamId, teamId)));
    },
    update: { botToken: "pwned" },
    insertAsAttacker: (tx) =>
      tx.insert(slackInstallations).values({ clientId: "leak-kit", teamId: `T${unique()}`, userId: "U1", botToken: "forged" }),
  }),
  slack_oauth_states: () => ({
    table: slackOauthStates,
    key: slackOauthStates.state,
    seed: async (db) => [await createSlackStateStore({ db }).generateStateParam({ scopes: ["chat:write"] }, new Date())],
    update: { installOptions: { scopes: ["admin"] } },
    insertAsAttacker: (tx) =>
      tx.insert(slackOauthStates).values({ state: `forged-${unique()}`, installOptions: {}, expiresAt: new Date(Date.now() + 600_000) }),
  }),
};

function customInput(userId: string) {
  return {
    userId,
    name: `api_${unique().toLowerCase()}`,
    displayName: "My API",
    authType: "api_key" as const,
    baseUrl: "https://api.example.com/base",
    actions: [{ actionId: "list_items", actionName: "List items", httpMethod: "GET" as const, endpoint: "/v1/items" }],
  };
}

/** The spec registered for `table`, checked to be for that table. */
export function leakSpecFor(table: string): LeakSpec {
  const make = leakSpecs[table];
  if (!make) throw new Error(`no leak spec for shared_db.${table}: add one to test/security/leak-specs.ts`);
  const spec = make();
  if (getTableName(spec.table) !== table) throw new Error(`the leak spec registered as ${table} is for ${getTableName(spec.table)}`);
  return spec;
}
