import { InvalidStateError } from "@slack/oauth";
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { createKeyring, generateKey } from "../../src/crypto";
import { rowsOf } from "../../src/db";
import { RlsContextError, SharedDbError, ValidationError } from "../../src/errors";
import { SCHEMA_NAME } from "../../src/schema/namespace";
import * as stores from "../../src/stores";
import { withRls } from "../../src";
import { createSlackInstallationStore, createSlackStateStore, registerSlackUninstallHandlers, type EventRegistrar } from "../../src/slack";
import { makeUser, useTestDb } from "../support/db";
import { exposed } from "../support/errors";

/** `{ a: { a: … } }` 5,000 objects deep: past the JSON depth limit (JSON.stringify would overflow the stack). */
const deepJson = () => {
  let value: Record<string, unknown> = { a: 1 };
  for (let i = 1; i < 5000; i++) value = { a: value };
  return value;
};

/** The bad values of the matrix; every one must be refused with a typed error naming the field. */
const BAD = {
  deep: deepJson(),
  nul: "nul\u0000value",
  megabyte: `mb-${"y".repeat(1 << 20)}`,
  surrogate: "lone\uD800surrogate",
  outOfRange: 2 ** 40,
  nan: Number.NaN,
  infinity: Number.POSITIVE_INFINITY,
  invalidDate: new Date(Number.NaN),
  wrongEnum: "NOT_A_VALUE",
  nonUuid: "42",
  injection: "x'); drop table shared_db.users; --",
} as const;
type Kind = keyof typeof BAD;

const TEXT: Kind[] = ["nul", "megabyte", "surrogate"];
const ID: Kind[] = ["nonUuid", "injection", "nul"];
const NUMBER: Kind[] = ["outOfRange", "nan", "infinity"];
const DATE: Kind[] = ["invalidDate"];
const ENUM: Kind[] = ["wrongEnum", "injection"];
const JSON_VALUE: Kind[] = ["deep"];

interface Case {
  /** function and field, e.g. `createUser fullName` */
  fn: string;
  field: string;
  kinds: Kind[];
  call: (bad: unknown) => Promise<unknown>;
}

const t = useTestDb();
const keyring = createKeyring({ keys: [generateKey()] });
const ctx = {} as {
  userId: string;
  workspaceId: string;
  channelId: string;
  analysisId: string;
  integrationId: string;
  teamId: string;
  teamIntegrationId: string;
  resourceId: string;
  projectId: string;
  milestoneId: string;
};

beforeAll(async () => {
  const user = await makeUser(t.db, "matrix");
  const team = await stores.createTeam(t.db, { actorId: user.id, name: "Matrix team" });
  const ws = await stores.upsertSlackWorkspace(t.db, { teamId: team.id, slackId: "T0MATRIX", name: "Matrix" });
  await stores.syncChannels(t.db, { workspaceId: ws.id, channels: [{ id: "C0MATRIX", name: "general" }] });
  const [channel] = rowsOf<{ id: string }>(await t.db.execute(sql`select id from shared_db.slack_channels where slack_id = 'C0MATRIX'`));
  const analysis = await stores.createAnalysis(t.db, {
    workspaceId: ws.id,
    name: "A",
    startDate: new Date("2024-01-01"),
    endDate: new Date("2024-02-01"),
    channelIds: [channel!.id],
  });
  const integration = await stores.createCustomIntegration(t.db, {
    userId: user.id,
    name: "matrix_api",
    displayName: "Matrix",
    authType: "api_key",
    baseUrl: "https://api.example.com",
  });
  const teamIntegration = await stores.createIntegration(t.db, {
    actorId: user.id,
    ownerTeamId: team.id,
    name: "Matrix Slack",
    serviceType: "SLACK",
  });
  const resource = await stores.upsertServiceResource(t.db, {
    actorId: user.id,
    integrationId: teamIntegration.id,
    resourceType: "SLACK_CHANNEL",
    externalId: "C0MATRIX",
  });
  const { project, milestones } = await stores.createProject(t.db, {
    creatorId: user.id,
    title: "Matrix",
    totalAmount: "100",
    milestones: [{ title: "m", amount: "50" }],
  });
  await installations().storeInstallation(installation());
  Object.assign(ctx, {
    userId: user.id,
    workspaceId: ws.id,
    channelId: channel!.id,
    analysisId: analysis.id,
    integrationId: integration.id,
    teamId: team.id,
    teamIntegrationId: teamIntegration.id,
    resourceId: resource.id,
    projectId: project.id,
    milestoneId: milestones[0]!.id,
  });
}, 120_000);

const user = () => ({ email: "matrix-new@example.com" });
const analysisInput = () => ({
  workspaceId: ctx.workspaceId,
  name: "B",
  startDate: new Date("2024-01-01"),
  endDate: new Date("2024-02-01"),
  channelIds: [ctx.channelId],
});
const integrationInput = () => ({
  userId: ctx.userId,
  name: "other_api",
  displayName: "Other",
  authType: "api_key" as const,
  baseUrl: "https://api.example.com",
});
const credential = () => ({ userId: ctx.userId, integrationId: ctx.integrationId, credentialType: "api_key" as const });
const message = (over: Record<string, unknown>) => ({ type: "message", user: "U0MATRIX", ts: "1700000000.000100", text: "hi", ...over });
const stateStore = () => createSlackStateStore({ db: t.db });
const installations = () => createSlackInstallationStore({ db: t.db, keyring, clientId: "matrix-client" });
const installation = (over: Record<string, unknown> = {}) =>
  ({
    team: { id: "T0MATRIX", name: "Matrix" },
    user: { id: "U0MATRIX", token: "xoxp-matrix", scopes: ["chat:write"] },
    bot: { id: "B0MATRIX", userId: "U0BOT", token: "xoxb-matrix", scopes: ["chat:write"] },
    incomingWebhook: { url: "https://hooks.slack.com/services/T0MATRIX/B0MATRIX/matrix", channel: "#general" },
    isEnterpriseInstall: false,
    authVersion: "v2",
    ...over,
  }) as never;
