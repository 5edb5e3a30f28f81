import { randomBytes } from "node:crypto";
import type { InstallURLOptions, StateStore } from "@slack/oauth";
import { eq, lt, sql } from "drizzle-orm";
import { primaryOf, type Db } from "../db";
import { ValidationError } from "../errors";
import { isPgText, parseInput, pgDate, pgJson } from "../input";
import { slackOauthStates } from "../schema/slack-oauth";

export interface SlackStateStoreOptions {
  /** The service connection. */
  db: Db;
  /** How long a state parameter stays valid. @default 600 */
  expiresInSeconds?: number;
}

/** @slack/oauth's own error class, loaded only when needed so the package works without it installed. */
async function invalidState(message: string): Promise<Error> {
  const { InvalidStateError } = await import("@slack/oauth");
  return new InvalidStateError(message);
}

/**
 * A Slack `StateStore`: a random 256-bit state per install attempt, stored with its
 * InstallURLOptions, consumed atomically (`DELETE ... RETURNING`), so it verifies once.
 *
 * @example
 * new App({ ..., installerOptions: { stateStore: createSlackStateStore({ db }) } });
 */
export function createSlackStateStore(options: SlackStateStoreOptions): StateStore {
  // A state is read right after it is written, in another request: the primary has it, a replica may not yet.
  const db = primaryOf(options.db);
  const ttl = options.expiresInSeconds ?? 600;
  if (!Number.isInteger(ttl) || ttl <= 0) throw new ValidationError("expiresInSeconds", "must be a positive whole number of seconds");
  return {
    async generateStateParam(installOptions: InstallURLOptions, now: Date): Promise<string> {
      const at = parseInput(pgDate(), now, "now");
      parseInput(pgJson(), installOptions, "installOptions");
      const state = randomBytes(32).toString("base64url");
      await db.transaction(async (tx) => {
        // Expired states are purged as new ones are made (indexed on expires_at).
        await tx.delete(slackOauthStates).where(lt(slackOauthStates.expiresAt, sql`now()`));
        await tx.insert(slackOauthStates).values({ state, installOptions, expiresAt: new Date(at.getTime() + ttl * 1000) });
      });
      return state;
    },
    async verifyStateParam(now: Date, state: string): Promise<InstallURLOptions> {
      // A state the store cannot have made (it comes from the callback URL) is unknown: no query.
      if (typeof state !== "string" || state.length === 0 || state.length > 1024 || !isPgText(state)) {
        throw await invalidState("The state parameter is unknown or was already used");
      }
      const [row] = await db
        .delete(slackOauthStates)
        .where(eq(slackOauthStates.state, state))
        .returning({ installOptions: slackOauthStates.installOptions, expiresAt: slackOauthStates.expiresAt });
      if (!row) throw await invalidState("The state parameter is unknown or was already used");
      if (!(row.expiresAt.getTime() >= now.getTime())) throw await invalidState("The state parameter has expired");
      return row.installOptions as InstallURLOptions;
    },
  };
}
