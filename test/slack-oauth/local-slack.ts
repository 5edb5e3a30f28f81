import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/**
 * A Slack Web API on 127.0.0.1 whose answers may be late or never come: `answer` returns the
 * JSON body, or a promise of it (one that never settles models a Slack API that never answers).
 */
export interface LocalSlack {
  apiUrl: string;
  /** Refresh calls received (grant_type=refresh_token), in order. */
  refreshes: Record<string, string>[];
  answer: (method: string, params: Record<string, string>) => unknown;
  close(): Promise<void>;
}

let counter = 0;

/** Slack's answer to a refresh grant: a new token and refresh token, 12 hours of life. */
export function refreshAnswer(params: Record<string, string>) {
  counter++;
  const user = params.refresh_token!.startsWith("xoxe-user");
  return {
    ok: true,
    token_type: user ? "user" : "bot",
    access_token: `xoxe.${user ? "xoxp" : "xoxb"}-fresh-${counter}`,
    refresh_token: `xoxe-${user ? "user-" : ""}1-next-${counter}`,
    expires_in: 43200,
  };
}

export async function startLocalSlack(answer: LocalSlack["answer"] = (_m, p) => refreshAnswer(p)): Promise<LocalSlack> {
  const sockets = new Set<Socket>();
  const slack: LocalSlack = {
    apiUrl: "",
    refreshes: [],
    answer,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    const params = Object.fromEntries(new URLSearchParams(body));
    const method = (req.url ?? "").replace(/^\/api\//, "").split("?")[0]!;
    if (params.grant_type === "refresh_token") slack.refreshes.push(params);
    const json = await slack.answer(method, params);
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify(json));
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  slack.apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`;
  return slack;
}