/** Bolt's App as far as the uninstall handlers use it: runs a registered listener on demand. */
function eventApp() {
  const listeners = new Map<string, (args: { event: unknown; context: Record<string, unknown> }) => Promise<void>>();
  const app: EventRegistrar = { event: (name, listener) => listeners.set(name, listener) };
  registerSlackUninstallHandlers(app, installations());
  return (name: string, event: unknown, context: Record<string, unknown>) => listeners.get(name)!({ event, context });
}
const team = () => ({ actorId: ctx.userId, name: "Another team" });
const teamIntegration = () => ({ actorId: ctx.userId, ownerTeamId: ctx.teamId, name: "Other", serviceType: "GITHUB" as const });
const teamCredential = () => ({ actorId: ctx.userId, integrationId: ctx.teamIntegrationId, credentialType: "API_KEY" as const, value: "k" });
const resourceInput = () => ({
  actorId: ctx.userId,
  integrationId: ctx.teamIntegrationId,
  resourceType: "SLACK_CHANNEL" as const,
  externalId: "C0OTHER",
});
const project = () => ({ creatorId: ctx.userId, title: "P", totalAmount: "10" });
const txInput = () => ({ userId: ctx.userId, transactionType: "deposit" as const, amount: "10" });
const release = () => ({ projectId: ctx.projectId, userId: ctx.userId, amount: "1" });

