import { z, type ZodType } from "zod";
import type { Keyring } from "./crypto/keyring";
import { ValidationError } from "./errors";

// The zod building blocks every input schema is made of: one definition each.

/** A UUID, as every id in the schema is. */
export const uuid = () => z.uuid();

/** A keyring passed inside an input (functions that encrypt or decrypt take it as `input.keyring`). */
export const keyring = () =>
  z.custom<Keyring>((v) => typeof (v as Keyring | null)?.encrypt === "function" && typeof (v as Keyring).decrypt === "function", "must be a Keyring");

/** A function passed inside an input (a callback such as `onProgress`). */
export const callback = <F extends (...args: never[]) => unknown>() => z.custom<F>((v) => typeof v === "function", "must be a function");

/** The values of a Drizzle `pgEnum` (or a column declared with `enum`), so each value is written once: in the schema. */
export const enumOf = <const T extends readonly [string, ...string[]]>(e: { enumValues: T }) => z.enum(e.enumValues);

/** The last second a timestamptz written as an ISO string can name (9999-12-31T23:59:59Z). */
export const MAX_SLACK_SECONDS = 253402300799;
/** A Slack message timestamp (`1700000000.000100`) that a timestamptz can hold. */
export const slackTs = () =>
  z
    .string()
    .regex(/^\d{1,12}\.\d{1,9}$/, "must be a Slack timestamp such as 1700000000.000100")
    .refine((ts) => Number(ts.split(".")[0]) <= MAX_SLACK_SECONDS, "must be a Slack timestamp before the year 10000");
/** A Slack id: a team, channel, user or bot id such as `U0123ABCD`. */
export const slackId = () => z.string().regex(/^[A-Z0-9]{2,32}$/, "must be a Slack id");

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * True for text Postgres stores as given: no NUL (`22021` in text, `22P05` in jsonb) and no lone
 * UTF-16 surrogate (the driver would send U+FFFD, so the value read back would differ).
 */
export const isPgText = (s: string): boolean => !s.includes("\u0000") && !LONE_SURROGATE.test(s);
export const PG_TEXT_MESSAGE = "must not contain NUL or unpaired surrogate characters";

/** A zod string that refuses what Postgres cannot store (see `isPgText`); every text input starts here. */
export const pgText = () => z.string().refine(isPgText, PG_TEXT_MESSAGE);

/** The path of the first string (key or value) in a JSON value that Postgres's jsonb refuses. */
function badJsonPath(value: unknown, path: (string | number)[] = [], depth = 0): (string | number)[] | undefined {
  if (typeof value === "string") return isPgText(value) ? undefined : path;
  if (!value || typeof value !== "object" || depth > 100) return undefined;
  for (const [k, v] of Object.entries(value)) {
    const key = Array.isArray(value) ? Number(k) : k;
    if (!isPgText(k)) return [...path, key];
    const bad = badJsonPath(v, [...path, key], depth + 1);
    if (bad) return bad;
  }
  return undefined;
}

const refuseBadJson = (value: unknown, ctx: z.RefinementCtx) => {
  const path = badJsonPath(value);
  if (path) ctx.addIssue({ code: "custom", path, message: PG_TEXT_MESSAGE });
};

/** A JSON object for a jsonb column: no NUL or lone surrogate in any key or string, named by path. */
export const pgJson = () => z.record(z.string(), z.unknown()).superRefine(refuseBadJson);

/** Any JSON value for a jsonb column, checked like `pgJson`. */
export const pgJsonValue = () => z.unknown().superRefine(refuseBadJson);

/** The earliest instant `timestamptz` holds (4713 BC); JavaScript's latest (275760 AD) is within its range. */
const PG_MIN_DATE = new Date(Date.UTC(-4712, 0, 1));

/** A Date Postgres `timestamptz` can hold: not `new Date(NaN)`, not before 4713 BC. */
export const pgDate = () => z.date({ error: "must be a valid date" }).min(PG_MIN_DATE, "must not be before 4713 BC");

/** A number a Postgres `integer` column holds (finite, whole, 32-bit). */
export const pgInt = () => z.number().int().min(-2147483648).max(2147483647);

/**
 * Parses `input` with `schema`, throwing a ValidationError that names the first bad field.
 * `field` names the input itself when it is a bare value (a function's `id` argument).
 */
export function parseInput<S extends ZodType>(schema: S, input: unknown, field?: string): S["_output"] {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const root = field ? [field] : [];
  const join = (path: readonly PropertyKey[]) => [...root, ...path.map(String)].join(".") || "input";
  const issues = result.error.issues.map((i) => ({ path: join(i.path), message: i.message }));
  const first = result.error.issues[0]!;
  // zod reports unknown keys on the parent object; name the key itself.
  const keys = "keys" in first ? (first.keys as string[]) : [];
  throw new ValidationError(join([...first.path, ...keys.slice(0, 1)]), first.message, issues);
}
