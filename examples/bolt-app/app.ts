/**
 * A Slack Bolt app whose installations, tokens and OAuth states live in shared-db.
 * The two stores are the whole integration: one line each in the App's options.
 */
import { App, LogLevel } from "@slack/bolt";
import type { Db } from "shared-db";
import type { Keyring } from "shared-db/crypto";
import { createSlackInstallationStore, createSlackStateStore, registerSlackUninstallHandlers } from "shared-db/slack";

export interface BoltAppOptions {
  db: Db;
  keyring: Keyring;
  clientId: string;
  clientSecret: string;
  signingSecret: string;
  /** Slack's Web API; tests point it at a local server. @default "https://slack.com/api/" */
  slackApiUrl?: string;
  /** Refresh rotating tokens through shared-db's lock. */
  tokenRotation?: boolean;
  /** Called with the bot token of every `app_mention` (what a real app would use to reply). */
  onMention?: (botToken: string | undefined, teamId: string | undefined) => void;
}

export function createBoltApp(o: BoltAppOptions): App {
  const clientOptions = o.slackApiUrl ? { slackApiUrl: o.slackApiUrl } : undefined;
  const installationStore = createSlackInstallationStore({
    db: o.db,
    keyring: o.keyring,
    clientId: o.clientId,
    tokenRotation: o.tokenRotation ? { clientSecret: o.clientSecret, slackApiUrl: o.slackApiUrl } : undefined,
  });
  const app = new App({
    signingSecret: o.signingSecret,
    clientId: o.clientId,
    clientSecret: o.clientSecret,
    stateSecret: "unused-with-a-state-store",
    scopes: ["chat:write", "app_mentions:read"],
    installationStore,
    installerOptions: { directInstall: true, stateStore: createSlackStateStore({ db: o.db }), clientOptions },
    clientOptions,
    logLevel: LogLevel.ERROR,
  });
  registerSlackUninstallHandlers(app, installationStore);
  app.event("app_mention", async ({ context }) => {
    o.onMention?.(context.botToken, context.teamId);
  });
  return app;
}