const cases: Case[] = [
  // users
  ...(["fullName", "bio", "googleId", "passwordHash"] as const).map((f) => ({
    fn: "createUser",
    field: f,
    kinds: TEXT,
    call: (v: unknown) => stores.createUser(t.db, { ...user(), [f]: v }),
  })),
  { fn: "createUser", field: "email", kinds: [...TEXT, "injection"], call: (v) => stores.createUser(t.db, { email: v as string }) },
  {
    fn: "createUser",
    field: "avatarUrl",
    kinds: TEXT,
    call: (v) => stores.createUser(t.db, { ...user(), avatarUrl: `https://x.example/${v as string}` }),
  },
  { fn: "getUserById", field: "id", kinds: ID, call: (v) => stores.getUserById(t.db, { id: v as string }) },
  { fn: "getUserByEmail", field: "email", kinds: [...TEXT, "injection"], call: (v) => stores.getUserByEmail(t.db, { email: v as string }) },
  { fn: "updateProfile", field: "id", kinds: ID, call: (v) => stores.updateProfile(t.db, { id: v as string, bio: "x" }) },
  { fn: "updateProfile", field: "fullName", kinds: TEXT, call: (v) => stores.updateProfile(t.db, { id: ctx.userId, fullName: v as string }) },
  { fn: "recordLogin", field: "id", kinds: ID, call: (v) => stores.recordLogin(t.db, { id: v as string }) },
  { fn: "deactivateUser", field: "id", kinds: ID, call: (v) => stores.deactivateUser(t.db, { id: v as string }) },
  // audit
  { fn: "appendAudit", field: "actorId", kinds: ID, call: (v) => stores.appendAudit(t.db, { actorId: v as string, action: "a", entityType: "e" }) },
  ...(["action", "entityType", "entityId"] as const).map((f) => ({
    fn: "appendAudit",
    field: f,
    kinds: TEXT,
    call: (v: unknown) => stores.appendAudit(t.db, { actorId: ctx.userId, action: "a", entityType: "e", [f]: v }),
  })),
  {
    fn: "appendAudit",
    field: "details.note",
    kinds: ["nul", "surrogate"],
    call: (v) => stores.appendAudit(t.db, { actorId: ctx.userId, action: "a", entityType: "e", details: { note: v } }),
  },
  {
    fn: "appendAudit",
    field: "details",
    kinds: JSON_VALUE,
    call: (v) => stores.appendAudit(t.db, { actorId: ctx.userId, action: "a", entityType: "e", details: v as Record<string, unknown> }),
  },
  { fn: "listAudit", field: "before", kinds: DATE, call: (v) => stores.listAudit(t.db, { before: v as Date }) },
  { fn: "listAudit", field: "limit", kinds: NUMBER, call: (v) => stores.listAudit(t.db, { limit: v as number }) },
  { fn: "listAudit", field: "entityType", kinds: TEXT, call: (v) => stores.listAudit(t.db, { entityType: v as string }) },
  { fn: "listAudit", field: "actorId", kinds: ID, call: (v) => stores.listAudit(t.db, { actorId: v as string }) },
  // custom integrations
  { fn: "listCustomIntegrations", field: "userId", kinds: ID, call: (v) => stores.listCustomIntegrations(t.db, { userId: v as string }) },
  ...(["displayName", "description", "baseUrl", "authPrefix"] as const).map((f) => ({
    fn: "createCustomIntegration",
    field: f,
    kinds: TEXT,
    call: (v: unknown) =>
      stores.createCustomIntegration(t.db, { ...integrationInput(), [f]: f === "baseUrl" ? `https://api.example.com/${v as string}` : v }),
  })),
  {
    fn: "createCustomIntegration",
    field: "authType",
    kinds: ENUM,
    call: (v) => stores.createCustomIntegration(t.db, { ...integrationInput(), authType: v as "oauth" }),
  },
  {
    fn: "createCustomIntegration",
    field: "actions.0.endpoint",
    kinds: TEXT,
    call: (v) =>
      stores.createCustomIntegration(t.db, {
        ...integrationInput(),
        actions: [{ actionId: "a", actionName: "A", httpMethod: "GET", endpoint: `/${v as string}` }],
      }),
  },
  {
    fn: "createCustomIntegration",
    field: "actions.0.httpMethod",
    kinds: ENUM,
    call: (v) =>
      stores.createCustomIntegration(t.db, {
        ...integrationInput(),
        actions: [{ actionId: "a", actionName: "A", httpMethod: v as "GET", endpoint: "/x" }],
      }),
  },
  {
    fn: "createCustomIntegration",
    field: "oauthConfig.scope",
    kinds: ["nul", "surrogate"],
    call: (v) => stores.createCustomIntegration(t.db, { ...integrationInput(), oauthConfig: { scope: v } }),
  },
  {
    fn: "createCustomIntegration",
    field: "oauthConfig",
    kinds: JSON_VALUE,
    call: (v) => stores.createCustomIntegration(t.db, { ...integrationInput(), oauthConfig: v as Record<string, unknown> }),
  },
  {
    fn: "requireCustomIntegration",
    field: "integrationId",
    kinds: ID,
    call: (v) => stores.requireCustomIntegration(t.db, { userId: ctx.userId, integrationId: v as string }),
  },
  {
    fn: "updateCustomIntegration",
    field: "patch.displayName",
    kinds: TEXT,
    call: (v) => stores.updateCustomIntegration(t.db, { userId: ctx.userId, integrationId: ctx.integrationId, patch: { displayName: v as string } }),
  },
  {
    fn: "deleteCustomIntegration",
    field: "userId",
    kinds: ID,
    call: (v) => stores.deleteCustomIntegration(t.db, { userId: v as string, integrationId: ctx.integrationId }),
  },
  {
    fn: "storeCustomCredential",
    field: "value",
    kinds: TEXT,
    call: (v) => stores.storeCustomCredential(t.db, { keyring, ...credential(), value: v as string }),
  },
  {
    fn: "storeCustomCredential",
    field: "credentialType",
    kinds: ENUM,
    call: (v) => stores.storeCustomCredential(t.db, { keyring, ...credential(), credentialType: v as "api_key", value: "k" }),
  },
  {
    fn: "storeCustomCredential",
    field: "tokenExpiresAt",
    kinds: DATE,
    call: (v) => stores.storeCustomCredential(t.db, { keyring, ...credential(), value: "k", tokenExpiresAt: v as Date }),
  },
  {
    fn: "markCustomCredential",
    field: "integrationId",
    kinds: ID,
    call: (v) => stores.markCustomCredential(t.db, { ...credential(), integrationId: v as string, isValid: true }),
  },
  {
    fn: "revealCustomCredential",
    field: "credentialType",
    kinds: ENUM,
    call: (v) => stores.revealCustomCredential(t.db, { keyring, ...credential(), credentialType: v as "api_key" }),
  },
  // slack analysis
  ...(["name", "description", "llmModel"] as const).map((f) => ({
    fn: "createAnalysis",
    field: f,
    kinds: TEXT,
    call: (v: unknown) => stores.createAnalysis(t.db, { ...analysisInput(), [f]: v }),
  })),
  { fn: "createAnalysis", field: "startDate", kinds: DATE, call: (v) => stores.createAnalysis(t.db, { ...analysisInput(), startDate: v as Date }) },
  {
    fn: "createAnalysis",
    field: "channelIds.0",
    kinds: ID,
    call: (v) => stores.createAnalysis(t.db, { ...analysisInput(), channelIds: [v as string] }),
  },
  {
    fn: "createAnalysis",
    field: "scheduleFrequency",
    kinds: ENUM,
    call: (v) => stores.createAnalysis(t.db, { ...analysisInput(), scheduleFrequency: v as "daily" }),
  },
  {
    fn: "setAnalysisStatus",
    field: "status",
    kinds: ENUM,
    call: (v) => stores.setAnalysisStatus(t.db, { analysisId: ctx.analysisId, status: v as "running" }),
  },
  {
    fn: "setAnalysisStatus",
    field: "progress",
    kinds: NUMBER,
    call: (v) => stores.setAnalysisStatus(t.db, { analysisId: ctx.analysisId, status: "running", progress: v as number }),
  },
  {
    fn: "setAnalysisStatus",
    field: "errorMessage",
    kinds: TEXT,
    call: (v) => stores.setAnalysisStatus(t.db, { analysisId: ctx.analysisId, status: "failed", errorMessage: v as string }),
  },
  { fn: "dueScheduledAnalyses", field: "now", kinds: DATE, call: (v) => stores.dueScheduledAnalyses(t.db, { now: v as Date }) },
  { fn: "computeContributions", field: "analysisId", kinds: ID, call: (v) => stores.computeContributions(t.db, { analysisId: v as string }) },
  {
    fn: "writeContributionScores",
    field: "totalScore",
    kinds: NUMBER,
    call: (v) =>
      stores.writeContributionScores(t.db, { analysisId: ctx.analysisId, userId: ctx.userId, channelId: ctx.channelId, totalScore: v as number }),
  },
  {
    fn: "writeContributionScores",
    field: "insights",
    kinds: TEXT,
    call: (v) =>
      stores.writeContributionScores(t.db, { analysisId: ctx.analysisId, userId: ctx.userId, channelId: ctx.channelId, insights: v as string }),
  },
  {
    fn: "saveChannelAnalysis",
    field: "messageCount",
    kinds: NUMBER,
    call: (v) =>
      stores.saveChannelAnalysis(t.db, { analysisId: ctx.analysisId, channelId: ctx.channelId, messageCount: v as number, rawResponse: {} }),
  },
  {
    fn: "saveChannelAnalysis",
    field: "channelSummary",
    kinds: TEXT,
    call: (v) =>
      stores.saveChannelAnalysis(t.db, { analysisId: ctx.analysisId, channelId: ctx.channelId, channelSummary: v as string, rawResponse: {} }),
  },
  {
    fn: "saveChannelAnalysis",
    field: "rawResponse.choices.0",
    kinds: ["nul", "surrogate"],
    call: (v) => stores.saveChannelAnalysis(t.db, { analysisId: ctx.analysisId, channelId: ctx.channelId, rawResponse: { choices: [v] } }),
  },
  {
    fn: "saveChannelAnalysis",
    field: "rawResponse",
    kinds: JSON_VALUE,
    call: (v) => stores.saveChannelAnalysis(t.db, { analysisId: ctx.analysisId, channelId: ctx.channelId, rawResponse: v }),
  },
  {
    fn: "saveChannelAnalysis",
    field: "status",
    kinds: ENUM,
    call: (v) =>
      stores.saveChannelAnalysis(t.db, { analysisId: ctx.analysisId, channelId: ctx.channelId, status: v as "completed", rawResponse: {} }),
  },
  {
    fn: "channelMessages",
    field: "from",
    kinds: DATE,
    call: (v) => stores.channelMessages(t.db, { channelId: ctx.channelId, from: v as Date, to: new Date() }),
  },
  {
    fn: "channelMessages",
    field: "limit",
    kinds: NUMBER,
    call: (v) => stores.channelMessages(t.db, { channelId: ctx.channelId, from: new Date(0), to: new Date(), limit: v as number }),
  },
  {
    fn: "threadWithReplies",
    field: "threadTs",
    kinds: [...TEXT, "injection"],
    call: (v) => stores.threadWithReplies(t.db, { channelId: ctx.channelId, threadTs: v as string }),
  },
  { fn: "contributionLeaderboard", field: "analysisId", kinds: ID, call: (v) => stores.contributionLeaderboard(t.db, { analysisId: v as string }) },
  {
    fn: "contributionLeaderboard",
    field: "limit",
    kinds: NUMBER,
    call: (v) => stores.contributionLeaderboard(t.db, { analysisId: ctx.analysisId, limit: v as number }),
  },
  // slack sync
  {
    fn: "syncChannels",
    field: "channels.0.name",
    kinds: TEXT,
    call: (v) => stores.syncChannels(t.db, { workspaceId: ctx.workspaceId, channels: [{ id: "C0NEW", name: v }] }),
  },
  {
    fn: "syncChannels",
    field: "channels.0.num_members",
    kinds: NUMBER,
    call: (v) => stores.syncChannels(t.db, { workspaceId: ctx.workspaceId, channels: [{ id: "C0NEW", num_members: v }] }),
  },
  {
    fn: "syncChannels",
    field: "channels.0.id",
    kinds: ["nul", "injection", "megabyte"],
    call: (v) => stores.syncChannels(t.db, { workspaceId: ctx.workspaceId, channels: [{ id: v }] }),
  },
  { fn: "syncChannels", field: "workspaceId", kinds: ID, call: (v) => stores.syncChannels(t.db, { workspaceId: v as string, channels: [] }) },
  {
    fn: "syncUsers",
    field: "members.0.profile.title",
    kinds: TEXT,
    call: (v) => stores.syncUsers(t.db, { workspaceId: ctx.workspaceId, members: [{ id: "U0NEW", profile: { title: v } }] }),
  },
  {
    fn: "syncUsers",
    field: "members.0.tz_offset",
    kinds: NUMBER,
    call: (v) => stores.syncUsers(t.db, { workspaceId: ctx.workspaceId, members: [{ id: "U0NEW", tz_offset: v }] }),
  },
  {
    fn: "syncMessages",
    field: "messages.0.text",
    kinds: TEXT,
    call: (v) => stores.syncMessages(t.db, { channelId: ctx.channelId, messages: [message({ text: v })] }),
  },
  {
    fn: "syncMessages",
    field: "messages.0.ts",
    kinds: ["nul", "injection", "megabyte"],
    call: (v) => stores.syncMessages(t.db, { channelId: ctx.channelId, messages: [message({ ts: v })] }),
  },
  {
    fn: "syncMessages",
    field: "messages.0.reply_count",
    kinds: NUMBER,
    call: (v) => stores.syncMessages(t.db, { channelId: ctx.channelId, messages: [message({ reply_count: v })] }),
  },
  {
    fn: "syncMessages",
    field: "messages.0.files.0.name",
    kinds: ["nul", "surrogate"],
    call: (v) => stores.syncMessages(t.db, { channelId: ctx.channelId, messages: [message({ files: [{ name: v }] })] }),
  },
  {
    fn: "syncMessages",
    field: "messages.0.files.0",
    kinds: JSON_VALUE,
    call: (v) => stores.syncMessages(t.db, { channelId: ctx.channelId, messages: [message({ files: [v] })] }),
  },
  // teams
  { fn: "createTeam", field: "actorId", kinds: ID, call: (v) => stores.createTeam(t.db, { ...team(), actorId: v as string }) },
  ...(["name", "description"] as const).map((f) => ({
    fn: "createTeam",
    field: f,
    kinds: TEXT,
    call: (v: unknown) => stores.createTeam(t.db, { ...team(), [f]: v }),
  })),
  { fn: "createTeam", field: "teamSize", kinds: NUMBER, call: (v) => stores.createTeam(t.db, { ...team(), teamSize: v as number }) },
  {
    fn: "createTeam",
    field: "teamMetadata.note",
    kinds: ["nul", "surrogate"],
    call: (v) => stores.createTeam(t.db, { ...team(), teamMetadata: { note: v } }),
  },
  {
    fn: "createTeam",
    field: "teamMetadata",
    kinds: JSON_VALUE,
    call: (v) => stores.createTeam(t.db, { ...team(), teamMetadata: v as Record<string, unknown> }),
  },
  {
    fn: "createTeam",
    field: "avatarUrl",
    kinds: ["nul", "surrogate"],
    call: (v) => stores.createTeam(t.db, { ...team(), avatarUrl: `https://x.example/${v as string}` }),
  },
  {
    fn: "updateTeam",
    field: "patch.name",
    kinds: TEXT,
    call: (v) => stores.updateTeam(t.db, { teamId: ctx.teamId, actorId: ctx.userId, patch: { name: v as string } }),
  },
  {
    fn: "updateTeam",
    field: "patch.teamSize",
    kinds: NUMBER,
    call: (v) => stores.updateTeam(t.db, { teamId: ctx.teamId, actorId: ctx.userId, patch: { teamSize: v as number } }),
  },
  {
    fn: "updateTeam",
    field: "patch.teamMetadata",
    kinds: JSON_VALUE,
    call: (v) => stores.updateTeam(t.db, { teamId: ctx.teamId, actorId: ctx.userId, patch: { teamMetadata: v as Record<string, unknown> } }),
  },
  { fn: "updateTeam", field: "teamId", kinds: ID, call: (v) => stores.updateTeam(t.db, { teamId: v as string, actorId: ctx.userId, patch: {} }) },
  { fn: "listMyTeams", field: "userId", kinds: ID, call: (v) => stores.listMyTeams(t.db, { userId: v as string }) },
  { fn: "getTeamBySlug", field: "slug", kinds: [...TEXT, "injection"], call: (v) => stores.getTeamBySlug(t.db, { slug: v as string }) },
  {
    fn: "inviteMember",
    field: "email",
    kinds: [...TEXT, "injection"],
    call: (v) => stores.inviteMember(t.db, { teamId: ctx.teamId, actorId: ctx.userId, email: v as string }),
  },
  {
    fn: "inviteMember",
    field: "displayName",
    kinds: TEXT,
    call: (v) => stores.inviteMember(t.db, { teamId: ctx.teamId, actorId: ctx.userId, email: "new@example.com", displayName: v as string }),
  },
  {
    fn: "inviteMember",
    field: "role",
    kinds: ENUM,
    call: (v) => stores.inviteMember(t.db, { teamId: ctx.teamId, actorId: ctx.userId, email: "new@example.com", role: v as "MEMBER" }),
  },
  {
    fn: "inviteMember",
    field: "expiresInSeconds",
    kinds: NUMBER,
    call: (v) => stores.inviteMember(t.db, { teamId: ctx.teamId, actorId: ctx.userId, email: "new@example.com", expiresInSeconds: v as number }),
  },
  {
    fn: "acceptInvitation",
    field: "token",
    kinds: TEXT,
    call: (v) => stores.acceptInvitation(t.db, { teamId: ctx.teamId, token: v as string, userId: ctx.userId }),
  },
  {
    fn: "acceptInvitation",
    field: "teamId",
    kinds: ID,
    call: (v) => stores.acceptInvitation(t.db, { teamId: v as string, token: "t", userId: ctx.userId }),
  },
  {
    fn: "changeMemberRole",
    field: "role",
    kinds: ENUM,
    call: (v) => stores.changeMemberRole(t.db, { teamId: ctx.teamId, actorId: ctx.userId, userId: ctx.userId, role: v as "ADMIN" }),
  },
  {
    fn: "changeMemberRole",
    field: "userId",
    kinds: ID,
    call: (v) => stores.changeMemberRole(t.db, { teamId: ctx.teamId, actorId: ctx.userId, userId: v as string, role: "ADMIN" }),
  },
  {
    fn: "removeMember",
    field: "userId",
    kinds: ID,
    call: (v) => stores.removeMember(t.db, { teamId: ctx.teamId, actorId: ctx.userId, userId: v as string }),
  },
  {
    fn: "requireTeamRole",
    field: "teamId",
    kinds: ID,
    call: (v) => stores.requireTeamRole(t.db, { teamId: v as string, userId: ctx.userId, min: "ADMIN" }),
  },
  {
    fn: "requireTeamRole",
    field: "min",
    kinds: ENUM,
    call: (v) => stores.requireTeamRole(t.db, { teamId: ctx.teamId, userId: ctx.userId, min: v as "ADMIN" }),
  },
  // integrations
  ...(["name", "description", "workspaceId"] as const).map((f) => ({
    fn: "createIntegration",
    field: f,
    kinds: TEXT,
    call: (v: unknown) => stores.createIntegration(t.db, { ...teamIntegration(), [f]: v }),
  })),
  {
    fn: "createIntegration",
    field: "serviceType",
    kinds: ENUM,
    call: (v) => stores.createIntegration(t.db, { ...teamIntegration(), serviceType: v as "SLACK" }),
  },
  {
    fn: "createIntegration",
    field: "integrationMetadata.note",
    kinds: ["nul", "surrogate"],
    call: (v) => stores.createIntegration(t.db, { ...teamIntegration(), integrationMetadata: { note: v } }),
  },
  {
    fn: "createIntegration",
    field: "integrationMetadata",
    kinds: JSON_VALUE,
    call: (v) => stores.createIntegration(t.db, { ...teamIntegration(), integrationMetadata: v as Record<string, unknown> }),
  },
  {
    fn: "updateIntegrationStatus",
    field: "status",
    kinds: ENUM,
    call: (v) => stores.updateIntegrationStatus(t.db, { actorId: ctx.userId, integrationId: ctx.teamIntegrationId, status: v as "ACTIVE" }),
  },
  {
    fn: "updateIntegrationStatus",
    field: "integrationId",
    kinds: ID,
    call: (v) => stores.updateIntegrationStatus(t.db, { actorId: ctx.userId, integrationId: v as string, status: "ACTIVE" }),
  },
  {
    fn: "recordIntegrationUse",
    field: "id",
    kinds: ID,
    call: (v) => stores.recordIntegrationUse(t.db, { id: v as string, ownerTeamId: ctx.teamId }),
  },
  ...(["value", "refreshToken"] as const).map((f) => ({
    fn: "storeIntegrationCredential",
    field: f,
    kinds: TEXT,
    call: (v: unknown) => stores.storeIntegrationCredential(t.db, { keyring, ...teamCredential(), [f]: v }),
  })),
  {
    fn: "storeIntegrationCredential",
    field: "expiresAt",
    kinds: DATE,
    call: (v) => stores.storeIntegrationCredential(t.db, { keyring, ...teamCredential(), expiresAt: v as Date }),
  },
  {
    fn: "storeIntegrationCredential",
    field: "scopes.0",
    kinds: TEXT,
    call: (v) => stores.storeIntegrationCredential(t.db, { keyring, ...teamCredential(), scopes: [v as string] }),
  },
  {
    fn: "storeIntegrationCredential",
    field: "credentialType",
    kinds: ENUM,
    call: (v) => stores.storeIntegrationCredential(t.db, { keyring, ...teamCredential(), credentialType: v as "API_KEY" }),
  },
  {
    fn: "revealCredential",
    field: "credentialType",
    kinds: ENUM,
    call: (v) =>
      stores.revealCredential(t.db, { keyring, actorId: ctx.userId, integrationId: ctx.teamIntegrationId, credentialType: v as "API_KEY" }),
  },
  {
    fn: "revealCredential",
    field: "integrationId",
    kinds: ID,
    call: (v) => stores.revealCredential(t.db, { keyring, actorId: ctx.userId, integrationId: v as string, credentialType: "API_KEY" }),
  },
  {
    fn: "storeIntegrationCredential",
    field: "keyring",
    kinds: ["injection", "nan"],
    call: (v) => stores.storeIntegrationCredential(t.db, { ...teamCredential(), keyring: v as never }),
  },
  {
    fn: "revealCredential",
    field: "keyring",
    kinds: ["injection", "nan"],
    call: (v) =>
      stores.revealCredential(t.db, { keyring: v as never, actorId: ctx.userId, integrationId: ctx.teamIntegrationId, credentialType: "API_KEY" }),
  },
  {
    fn: "shareIntegration",
    field: "shareLevel",
    kinds: ENUM,
    call: (v) =>
      stores.shareIntegration(t.db, { actorId: ctx.userId, integrationId: ctx.teamIntegrationId, teamId: ctx.teamId, shareLevel: v as "READ_ONLY" }),
  },
  {
    fn: "shareIntegration",
    field: "teamId",
    kinds: ID,
    call: (v) => stores.shareIntegration(t.db, { actorId: ctx.userId, integrationId: ctx.teamIntegrationId, teamId: v as string }),
  },
  {
    fn: "revokeShare",
    field: "teamId",
    kinds: ID,
    call: (v) => stores.revokeShare(t.db, { actorId: ctx.userId, integrationId: ctx.teamIntegrationId, teamId: v as string }),
  },
  { fn: "listSharedWithTeam", field: "teamId", kinds: ID, call: (v) => stores.listSharedWithTeam(t.db, { teamId: v as string }) },
  { fn: "listIntegrationsForUser", field: "userId", kinds: ID, call: (v) => stores.listIntegrationsForUser(t.db, { userId: v as string }) },
  ...(["externalId", "name"] as const).map((f) => ({
    fn: "upsertServiceResource",
    field: f,
    kinds: TEXT,
    call: (v: unknown) => stores.upsertServiceResource(t.db, { ...resourceInput(), [f]: v }),
  })),
  {
    fn: "upsertServiceResource",
    field: "resourceType",
    kinds: ENUM,
    call: (v) => stores.upsertServiceResource(t.db, { ...resourceInput(), resourceType: v as "SLACK_CHANNEL" }),
  },
  {
    fn: "upsertServiceResource",
    field: "resourceMetadata.note",
    kinds: ["nul", "surrogate"],
    call: (v) => stores.upsertServiceResource(t.db, { ...resourceInput(), resourceMetadata: { note: v } }),
  },
  {
    fn: "upsertServiceResource",
    field: "resourceMetadata",
    kinds: JSON_VALUE,
    call: (v) => stores.upsertServiceResource(t.db, { ...resourceInput(), resourceMetadata: v as Record<string, unknown> }),
  },
  {
    fn: "grantResourceAccess",
    field: "accessLevel",
    kinds: ENUM,
    call: (v) => stores.grantResourceAccess(t.db, { actorId: ctx.userId, resourceId: ctx.resourceId, teamId: ctx.teamId, accessLevel: v as "READ" }),
  },
  {
    fn: "grantResourceAccess",
    field: "resourceId",
    kinds: ID,
    call: (v) => stores.grantResourceAccess(t.db, { actorId: ctx.userId, resourceId: v as string, teamId: ctx.teamId, accessLevel: "READ" }),
  },
  // escrow
  ...(["title", "description", "completionCriteria"] as const).map((f) => ({
    fn: "createProject",
    field: f,
    kinds: TEXT,
    call: (v: unknown) => stores.createProject(t.db, { ...project(), [f]: v }),
  })),
  {
    fn: "createProject",
    field: "totalAmount",
    kinds: ["nul", "injection", "wrongEnum", "megabyte"],
    call: (v) => stores.createProject(t.db, { ...project(), totalAmount: v as string }),
  },
  { fn: "createProject", field: "dueDate", kinds: DATE, call: (v) => stores.createProject(t.db, { ...project(), dueDate: v as Date }) },
  {
    fn: "createProject",
    field: "milestones.0.title",
    kinds: TEXT,
    call: (v) => stores.createProject(t.db, { ...project(), milestones: [{ title: v as string, amount: "1" }] }),
  },
  {
    fn: "createProject",
    field: "milestones.0.dueDate",
    kinds: DATE,
    call: (v) => stores.createProject(t.db, { ...project(), milestones: [{ title: "m", amount: "1", dueDate: v as Date }] }),
  },
  { fn: "transitionProject", field: "projectId", kinds: ID, call: (v) => stores.transitionProject(t.db, { projectId: v as string, to: "pending" }) },
  {
    fn: "transitionProject",
    field: "to",
    kinds: ENUM,
    call: (v) => stores.transitionProject(t.db, { projectId: ctx.projectId, to: v as "pending" }),
  },
  { fn: "acceptTerms", field: "projectId", kinds: ID, call: (v) => stores.acceptTerms(t.db, { projectId: v as string }) },
  {
    fn: "transitionMilestone",
    field: "milestoneId",
    kinds: ID,
    call: (v) => stores.transitionMilestone(t.db, { milestoneId: v as string, to: "in_progress" }),
  },
  {
    fn: "transitionMilestone",
    field: "to",
    kinds: ENUM,
    call: (v) => stores.transitionMilestone(t.db, { milestoneId: ctx.milestoneId, to: v as "in_progress" }),
  },
  {
    fn: "transitionMilestone",
    field: "notes",
    kinds: TEXT,
    call: (v) => stores.transitionMilestone(t.db, { milestoneId: ctx.milestoneId, to: "in_progress", notes: v as string }),
  },
  ...(["paymentGateway", "gatewayTransactionId", "gatewayReference", "description"] as const).map((f) => ({
    fn: "recordTransaction",
    field: f,
    kinds: TEXT,
    call: (v: unknown) => stores.recordTransaction(t.db, { ...txInput(), [f]: v }),
  })),
  {
    fn: "recordTransaction",
    field: "gatewayResponse.note",
    kinds: ["nul", "surrogate"],
    call: (v) => stores.recordTransaction(t.db, { ...txInput(), gatewayResponse: { note: v } }),
  },
  {
    fn: "recordTransaction",
    field: "gatewayResponse",
    kinds: JSON_VALUE,
    call: (v) => stores.recordTransaction(t.db, { ...txInput(), gatewayResponse: v as Record<string, unknown> }),
  },
  {
    fn: "recordTransaction",
    field: "amount",
    kinds: ["nul", "injection", "wrongEnum"],
    call: (v) => stores.recordTransaction(t.db, { ...txInput(), amount: v as string }),
  },
  {
    fn: "recordTransaction",
    field: "transactionType",
    kinds: ENUM,
    call: (v) => stores.recordTransaction(t.db, { ...txInput(), transactionType: v as "deposit" }),
  },
  { fn: "requireEscrowBalance", field: "projectId", kinds: ID, call: (v) => stores.requireEscrowBalance(t.db, { projectId: v as string }) },
  { fn: "releaseFunds", field: "description", kinds: TEXT, call: (v) => stores.releaseFunds(t.db, { ...release(), description: v as string }) },
  {
    fn: "releaseFunds",
    field: "gatewayTransactionId",
    kinds: TEXT,
    call: (v) => stores.releaseFunds(t.db, { ...release(), gatewayTransactionId: v as string }),
  },
  { fn: "releaseFunds", field: "kind", kinds: ENUM, call: (v) => stores.releaseFunds(t.db, { ...release(), kind: v as "refund" }) },
  { fn: "releaseFunds", field: "milestoneId", kinds: ID, call: (v) => stores.releaseFunds(t.db, { ...release(), milestoneId: v as string }) },
  // secrets
  {
    fn: "rotateSecrets",
    field: "batchSize",
    kinds: NUMBER,
    call: (v) => stores.rotateSecrets(t.db, { keyring, columns: stores.secretColumns, batchSize: v as number }),
  },
  {
    fn: "rotateSecrets",
    field: "columns",
    kinds: ["injection", "nonUuid"],
    call: (v) => stores.rotateSecrets(t.db, { keyring, columns: v as never }),
  },
  {
    fn: "rotateSecrets",
    field: "columns.0.column",
    kinds: ["injection"],
    call: (v) => stores.rotateSecrets(t.db, { keyring, columns: [{ ...stores.secretColumns[0]!, column: v as never }] }),
  },
  {
    fn: "countSecretsByKey",
    field: "columns",
    kinds: ["injection", "nonUuid"],
    call: (v) => stores.countSecretsByKey(t.db, { columns: v as never }),
  },
  {
    fn: "countSecretsByKey",
    field: "columns.0.table",
    kinds: ["injection"],
    call: (v) => stores.countSecretsByKey(t.db, { columns: [{ ...stores.secretColumns[0]!, table: v as never }] }),
  },
  // slack installation store (Bolt's InstallationStore, and the cache and uninstall handlers it comes with)
  {
    fn: "installationStore.storeInstallation",
    field: "team.name",
    kinds: TEXT,
    call: (v) => installations().storeInstallation(installation({ team: { id: "T0NEW", name: v } })),
  },
  {
    fn: "installationStore.storeInstallation",
    field: "team.id",
    kinds: TEXT,
    call: (v) => installations().storeInstallation(installation({ team: { id: v } })),
  },
  {
    fn: "installationStore.storeInstallation",
    field: "user.token",
    kinds: TEXT,
    call: (v) => installations().storeInstallation(installation({ user: { id: "U0NEW", token: v } })),
  },
  {
    fn: "installationStore.storeInstallation",
    field: "bot.scopes.0",
    kinds: TEXT,
    call: (v) => installations().storeInstallation(installation({ bot: { id: "B", userId: "U", token: "xoxb-x", scopes: [v] } })),
  },
  {
    fn: "installationStore.storeInstallation",
    field: "bot.expiresAt",
    kinds: ["nan", "infinity"],
    call: (v) => installations().storeInstallation(installation({ bot: { id: "B", userId: "U", token: "xoxb-x", expiresAt: v } })),
  },
  {
    fn: "installationStore.storeInstallation",
    field: "incomingWebhook.url",
    kinds: TEXT,
    call: (v) => installations().storeInstallation(installation({ incomingWebhook: { url: `https://hooks.slack.com/${v as string}` } })),
  },
  {
    fn: "installationStore.storeInstallation",
    field: "metadata",
    kinds: TEXT,
    call: (v) => installations().storeInstallation(installation({ metadata: v })),
  },
  {
    fn: "installationStore.storeInstallation",
    field: "authVersion",
    kinds: ENUM,
    call: (v) => installations().storeInstallation(installation({ authVersion: v })),
  },
  {
    fn: "installationStore.fetchInstallation",
    field: "teamId",
    kinds: TEXT,
    call: (v) => installations().fetchInstallation({ teamId: v as string, isEnterpriseInstall: false, enterpriseId: undefined }),
  },
  {
    fn: "installationStore.fetchInstallation",
    field: "userId",
    kinds: TEXT,
    call: (v) => installations().fetchInstallation({ teamId: "T0MATRIX", userId: v as string, isEnterpriseInstall: false, enterpriseId: undefined }),
  },
  {
    fn: "installationStore.deleteInstallation",
    field: "teamId",
    kinds: TEXT,
    call: (v) => installations().deleteInstallation({ teamId: v as string, isEnterpriseInstall: false, enterpriseId: undefined }),
  },
  {
    fn: "installationStore.deleteInstallation",
    field: "enterpriseId",
    kinds: TEXT,
    call: (v) => installations().deleteInstallation({ teamId: "T0MATRIX", enterpriseId: v as string, isEnterpriseInstall: false }),
  },
  {
    fn: "installationStore.listInstallations",
    field: "cursor",
    kinds: ["nonUuid", "injection", "nul"],
    call: (v) => installations().listInstallations({ cursor: v as string }),
  },
  {
    fn: "installationStore.listInstallations",
    field: "limit",
    kinds: NUMBER,
    call: (v) => installations().listInstallations({ limit: v as number }),
  },
  { fn: "installationStore.findExpiringTokens", field: "withinSeconds", kinds: NUMBER, call: (v) => installations().findExpiringTokens(v as number) },
  {
    fn: "createInstallationCache",
    field: "cache.ttlSeconds",
    kinds: NUMBER,
    call: async (v) => createSlackInstallationStore({ db: t.db, keyring, cache: { ttlSeconds: v as number } }),
  },
  {
    fn: "createInstallationCache",
    field: "cache.maxEntries",
    kinds: NUMBER,
    call: async (v) => createSlackInstallationStore({ db: t.db, keyring, cache: { maxEntries: v as number } }),
  },
  {
    fn: "createInstallationCache",
    field: "cache.listenUrl",
    kinds: TEXT,
    call: async (v) => createSlackInstallationStore({ db: t.db, keyring, cache: { listenUrl: `postgres://u@h/${v as string}` } }),
  },
  {
    fn: "registerSlackUninstallHandlers",
    field: "teamId",
    kinds: TEXT,
    call: (v) => eventApp()("app_uninstalled", {}, { teamId: v, isEnterpriseInstall: false }),
  },
  {
    fn: "registerSlackUninstallHandlers",
    field: "event.tokens.oauth.0",
    kinds: TEXT,
    call: (v) => eventApp()("tokens_revoked", { tokens: { oauth: [v] } }, { teamId: "T0MATRIX" }),
  },
  // slack workspaces
  {
    fn: "connectSlackWorkspace",
    field: "keyring",
    kinds: ["injection", "nan"],
    call: (v) => stores.connectSlackWorkspace(t.db, { keyring: v as never, workspaceId: ctx.workspaceId, accessToken: "xoxp-matrix" }),
  },
  {
    fn: "revealSlackWorkspaceTokens",
    field: "keyring",
    kinds: ["injection", "nan"],
    call: (v) => stores.revealSlackWorkspaceTokens(t.db, { keyring: v as never, workspaceId: ctx.workspaceId }),
  },
  {
    fn: "listAnalyses",
    field: "status",
    kinds: ENUM,
    call: (v) => stores.listAnalyses(t.db, { workspaceId: ctx.workspaceId, status: v as "running" }),
  },
  {
    fn: "upsertSlackWorkspace",
    field: "teamId",
    kinds: ID,
    call: (v) => stores.upsertSlackWorkspace(t.db, { teamId: v as string, slackId: "T0NEW" }),
  },
  {
    fn: "upsertSlackWorkspace",
    field: "slackId",
    kinds: ["nul", "injection", "megabyte"],
    call: (v) => stores.upsertSlackWorkspace(t.db, { teamId: ctx.teamId, slackId: v as string }),
  },
  ...(["name", "domain", "iconUrl"] as const).map((f) => ({
    fn: "upsertSlackWorkspace",
    field: f,
    kinds: TEXT,
    call: (v: unknown) => stores.upsertSlackWorkspace(t.db, { teamId: ctx.teamId, slackId: "T0NEW", [f]: v }),
  })),
  // slack state store
  { fn: "generateStateParam", field: "now", kinds: DATE, call: (v) => stateStore().generateStateParam({ scopes: [] }, v as Date) },
  {
    fn: "generateStateParam",
    field: "installOptions.metadata",
    kinds: ["nul", "surrogate"],
    call: (v) => stateStore().generateStateParam({ scopes: [], metadata: v as string }, new Date()),
  },
];

