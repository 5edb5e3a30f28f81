import { ValidationError } from "../errors";
import type { CustomIntegration, CustomIntegrationAction } from "../schema/custom-integrations";

type RequestIntegration = Pick<CustomIntegration, "baseUrl" | "authHeader" | "authPrefix">;
type RequestAction = Pick<CustomIntegrationAction, "httpMethod" | "endpoint">;

/**
 * Builds the HTTP request for an action: base URL + endpoint with `{name}` path parameters filled
 * and encoded, the credential in the integration's auth header, the other parameters as the JSON
 * body (POST, PUT, PATCH) or the query string. Refuses any URL that would leave the base URL's
 * origin or path (`..`, encoded dots, `//host`, backslashes).
 *
 * @example
 * const request = buildActionRequest(integration, action, apiKey, { id: 42 });
 * const response = await fetch(request);
 */
export function buildActionRequest(
  integration: RequestIntegration,
  action: RequestAction,
  credential: string | undefined,
  params: Record<string, unknown> = {},
): Request {
  const base = new URL(integration.baseUrl);
  const rest = { ...params };
  const path = action.endpoint.replace(/\{([A-Za-z0-9_]+)\}/g, (_, name: string) => {
    if (!(name in rest) || rest[name] === undefined || rest[name] === null) throw new ValidationError(`params.${name}`, "is required by the endpoint");
    const value = String(rest[name]);
    delete rest[name];
    if (value === "" || value === "." || value === "..") throw new ValidationError(`params.${name}`, "must not be empty, '.' or '..'");
    return encodeURIComponent(value);
  });
  const joined = `${base.pathname.replace(/\/+$/, "")}${path}`;
  const url = new URL(joined, base.origin);
  // The URL parser resolves dot segments and backslashes; if it changed anything, refuse.
  if (url.origin !== base.origin || url.pathname !== joined || !url.pathname.startsWith(base.pathname.replace(/\/+$/, ""))) {
    throw new ValidationError("endpoint", "resolves outside the integration's base URL");
  }
  const method = action.httpMethod;
  const headers = new Headers({ accept: "application/json" });
  if (credential !== undefined) {
    if (/[\r\n]/.test(credential)) throw new ValidationError("credential", "must be one line");
    headers.set(integration.authHeader, integration.authPrefix ? `${integration.authPrefix} ${credential}` : credential);
  }
  const hasBody = method === "POST" || method === "PUT" || method === "PATCH";
  if (hasBody) headers.set("content-type", "application/json");
  else for (const [k, v] of Object.entries(rest)) if (v !== undefined) url.searchParams.append(k, String(v));
  return new Request(url, { method, headers, body: hasBody ? JSON.stringify(rest) : undefined });
}
