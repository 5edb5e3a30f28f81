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

/** How deep and how large a JSON value for a jsonb column may be. */
export interface JsonLimits {
  /**
   * Most levels of nested objects and arrays (`{ a: { b: 1 } }` has two). Deeper values, and
   * cyclic ones, are refused: serializing them overflows the stack (a raw `RangeError`).
   * @default 64
   */
  maxDepth?: number;
  /**
   * Most characters in the value's keys and strings plus one per value, about the length of its
   * JSON text.
   * @default 16777216 (16 Mi)
   */
  maxSize?: number;
}

const JSON_MAX_DEPTH = 64;
const JSON_MAX_SIZE = 16 * 1024 * 1024;

/** The first thing in a JSON value a jsonb column cannot take: a string Postgres refuses (by path), or too deep, or too large. */
function jsonProblem(value: unknown, limits: JsonLimits): { path: (string | number)[]; message: string } | undefined {
  const maxDepth = limits.maxDepth ?? JSON_MAX_DEPTH;
  const maxSize = limits.maxSize ?? JSON_MAX_SIZE;
  let size = 0;
  const tooLarge = { path: [], message: `must be at most ${maxSize} characters of JSON` };
  const walk = (v: unknown, path: (string | number)[], depth: number): { path: (string | number)[]; message: string } | undefined => {
    size++;
    if (typeof v === "string") {
      size += v.length;
      if (!isPgText(v)) return { path, message: PG_TEXT_MESSAGE };
      return size > maxSize ? tooLarge : undefined;
    }
    if (!v || typeof v !== "object") return size > maxSize ? tooLarge : undefined;
    // Named at the value itself: a path as deep as the limit would name nothing useful.
    if (depth >= maxDepth) return { path: [], message: `must not nest objects and arrays more than ${maxDepth} levels deep` };
    for (const [k, item] of Object.entries(v)) {
      const key = Array.isArray(v) ? Number(k) : k;
      size += k.length;
      if (!isPgText(k)) return { path: [...path, key], message: PG_TEXT_MESSAGE };
      const problem = walk(item, [...path, key], depth + 1);
      if (problem) return problem;
    }
    return size > maxSize ? tooLarge : undefined;
  };
  return walk(value, [], 0);
}

const refuseBadJson = (limits: JsonLimits) => (value: unknown, ctx: z.RefinementCtx) => {
  const problem = jsonProblem(value, limits);
  if (problem) ctx.addIssue({ code: "custom", path: problem.path, message: problem.message });
};

/**
 * A JSON object for a jsonb column: no NUL or lone surrogate in any key or string (named by path),
 * at most `maxDepth` levels deep and `maxSize` characters (named at the value).
 */
export const pgJson = (limits: JsonLimits = {}) => z.record(z.string(), z.unknown()).superRefine(refuseBadJson(limits));

/** Any JSON value for a jsonb column, checked like `pgJson`. */
export const pgJsonValue = (limits: JsonLimits = {}) => z.unknown().superRefine(refuseBadJson(limits));

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
