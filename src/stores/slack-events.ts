import { z } from "zod";
import { parseInput, pgText } from "../input";
import type { SlackInstallationStore } from "./slack-installation-store";

const slackIds = z.array(pgText().max(255)).max(10_000).optional();
const revokedEvent = z.looseObject({ tokens: z.looseObject({ oauth: slackIds, bot: slackIds }).optional() });

/** The part of a Bolt `App` the handlers need (so shared-db does not depend on Bolt). */
export interface EventRegistrar {
  event(name: string, listener: (args: { event: unknown; context: Record<string, unknown> }) => Promise<void>): unknown;
}

/**
 * Deletes installations when Slack says so; Bolt never does it itself. Registers listeners for
 * `app_uninstalled` (everything of the workspace or org goes) and `tokens_revoked` (the revoked
 * users' tokens, and the bot token if it was revoked). Slack sends both on uninstall; deleting
 * twice is fine.
 *
 * @example
 * registerSlackUninstallHandlers(app, installationStore);
 */
export function registerSlackUninstallHandlers(app: EventRegistrar, store: SlackInstallationStore): void {
  const queryOf = (context: Record<string, unknown>) => {
    const isEnterpriseInstall = context.isEnterpriseInstall === true;
    return {
      isEnterpriseInstall,
      enterpriseId: (context.enterpriseId as string | undefined) ?? undefined,
      teamId: isEnterpriseInstall ? undefined : (context.teamId as string | undefined),
    } as Parameters<SlackInstallationStore["deleteAll"]>[0];
  };
  app.event("app_uninstalled", async ({ context }) => {
    await store.deleteAll(queryOf(context));
  });
  app.event("tokens_revoked", async ({ event, context }) => {
    const tokens = parseInput(revokedEvent, event, "event").tokens ?? {};
    const query = queryOf(context);
    for (const userId of tokens.oauth ?? []) await store.deleteInstallation({ ...query, userId });
    if ((tokens.bot ?? []).length > 0) await store.deleteBot(query);
  });
}
