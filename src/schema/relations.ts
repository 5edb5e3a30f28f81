import { relations } from "drizzle-orm";
import { customIntegrationActions, customIntegrationCredentials, customIntegrations } from "./custom-integrations";
import { milestones, projects, transactions } from "./escrow";
import { integrationCredentials, integrationEvents, integrations, integrationShares, resourceAccess, serviceResources } from "./integrations";
import {
  slackAnalyses,
  slackAnalysisChannels,
  slackChannelAnalyses,
  slackChannels,
  slackContributions,
  slackMessages,
  slackReactions,
  slackUsers,
  slackWorkspaces,
} from "./slack-data";
import { teamMembers, teams } from "./teams";
import { auditLogs, userCredentials, users } from "./users";

/*
 * Drizzle relations, one per foreign key (both ends), for `db.query.<table>.findMany({ with })`.
 * They add no SQL: the constraints live in the migrations. Tenant tables join on (id, team_id),
 * as their foreign keys do.
 */

export const usersRelations = relations(users, ({ one, many }) => ({
  credentials: one(userCredentials),
  auditLogs: many(auditLogs),
  createdProjects: many(projects, { relationName: "project_creator" }),
  boughtProjects: many(projects, { relationName: "project_buyer" }),
  soldProjects: many(projects, { relationName: "project_seller" }),
  transactions: many(transactions),
  customIntegrations: many(customIntegrations),
  teamMemberships: many(teamMembers),
  createdTeams: many(teams),
  createdIntegrations: many(integrations),
  integrationSharesMade: many(integrationShares),
  resourceAccessGranted: many(resourceAccess),
  integrationEvents: many(integrationEvents),
}));

export const userCredentialsRelations = relations(userCredentials, ({ one }) => ({
  user: one(users, { fields: [userCredentials.userId], references: [users.id] }),
}));

export const auditLogsRelations = relations(auditLogs, ({ one }) => ({
  actor: one(users, { fields: [auditLogs.actorId], references: [users.id] }),
}));

export const projectsRelations = relations(projects, ({ one, many }) => ({
  creator: one(users, { fields: [projects.creatorId], references: [users.id], relationName: "project_creator" }),
  buyer: one(users, { fields: [projects.buyerId], references: [users.id], relationName: "project_buyer" }),
  seller: one(users, { fields: [projects.sellerId], references: [users.id], relationName: "project_seller" }),
  milestones: many(milestones),
  transactions: many(transactions),
}));

export const milestonesRelations = relations(milestones, ({ one, many }) => ({
  project: one(projects, { fields: [milestones.projectId, milestones.currency], references: [projects.id, projects.currency] }),
  transactions: many(transactions),
}));

export const transactionsRelations = relations(transactions, ({ one }) => ({
  user: one(users, { fields: [transactions.userId], references: [users.id] }),
  project: one(projects, { fields: [transactions.projectId, transactions.currency], references: [projects.id, projects.currency] }),
  milestone: one(milestones, { fields: [transactions.milestoneId], references: [milestones.id] }),
}));

export const customIntegrationsRelations = relations(customIntegrations, ({ one, many }) => ({
  user: one(users, { fields: [customIntegrations.userId], references: [users.id] }),
  actions: many(customIntegrationActions),
  credentials: many(customIntegrationCredentials),
}));

export const customIntegrationActionsRelations = relations(customIntegrationActions, ({ one }) => ({
  integration: one(customIntegrations, {
    fields: [customIntegrationActions.integrationId, customIntegrationActions.userId],
    references: [customIntegrations.id, customIntegrations.userId],
  }),
}));

export const customIntegrationCredentialsRelations = relations(customIntegrationCredentials, ({ one }) => ({
  integration: one(customIntegrations, {
    fields: [customIntegrationCredentials.integrationId, customIntegrationCredentials.userId],
    references: [customIntegrations.id, customIntegrations.userId],
  }),
}));