/** Every table's row count, in one statement. */
async function rowCounts(): Promise<Record<string, number>> {
  const tables = rowsOf<{ name: string }>(
    await t.db.execute(
      sql`select relname as name from pg_class where relnamespace = to_regnamespace(${SCHEMA_NAME}) and relkind in ('r', 'p') order by 1`,
    ),
  ).map((r) => r.name);
  const [row] = rowsOf<Record<string, number>>(
    await t.db.execute(sql.raw(`select ${tables.map((n) => `(select count(*)::int from ${SCHEMA_NAME}."${n}") as "${n}"`).join(", ")}`)),
  );
  return row!;
}

/** A value is "in" an error when its text is; NaN and Infinity are type names zod may print, not values. */
const leaks = (e: unknown, bad: unknown) => typeof bad === "string" && exposed(e).includes(bad);

describe("bad-input matrix: every public function × every bad value -> a typed error naming the field, nothing written", () => {
  const rows = cases.flatMap((c) => c.kinds.map((kind) => [`${c.fn} ${c.field} <- ${kind}`, c, kind] as const));
  it.each(rows)("%s", async (_, c, kind) => {
    const bad = BAD[kind];
    const before = await rowCounts();
    const e = await c.call(bad).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e, "must be refused").toBeInstanceOf(SharedDbError);
    expect(e).toBeInstanceOf(ValidationError);
    expect((e as ValidationError).code).toBe("validation");
    expect((e as ValidationError).field).toBe(c.field);
    expect(leaks(e, bad), "the error must not carry the value").toBe(false);
    expect(await rowCounts()).toEqual(before);
  });

  it("verifyStateParam refuses NUL, a lone surrogate, 1 MB and injection as InvalidStateError, consuming nothing", async () => {
    const store = stateStore();
    const state = await store.generateStateParam({ scopes: [] }, new Date());
    const counts = await rowCounts();
    for (const kind of ["nul", "surrogate", "megabyte", "injection"] as const) {
      const e = await store.verifyStateParam(new Date(), BAD[kind]).catch((x: unknown) => x);
      expect(e, kind).toBeInstanceOf(InvalidStateError);
      expect(leaks(e, BAD[kind])).toBe(false);
    }
    expect(await rowCounts()).toEqual(counts);
    expect(await store.verifyStateParam(new Date(), state)).toEqual({ scopes: [] });
  });

  it("free text with an SQL-injection string is stored verbatim, every table intact", async () => {
    const tables = Object.keys(await rowCounts());
    const u = await stores.createUser(t.db, { email: "bobby@example.com", fullName: BAD.injection, bio: "Robert'); DROP TABLE shared_db.users;--" });
    expect((await stores.getUserById(t.db, { id: u.id }))!.fullName).toBe(BAD.injection);
    expect(Object.keys(await rowCounts())).toEqual(tables);
  });

  it("a sync page repeating a key is refused naming the item, not a raw 21000", async () => {
    const counts = await rowCounts();
    const dupTs = await stores
      .syncMessages(t.db, { channelId: ctx.channelId, messages: [message({}), message({ text: "again" })] })
      .catch((x: unknown) => x);
    expect(dupTs).toMatchObject({ code: "validation", field: "messages.1.ts" });
    const dupChannel = await stores
      .syncChannels(t.db, { workspaceId: ctx.workspaceId, channels: [{ id: "C0DUP" }, { id: "C0DUP" }] })
      .catch((x: unknown) => x);
    expect(dupChannel).toMatchObject({ code: "validation", field: "channels.1.id" });
    const farTs = await stores
      .syncMessages(t.db, { channelId: ctx.channelId, messages: [message({ ts: "999999999999.999999999" })] })
      .catch((x: unknown) => x);
    expect(farTs).toMatchObject({ code: "validation", field: "messages.0.ts" });
    expect(await rowCounts()).toEqual(counts);
  });

  it("withRls refuses an unknown role and claims Postgres cannot store as RlsContextError naming the field, nothing written", async () => {
    const counts = await rowCounts();
    const unknownRole = await withRls(t.db, { userId: ctx.userId, role: "no_such_role_here" }, (tx) =>
      stores.appendAudit(tx, { actorId: ctx.userId, action: "a", entityType: "e" }),
    ).catch((x: unknown) => x);
    expect(unknownRole).toBeInstanceOf(RlsContextError);
    expect(unknownRole).toMatchObject({ code: "rls_context" });
    for (const kind of ["nul", "surrogate"] as const) {
      const e = await withRls(t.db, { userId: ctx.userId, claims: { org: { name: BAD[kind] } } }, async () => "ran").catch((x: unknown) => x);
      expect(e, kind).toBeInstanceOf(RlsContextError);
      expect(e).toMatchObject({ code: "rls_context", field: "claims.org.name" });
      expect(leaks(e, BAD[kind])).toBe(false);
    }
    for (const kind of ["nonUuid", "injection", "nul"] as const) {
      const e = await withRls(t.db, { userId: BAD[kind] }, async () => "ran").catch((x: unknown) => x);
      expect(e).toMatchObject({ code: "rls_context", field: "userId" });
    }
    expect(await rowCounts()).toEqual(counts);
  });
});
