// Every associated data (AAD) string a stored secret is bound to, built in one place: a value
// decrypts only with the exact string it was encrypted with, so these must never change shape.

/** The associated data repositories bind a stored secret to: its table, column and (when known) row. */
export function secretAad(table: string, column: string, rowId?: string): string {
  return JSON.stringify(rowId === undefined ? [table, column] : [table, column, rowId]);
}

/** Which Slack installation (and user) a token of `slack_bots` / `slack_user_tokens` belongs to. */
export interface SlackTokenOwner {
  clientId: string;
  enterpriseId: string | null;
  teamId: string | null;
  userId?: string | null;
}

type SlackTokenTable = "slack_bots" | "slack_user_tokens" | "slack_installations";

/**
 * A Slack installation token: bound to its table, column and installation (and user), not to a row id.
 * `secretAad(table, column, JSON.stringify([clientId, enterpriseId, teamId, userId ?? null]))`.
 */
export const slackTokenAad = (table: SlackTokenTable, column: string, key: SlackTokenOwner): string => slackTokenAads(table, key)(column);

/**
 * `slackTokenAad` for each column of one table and owner, the owner serialized once (a fetch
 * decrypts up to three values per owner). It is `secretAad`'s string: `JSON.stringify([a, b, c])`
 * is `[`, each item's JSON comma-separated, `]`.
 */
export function slackTokenAads(table: SlackTokenTable, key: SlackTokenOwner): (column: string) => string {
  const head = `[${JSON.stringify(table)},`;
  const owner = JSON.stringify(JSON.stringify([key.clientId, key.enterpriseId, key.teamId, key.userId ?? null]));
  return (column) => `${head}${JSON.stringify(column)},${owner}]`;
}

/** A secret of a `slack_installations` history row, bound to the row's id. */
export const slackInstallationHistoryAad = (column: string, rowId: string): string => secretAad("slack_installations", column, rowId);

/** A workspace token of `slack_workspaces`, bound to the row's id. */
export const slackWorkspaceTokenAad = (column: "access_token" | "refresh_token", rowId: string): string =>
  secretAad("slack_workspaces", column, rowId);

/** A team integration credential of `integration_credentials`, bound to the row's id. */
export const integrationCredentialAad = (column: "encrypted_value" | "refresh_token", rowId: string): string =>
  secretAad("integration_credentials", column, rowId);

/** A custom integration credential of `custom_integration_credentials`, bound to the row's id. */
export const customCredentialAad = (rowId: string): string => secretAad("custom_integration_credentials", "encrypted_value", rowId);
