import type postgres from "postgres";
import type { Tx } from "./db";

/**
 * The postgres.js connection a Drizzle transaction runs on, so a bulk write can COPY on it inside
 * the same transaction; undefined for other drivers (PGlite, node-postgres), which take the
 * set-based SQL path instead.
 */
export function postgresJsClientOf(tx: Tx): postgres.Sql | undefined {
  const client = (tx as unknown as { session?: { client?: unknown } }).session?.client;
  return typeof (client as { unsafe?: unknown } | undefined)?.unsafe === "function" ? (client as postgres.Sql) : undefined;
}

/** COPY text format escapes backslash, tab, newline and carriage return; NULL is `\N`. */
const escapeText = (s: string) => (/[\\\t\n\r]/.test(s) ? s.replace(/[\\\t\n\r]/g, (c) => (c === "\\" ? "\\\\" : c === "\t" ? "\\t" : c === "\n" ? "\\n" : "\\r")) : s);

/** Text the server would refuse (NUL, a lone surrogate, in text or as a JSON escape). */
const refused = (s: string) => /\0|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]|\\u(0000|d[89a-f])/i.test(s);

/**
 * One value as a COPY text-format field for a column of `type` (`jsonb`, `text[]`, `uuid`...),
 * or undefined when the server would refuse it: the caller then takes its SQL path, so the
 * server reports the error there. (A COPY that fails after its last row leaves postgres.js
 * waiting; refusing such input beforehand means a COPY never fails on data.)
 */
export function copyField(value: unknown, type: string): string | undefined {
  if (value === null || value === undefined) return "\\N";
  let text: string;
  if (type === "jsonb" || type === "json") text = JSON.stringify(value);
  else if (type.endsWith("[]")) text = `{${(value as unknown[]).map((v) => `"${String(v).replace(/[\\"]/g, "\\$&")}"`).join(",")}}`;
  else if (typeof value === "boolean") return value ? "t" : "f";
  else text = String(value);
  return refused(text) ? undefined : escapeText(text);
}

/**
 * The rows as COPY text for `columns` (name -> type), or undefined if one value cannot go
 * through COPY unchanged (see copyField).
 */
export function copyText(columns: Readonly<Record<string, string>>, rows: readonly Record<string, unknown>[]): string | undefined {
  const entries = Object.entries(columns);
  const lines: string[] = [];
  for (const row of rows) {
    const fields: string[] = [];
    for (const [name, type] of entries) {
      const field = copyField(row[name], type);
      if (field === undefined) return undefined;
      fields.push(field);
    }
    lines.push(fields.join("\t"));
  }
  return `${lines.join("\n")}\n`;
}

/** COPYs text made by copyText into `table` (columns in the same order) on a postgres.js connection. */
export async function copyInto(client: postgres.Sql, table: string, columns: Readonly<Record<string, string>>, text: string): Promise<void> {
  const stream = await client.unsafe(`copy ${table} (${Object.keys(columns).join(", ")}) from stdin`).writable();
  await new Promise<void>((resolve, reject) => {
    stream.on("error", reject);
    stream.end(text, () => resolve());
  });
}
