/** Every string an error exposes: its message, own properties and causes, recursively (stack aside). */
export function exposed(e: unknown, depth = 0): string {
  if (!e || typeof e !== "object" || depth > 5) return String(e);
  const parts = [(e as Error).message ?? ""];
  for (const key of Object.getOwnPropertyNames(e)) {
    if (key === "stack") continue;
    const v = (e as Record<string, unknown>)[key];
    parts.push(v && typeof v === "object" ? (v instanceof Error ? exposed(v, depth + 1) : JSON.stringify(v)) : String(v));
  }
  return parts.join("\n");
}

/** The error `p` rejects with, or undefined when it resolves. */
export const caught = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );
