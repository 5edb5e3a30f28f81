import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Installation } from "@slack/oauth";

/** A real HTTP server on 127.0.0.1 standing in for Slack's Web API. */
export interface FakeSlack {
  /** For the SDK's `slackApiUrl` (ends with /api/). */
  apiUrl: string;
  /** Every call, by method name, with its form or JSON parameters. */
  calls: { method: string; params: Record<string, string> }[];
  /** Answers for a method (a promise delays the answer); the default answers oauth.v2.access (code and refresh grants) and auth.test. */
  handlers: Map<string, (params: Record<string, string>) => unknown>;
  close(): Promise<void>;
}

let counter = 0;

async function readParams(req: IncomingMessage): Promise<Record<string, string>> {
  let body = "";
  for await (const chunk of req) body += chunk;
  const auth = req.headers.authorization;
  const params: Record<string, string> = {};
  if (auth?.startsWith("Basic ")) {
    const [id, secret] = Buffer.from(auth.slice(6), "base64").toString().split(":");
    Object.assign(params, { client_id: id!, client_secret: secret! });
  }
  if (req.headers["content-type"]?.includes("json")) return { ...params, ...(JSON.parse(body || "{}") as Record<string, string>) };
  return { ...params, ...Object.fromEntries(new URLSearchParams(body)) };
}

export async function startFakeSlack(): Promise<FakeSlack> {
  const calls: FakeSlack["calls"] = [];
  const handlers: FakeSlack["handlers"] = new Map();
  handlers.set("oauth.v2.access", (p) => {
    if (p.grant_type === "refresh_token") {
      counter++;
      return {
        ok: true,
        token_type: p.refresh_token!.startsWith("xoxe-user") ? "user" : "bot",
        access_token: `xoxe.xoxb-refreshed-${counter}`,
        refresh_token: `xoxe-1-refresh-${counter}`,
        expires_in: 43200,
      };
    }
    return {
      ok: true,
      app_id: "A0APP",
      authed_user: { id: "U0INSTALLER", scope: "chat:write", access_token: "xoxp-user-token", token_type: "user" },
      scope: "chat:write,commands",
      token_type: "bot",
      access_token: "xoxb-bot-token",
      bot_user_id: "U0BOT",
      team: { id: "T0TEAM", name: "Team Zero" },
      enterprise: null,
      is_enterprise_install: false,
    };
  });
  handlers.set("auth.test", () => ({
    ok: true,
    url: "https://team-zero.slack.com/",
    team: "Team Zero",
    user: "bot",
    team_id: "T0TEAM",
    user_id: "U0BOT",
    bot_id: "B0BOT",
  }));

  const server: Server = createServer(async (req, res) => {
    const method = (req.url ?? "").replace(/^\/api\//, "").split("?")[0]!;
    const params = await readParams(req);
    calls.push({ method, params });
    const handler = handlers.get(method);
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify(handler ? await handler(params) : { ok: false, error: "unknown_method" }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    apiUrl: `http://127.0.0.1:${port}/api/`,
    calls,
    handlers,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** An installation of `teamId` whose rotating bot token expires in a minute: the next fetch refreshes it. */
export const expiringBotInstallation = (teamId: string, name = "Rotating"): Installation => ({
  team: { id: teamId, name },
  enterprise: undefined,
  user: { id: "U1", token: undefined, scopes: undefined },
  bot: { id: "B1", userId: "UB", token: "xoxe.xoxb-old", refreshToken: "xoxe-1-old", expiresAt: Math.floor(Date.now() / 1000) + 60, scopes: [] },
  appId: "A1",
  isEnterpriseInstall: false,
  authVersion: "v2",
});