export const teamsRelations = relations(teams, ({ one, many }) => ({
  createdBy: one(users, { fields: [teams.createdByUserId], references: [users.id] }),
  members: many(teamMembers),
  integrations: many(integrations),
  integrationShares: many(integrationShares),
  resourceAccess: many(resourceAccess),
  integrationEvents: many(integrationEvents),
  slackWorkspaces: many(slackWorkspaces),
  slackChannels: many(slackChannels),
  slackUsers: many(slackUsers),
  slackMessages: many(slackMessages),
  slackReactions: many(slackReactions),
  slackAnalyses: many(slackAnalyses),
  slackAnalysisChannels: many(slackAnalysisChannels),
  slackContributions: many(slackContributions),
  slackChannelAnalyses: many(slackChannelAnalyses),
}));

export const teamMembersRelations = relations(teamMembers, ({ one }) => ({
  team: one(teams, { fields: [teamMembers.teamId], references: [teams.id] }),
  user: one(users, { fields: [teamMembers.userId], references: [users.id] }),
}));

export const integrationsRelations = relations(integrations, ({ one, many }) => ({
  ownerTeam: one(teams, { fields: [integrations.ownerTeamId], references: [teams.id] }),
  createdBy: one(users, { fields: [integrations.createdByUserId], references: [users.id] }),
  credentials: many(integrationCredentials),
  resources: many(serviceResources),
  shares: many(integrationShares),
  events: many(integrationEvents),
}));

export const integrationCredentialsRelations = relations(integrationCredentials, ({ one }) => ({
  integration: one(integrations, {
    fields: [integrationCredentials.integrationId, integrationCredentials.ownerTeamId],
    references: [integrations.id, integrations.ownerTeamId],
  }),
}));

export const serviceResourcesRelations = relations(serviceResources, ({ one, many }) => ({
  integration: one(integrations, {
    fields: [serviceResources.integrationId, serviceResources.ownerTeamId],
    references: [integrations.id, integrations.ownerTeamId],
  }),
  access: many(resourceAccess),
}));

export const integrationSharesRelations = relations(integrationShares, ({ one }) => ({
  integration: one(integrations, {
    fields: [integrationShares.integrationId, integrationShares.ownerTeamId],
    references: [integrations.id, integrations.ownerTeamId],
  }),
  team: one(teams, { fields: [integrationShares.teamId], references: [teams.id] }),
  sharedBy: one(users, { fields: [integrationShares.sharedByUserId], references: [users.id] }),
}));

export const resourceAccessRelations = relations(resourceAccess, ({ one }) => ({
  resource: one(serviceResources, {
    fields: [resourceAccess.resourceId, resourceAccess.ownerTeamId],
    references: [serviceResources.id, serviceResources.ownerTeamId],
  }),
  team: one(teams, { fields: [resourceAccess.teamId], references: [teams.id] }),
  grantedBy: one(users, { fields: [resourceAccess.grantedByUserId], references: [users.id] }),
}));

export const integrationEventsRelations = relations(integrationEvents, ({ one }) => ({
  integration: one(integrations, {
    fields: [integrationEvents.integrationId, integrationEvents.ownerTeamId],
    references: [integrations.id, integrations.ownerTeamId],
  }),
  actor: one(users, { fields: [integrationEvents.actorUserId], references: [users.id] }),
  affectedTeam: one(teams, { fields: [integrationEvents.affectedTeamId], references: [teams.id] }),
}));

export const slackWorkspacesRelations = relations(slackWorkspaces, ({ one, many }) => ({
  team: one(teams, { fields: [slackWorkspaces.teamId], references: [teams.id] }),
  channels: many(slackChannels),
  users: many(slackUsers),
  analyses: many(slackAnalyses),
}));

export const slackChannelsRelations = relations(slackChannels, ({ one, many }) => ({
  team: one(teams, { fields: [slackChannels.teamId], references: [teams.id] }),
  workspace: one(slackWorkspaces, {
    fields: [slackChannels.workspaceId, slackChannels.teamId],
    references: [slackWorkspaces.id, slackWorkspaces.teamId],
  }),
  messages: many(slackMessages),
  analysisChannels: many(slackAnalysisChannels),
  channelAnalyses: many(slackChannelAnalyses),
  contributions: many(slackContributions),
}));

