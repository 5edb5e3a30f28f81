// `shared-db/slack`: the Slack Bolt adapters, the only entry point that needs @slack/oauth.
export {
  createSlackInstallationStore,
  SlackInstallationNotFoundError,
  SlackTokenRefreshError,
  type SlackInstallationStore,
  type SlackInstallationStoreOptions,
  type SlackTokenRotationOptions,
} from "../stores/slack-installation-store";
export type { SlackInstallationQuery } from "../stores/slack-installation-rows";
export type { SlackInstallationSummary, ExpiringSlackToken } from "../stores/slack-installation-queries";
export type { SlackInstallationCacheOptions } from "../stores/slack-installation-cache";
export { createSlackStateStore, type SlackStateStoreOptions } from "../stores/slack-state-store";
export { registerSlackUninstallHandlers, type EventRegistrar } from "../stores/slack-events";
export {
  importSlackInstallations,
  importSlackInstallationsInput,
  type ImportSlackInstallationsInput,
  type ImportSlackInstallationsResult,
  type SkippedSlackInstallation,
} from "../stores/slack-installation-import";
