import { InvalidStateError } from "@slack/oauth";
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { createKeyring, generateKey } from "../../src/crypto";
import { rowsOf } from "../../src/db";
import { SharedDbError, ValidationError } from "../../src/errors";
import { SCHEMA_NAME } from "../../src/schema/namespace";
import * as stores from "../../src/stores";
import { createSlackStateStore } from "../../src/slack";
import { makeUser, useTestDb } from "../support/db";

/** The bad values of the matrix; every one must be refused with a typed error naming the field. */
const BAD = {
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

interface Case {
  /** function and field, e.g. `createUser fullName` */
  fn: string;
  field: string;
  kinds: Kind[];
  call: (bad: unknown) => Promise<unknown>;
}

const t = useTestDb();
const keyring = createKeyring({ keys: [generateKey()] });
const ctx = {} as { userId: string; workspaceId: string; channelId: string; analysisId: string; integrationId: string };

beforeAll(async () => {
  const user = await makeUser(t.db, "matrix");
  const team = await stores.createTeam(t.db, { actorId: user.id, name: "Matrix team" });
  const ws = await stores.upsertSlackWorkspace(t.db, { teamId: team.id, slackId: "T0MATRIX", name: "Matrix" });
  await stores.syncChannels(t.db, { workspaceId: ws.id, channels: [{ id: "C0MATRIX", name: "general" }] });
  const [channel] = rowsOf<{ id: string }>(await t.db.execute(sql`select id from shared_db.slack_channels where slack_id = 'C0MATRIX'`));
  const analysis = await stores.createAnalysis(t.db, {
    workspaceId: ws.id, name: "A", startDate: new Date("2024-01-01"), endDate: new Date("2024-02-01"), channelIds: [channel!.id],
  });
  const integration = await stores.createCustomIntegration(t.db, {
    userId: user.id, name: "matrix_api", displayName: "Matrix", authType: "api_key", baseUrl: "https://api.example.com",
  });
  Object.assign(ctx, { userId: user.id, workspaceId: ws.id, channelId: channel!.id, analysisId: analysis.id, integrationId: integration.id });
}, 120_000);

const user = () => ({ email: "matrix-new@example.com" });
const analysisInput = () => ({
  workspaceId: ctx.workspaceId, name: "B", startDate: new Date("2024-01-01"), endDate: new Date("2024-02-01"), channelIds: [ctx.channelId],
});
const integrationInput = () => ({
  userId: ctx.userId, name: "other_api", displayName: "Other", authType: "api_key" as const, baseUrl: "https://api.example.com",
});
const credential = () => ({ userId: ctx.userId, integrationId: ctx.integrationId, credentialType: "api_key" as const });
const message = (over: Record<string, unknown>) => ({ type: "message", user: "U0MATRIX", ts: "1700000000.000100", text: "hi", ...over });
const stateStore = () => createSlackStateStore({ db: t.db });

const cases: Case[] = [
  // users
  ...(["fullName", "bio", "googleId", "passwordHash"] as const).map((f) => ({ fn: "createUser", field: f, kinds: TEXT, call: (v: unknown) => stores.createUser(t.db, { ...user(), [f]: v }) })),
  { fn: "createUser", field: "email", kinds: [...TEXT, "injection"], call: (v) => stores.createUser(t.db, { email: v as string }) },
  { fn: "createUser", field: "avatarUrl", kinds: TEXT, call: (v) => stores.createUser(t.db, { ...user(), avatarUrl: `https://x.example/${v as string}` }) },
  { fn: "getUserById", field: "id", kinds: ID, call: (v) => stores.getUserById(t.db, v as string) },
  { fn: "getUserByEmail", field: "email", kinds: [...TEXT, "injection"], call: (v) => stores.getUserByEmail(t.db, v as string) },
  { fn: "updateProfile", field: "id", kinds: ID, call: (v) => stores.updateProfile(t.db, v as string, { bio: "x" }) },
  { fn: "updateProfile", field: "fullName", kinds: TEXT, call: (v) => stores.updateProfile(t.db, ctx.userId, { fullName: v as string }) },
  { fn: "recordLogin", field: "id", kinds: ID, call: (v) => stores.recordLogin(t.db, v as string) },
  { fn: "deactivateUser", field: "id", kinds: ID, call: (v) => stores.deactivateUser(t.db, v as string) },
  // audit
  { fn: "appendAudit", field: "actorId", kinds: ID, call: (v) => stores.appendAudit(t.db, { actorId: v as string, action: "a", entityType: "e" }) },
  ...(["action", "entityType", "entityId"] as const).map((f) => ({
    fn: "appendAudit", field: f, kinds: TEXT, call: (v: unknown) => stores.appendAudit(t.db, { actorId: ctx.userId, action: "a", entityType: "e", [f]: v }),
  })),
  { fn: "appendAudit", field: "details.note", kinds: ["nul", "surrogate"], call: (v) => stores.appendAudit(t.db, { actorId: ctx.userId, action: "a", entityType: "e", details: { note: v } }) },
  { fn: "listAudit", field: "before", kinds: DATE, call: (v) => stores.listAudit(t.db, { before: v as Date }) },
  { fn: "listAudit", field: "limit", kinds: NUMBER, call: (v) => stores.listAudit(t.db, { limit: v as number }) },
  { fn: "listAudit", field: "entityType", kinds: TEXT, call: (v) => stores.listAudit(t.db, { entityType: v as string }) },
  { fn: "listAudit", field: "actorId", kinds: ID, call: (v) => stores.listAudit(t.db, { actorId: v as string }) },
  // custom integrations
  { fn: "listCustomIntegrations", field: "userId", kinds: ID, call: (v) => stores.listCustomIntegrations(t.db, v as string) },
  ...(["displayName", "description", "baseUrl", "authPrefix"] as const).map((f) => ({
    fn: "createCustomIntegration", field: f, kinds: TEXT, call: (v: unknown) => stores.createCustomIntegration(t.db, { ...integrationInput(), [f]: f === "baseUrl" ? `https://api.example.com/${v as string}` : v }),
  })),
  { fn: "createCustomIntegration", field: "authType", kinds: ENUM, call: (v) => stores.createCustomIntegration(t.db, { ...integrationInput(), authType: v as "oauth" }) },
  { fn: "createCustomIntegration", field: "actions.0.endpoint", kinds: TEXT, call: (v) => stores.createCustomIntegration(t.db, { ...integrationInput(), actions: [{ actionId: "a", actionName: "A", httpMethod: "GET", endpoint: `/${v as string}` }] }) },
  { fn: "createCustomIntegration", field: "actions.0.httpMethod", kinds: ENUM, call: (v) => stores.createCustomIntegration(t.db, { ...integrationInput(), actions: [{ actionId: "a", actionName: "A", httpMethod: v as "GET", endpoint: "/x" }] }) },
  { fn: "createCustomIntegration", field: "oauthConfig.scope", kinds: ["nul", "surrogate"], call: (v) => stores.createCustomIntegration(t.db, { ...integrationInput(), oauthConfig: { scope: v } }) },
  { fn: "getCustomIntegration", field: "integrationId", kinds: ID, call: (v) => stores.getCustomIntegration(t.db, { userId: ctx.userId, integrationId: v as string }) },
  { fn: "updateCustomIntegration", field: "patch.displayName", kinds: TEXT, call: (v) => stores.updateCustomIntegration(t.db, { userId: ctx.userId, integrationId: ctx.integrationId, patch: { displayName: v as string } }) },
  { fn: "deleteCustomIntegration", field: "userId", kinds: ID, call: (v) => stores.deleteCustomIntegration(t.db, { userId: v as string, integrationId: ctx.integrationId }) },
  { fn: "storeCustomCredential", field: "value", kinds: TEXT, call: (v) => stores.storeCustomCredential(t.db, keyring, { ...credential(), value: v as string }) },
  { fn: "storeCustomCredential", field: "credentialType", kinds: ENUM, call: (v) => stores.storeCustomCredential(t.db, keyring, { ...credential(), credentialType: v as "api_key", value: "k" }) },
  { fn: "storeCustomCredential", field: "tokenExpiresAt", kinds: DATE, call: (v) => stores.storeCustomCredential(t.db, keyring, { ...credential(), value: "k", tokenExpiresAt: v as Date }) },
  { fn: "markCustomCredential", field: "integrationId", kinds: ID, call: (v) => stores.markCustomCredential(t.db, { ...credential(), integrationId: v as string }, true) },
  { fn: "revealCustomCredential", field: "credentialType", kinds: ENUM, call: (v) => stores.revealCustomCredential(t.db, keyring, { ...credential(), credentialType: v as "api_key" }) },
  // slack analysis
  ...(["name", "description", "llmModel"] as const).map((f) => ({ fn: "createAnalysis", field: f, kinds: TEXT, call: (v: unknown) => stores.createAnalysis(t.db, { ...analysisInput(), [f]: v }) })),
  { fn: "createAnalysis", field: "startDate", kinds: DATE, call: (v) => stores.createAnalysis(t.db, { ...analysisInput(), startDate: v as Date }) },
  { fn: "createAnalysis", field: "channelIds.0", kinds: ID, call: (v) => stores.createAnalysis(t.db, { ...analysisInput(), channelIds: [v as string] }) },
  { fn: "createAnalysis", field: "scheduleFrequency", kinds: ENUM, call: (v) => stores.createAnalysis(t.db, { ...analysisInput(), scheduleFrequency: v as "daily" }) },
  { fn: "setAnalysisStatus", field: "status", kinds: ENUM, call: (v) => stores.setAnalysisStatus(t.db, { analysisId: ctx.analysisId, status: v as "running" }) },
  { fn: "setAnalysisStatus", field: "progress", kinds: NUMBER, call: (v) => stores.setAnalysisStatus(t.db, { analysisId: ctx.analysisId, status: "running", progress: v as number }) },
  { fn: "setAnalysisStatus", field: "errorMessage", kinds: TEXT, call: (v) => stores.setAnalysisStatus(t.db, { analysisId: ctx.analysisId, status: "failed", errorMessage: v as string }) },
  { fn: "dueScheduledAnalyses", field: "now", kinds: DATE, call: (v) => stores.dueScheduledAnalyses(t.db, v as Date) },
  { fn: "computeContributions", field: "analysisId", kinds: ID, call: (v) => stores.computeContributions(t.db, v as string) },
  { fn: "writeContributionScores", field: "totalScore", kinds: NUMBER, call: (v) => stores.writeContributionScores(t.db, { analysisId: ctx.analysisId, userId: ctx.userId, channelId: ctx.channelId, totalScore: v as number }) },
  { fn: "writeContributionScores", field: "insights", kinds: TEXT, call: (v) => stores.writeContributionScores(t.db, { analysisId: ctx.analysisId, userId: ctx.userId, channelId: ctx.channelId, insights: v as string }) },
  { fn: "saveChannelAnalysis", field: "messageCount", kinds: NUMBER, call: (v) => stores.saveChannelAnalysis(t.db, { analysisId: ctx.analysisId, channelId: ctx.channelId, messageCount: v as number, rawResponse: {} }) },
  { fn: "saveChannelAnalysis", field: "channelSummary", kinds: TEXT, call: (v) => stores.saveChannelAnalysis(t.db, { analysisId: ctx.analysisId, channelId: ctx.channelId, channelSummary: v as string, rawResponse: {} }) },
  { fn: "saveChannelAnalysis", field: "rawResponse.choices.0", kinds: ["nul", "surrogate"], call: (v) => stores.saveChannelAnalysis(t.db, { analysisId: ctx.analysisId, channelId: ctx.channelId, rawResponse: { choices: [v] } }) },
  { fn: "saveChannelAnalysis", field: "status", kinds: ENUM, call: (v) => stores.saveChannelAnalysis(t.db, { analysisId: ctx.analysisId, channelId: ctx.channelId, status: v as "completed", rawResponse: {} }) },
  { fn: "channelMessages", field: "from", kinds: DATE, call: (v) => stores.channelMessages(t.db, { channelId: ctx.channelId, from: v as Date, to: new Date() }) },
  { fn: "channelMessages", field: "limit", kinds: NUMBER, call: (v) => stores.channelMessages(t.db, { channelId: ctx.channelId, from: new Date(0), to: new Date(), limit: v as number }) },
  { fn: "threadWithReplies", field: "threadTs", kinds: [...TEXT, "injection"], call: (v) => stores.threadWithReplies(t.db, { channelId: ctx.channelId, threadTs: v as string }) },
  { fn: "contributionLeaderboard", field: "analysisId", kinds: ID, call: (v) => stores.contributionLeaderboard(t.db, v as string) },
  { fn: "contributionLeaderboard", field: "limit", kinds: NUMBER, call: (v) => stores.contributionLeaderboard(t.db, ctx.analysisId, v as number) },
  // slack sync
  { fn: "syncChannels", field: "channels.0.name", kinds: TEXT, call: (v) => stores.syncChannels(t.db, { workspaceId: ctx.workspaceId, channels: [{ id: "C0NEW", name: v }] }) },
  { fn: "syncChannels", field: "channels.0.num_members", kinds: NUMBER, call: (v) => stores.syncChannels(t.db, { workspaceId: ctx.workspaceId, channels: [{ id: "C0NEW", num_members: v }] }) },
  { fn: "syncChannels", field: "channels.0.id", kinds: ["nul", "injection", "megabyte"], call: (v) => stores.syncChannels(t.db, { workspaceId: ctx.workspaceId, channels: [{ id: v }] }) },
  { fn: "syncChannels", field: "workspaceId", kinds: ID, call: (v) => stores.syncChannels(t.db, { workspaceId: v as string, channels: [] }) },
  { fn: "syncUsers", field: "members.0.profile.title", kinds: TEXT, call: (v) => stores.syncUsers(t.db, { workspaceId: ctx.workspaceId, members: [{ id: "U0NEW", profile: { title: v } }] }) },
  { fn: "syncUsers", field: "members.0.tz_offset", kinds: NUMBER, call: (v) => stores.syncUsers(t.db, { workspaceId: ctx.workspaceId, members: [{ id: "U0NEW", tz_offset: v }] }) },
  { fn: "syncMessages", field: "messages.0.text", kinds: TEXT, call: (v) => stores.syncMessages(t.db, { channelId: ctx.channelId, messages: [message({ text: v })] }) },
  { fn: "syncMessages", field: "messages.0.ts", kinds: ["nul", "injection", "megabyte"], call: (v) => stores.syncMessages(t.db, { channelId: ctx.channelId, messages: [message({ ts: v })] }) },
  { fn: "syncMessages", field: "messages.0.reply_count", kinds: NUMBER, call: (v) => stores.syncMessages(t.db, { channelId: ctx.channelId, messages: [message({ reply_count: v })] }) },
  { fn: "syncMessages", field: "messages.0.files.0.name", kinds: ["nul", "surrogate"], call: (v) => stores.syncMessages(t.db, { channelId: ctx.channelId, messages: [message({ files: [{ name: v }] })] }) },
  // slack state store
  { fn: "generateStateParam", field: "now", kinds: DATE, call: (v) => stateStore().generateStateParam({ scopes: [] }, v as Date) },
  { fn: "generateStateParam", field: "installOptions.metadata", kinds: ["nul", "surrogate"], call: (v) => stateStore().generateStateParam({ scopes: [], metadata: v as string }, new Date()) },
];

/** Every table's row count, in one statement. */
async function rowCounts(): Promise<Record<string, number>> {
  const tables = rowsOf<{ name: string }>(
    await t.db.execute(sql`select relname as name from pg_class where relnamespace = to_regnamespace(${SCHEMA_NAME}) and relkind in ('r', 'p') order by 1`),
  ).map((r) => r.name);
  const [row] = rowsOf<Record<string, number>>(
    await t.db.execute(sql.raw(`select ${tables.map((n) => `(select count(*)::int from ${SCHEMA_NAME}."${n}") as "${n}"`).join(", ")}`)),
  );
  return row!;
}

/** Every string an error exposes: its message, own properties and causes, recursively. */
function exposed(e: unknown, depth = 0): string {
  if (!e || typeof e !== "object" || depth > 5) return String(e);
  const parts = [(e as Error).message ?? ""];
  for (const key of Object.getOwnPropertyNames(e)) {
    if (key === "stack") continue;
    const v = (e as Record<string, unknown>)[key];
    parts.push(v && typeof v === "object" ? (v instanceof Error ? exposed(v, depth + 1) : JSON.stringify(v)) : String(v));
  }
  return parts.join("\n");
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
    expect((await stores.getUserById(t.db, u.id))!.fullName).toBe(BAD.injection);
    expect(Object.keys(await rowCounts())).toEqual(tables);
  });

  it("a sync page repeating a key is refused naming the item, not a raw 21000", async () => {
    const counts = await rowCounts();
    const dupTs = await stores.syncMessages(t.db, { channelId: ctx.channelId, messages: [message({}), message({ text: "again" })] }).catch((x: unknown) => x);
    expect(dupTs).toMatchObject({ code: "validation", field: "messages.1.ts" });
    const dupChannel = await stores.syncChannels(t.db, { workspaceId: ctx.workspaceId, channels: [{ id: "C0DUP" }, { id: "C0DUP" }] }).catch((x: unknown) => x);
    expect(dupChannel).toMatchObject({ code: "validation", field: "channels.1.id" });
    const farTs = await stores.syncMessages(t.db, { channelId: ctx.channelId, messages: [message({ ts: "999999999999.999999999" })] }).catch((x: unknown) => x);
    expect(farTs).toMatchObject({ code: "validation", field: "messages.0.ts" });
    expect(await rowCounts()).toEqual(counts);
  });

  describe("functions whose stores are being changed in parallel (issue 17 follow-up)", () => {
    for (const name of [
      "createTeam", "updateTeam", "listMyTeams", "getTeamBySlug", "inviteMember", "acceptInvitation", "changeMemberRole", "removeMember", "requireTeamRole",
      "createIntegration", "updateIntegrationStatus", "recordIntegrationUse", "storeIntegrationCredential", "revealCredential", "shareIntegration",
      "revokeShare", "listSharedWithTeam", "listIntegrationsForUser", "upsertServiceResource", "grantResourceAccess",
      "createProject", "transitionProject", "acceptTerms", "transitionMilestone", "recordTransaction", "getEscrowBalance", "releaseFunds",
      "rotateSecrets", "countSecretsByKey",
      "installationStore.storeInstallation", "installationStore.fetchInstallation", "installationStore.deleteInstallation",
      "installationStore.listInstallations (cursor 'abc')", "installationStore.findExpiringTokens (Infinity)",
      "createInstallationCache", "registerSlackUninstallHandlers", "upsertSlackWorkspace", "withRls (unknown role, claims with NUL)",
    ]) {
      it.todo(`${name} × the bad values`);
    }
  });
});