export const slackUsersRelations = relations(slackUsers, ({ one, many }) => ({
  team: one(teams, { fields: [slackUsers.teamId], references: [teams.id] }),
  workspace: one(slackWorkspaces, {
    fields: [slackUsers.workspaceId, slackUsers.teamId],
    references: [slackWorkspaces.id, slackWorkspaces.teamId],
  }),
  messages: many(slackMessages),
  reactions: many(slackReactions),
  contributions: many(slackContributions),
}));

export const slackMessagesRelations = relations(slackMessages, ({ one, many }) => ({
  team: one(teams, { fields: [slackMessages.teamId], references: [teams.id] }),
  channel: one(slackChannels, {
    fields: [slackMessages.channelId, slackMessages.teamId],
    references: [slackChannels.id, slackChannels.teamId],
  }),
  user: one(slackUsers, { fields: [slackMessages.userId, slackMessages.teamId], references: [slackUsers.id, slackUsers.teamId] }),
  parent: one(slackMessages, {
    fields: [slackMessages.parentId, slackMessages.teamId],
    references: [slackMessages.id, slackMessages.teamId],
    relationName: "slack_thread",
  }),
  replies: many(slackMessages, { relationName: "slack_thread" }),
  reactions: many(slackReactions),
}));

export const slackReactionsRelations = relations(slackReactions, ({ one }) => ({
  team: one(teams, { fields: [slackReactions.teamId], references: [teams.id] }),
  message: one(slackMessages, {
    fields: [slackReactions.messageId, slackReactions.teamId],
    references: [slackMessages.id, slackMessages.teamId],
  }),
  user: one(slackUsers, { fields: [slackReactions.userId, slackReactions.teamId], references: [slackUsers.id, slackUsers.teamId] }),
}));

export const slackAnalysesRelations = relations(slackAnalyses, ({ one, many }) => ({
  team: one(teams, { fields: [slackAnalyses.teamId], references: [teams.id] }),
  workspace: one(slackWorkspaces, {
    fields: [slackAnalyses.workspaceId, slackAnalyses.teamId],
    references: [slackWorkspaces.id, slackWorkspaces.teamId],
  }),
  channels: many(slackAnalysisChannels),
  channelAnalyses: many(slackChannelAnalyses),
  contributions: many(slackContributions),
}));

export const slackAnalysisChannelsRelations = relations(slackAnalysisChannels, ({ one }) => ({
  team: one(teams, { fields: [slackAnalysisChannels.teamId], references: [teams.id] }),
  analysis: one(slackAnalyses, {
    fields: [slackAnalysisChannels.analysisId, slackAnalysisChannels.teamId],
    references: [slackAnalyses.id, slackAnalyses.teamId],
  }),
  channel: one(slackChannels, {
    fields: [slackAnalysisChannels.channelId, slackAnalysisChannels.teamId],
    references: [slackChannels.id, slackChannels.teamId],
  }),
}));

export const slackChannelAnalysesRelations = relations(slackChannelAnalyses, ({ one }) => ({
  team: one(teams, { fields: [slackChannelAnalyses.teamId], references: [teams.id] }),
  analysis: one(slackAnalyses, {
    fields: [slackChannelAnalyses.analysisId, slackChannelAnalyses.teamId],
    references: [slackAnalyses.id, slackAnalyses.teamId],
  }),
  channel: one(slackChannels, {
    fields: [slackChannelAnalyses.channelId, slackChannelAnalyses.teamId],
    references: [slackChannels.id, slackChannels.teamId],
  }),
}));

export const slackContributionsRelations = relations(slackContributions, ({ one }) => ({
  team: one(teams, { fields: [slackContributions.teamId], references: [teams.id] }),
  analysis: one(slackAnalyses, {
    fields: [slackContributions.analysisId, slackContributions.teamId],
    references: [slackAnalyses.id, slackAnalyses.teamId],
  }),
  user: one(slackUsers, {
    fields: [slackContributions.userId, slackContributions.teamId],
    references: [slackUsers.id, slackUsers.teamId],
  }),
  channel: one(slackChannels, {
    fields: [slackContributions.channelId, slackContributions.teamId],
    references: [slackChannels.id, slackChannels.teamId],
  }),
}));
