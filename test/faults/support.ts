import postgres from "postgres";
import { afterAll, beforeAll } from "vitest";
import { ConnectionError } from "../../src/errors";

/**
 * Counts what would crash a host process: exceptions thrown from a driver's timer and rejections
 * nobody handled. Every fault test asserts both stay 0.
 */
export function useCrashCounter(): { uncaught: () => number; unhandled: () => number; errors: unknown[] } {
  const errors: unknown[] = [];
  let uncaught = 0;
  let unhandled = 0;
  const onUncaught = (e: unknown) => {
    uncaught++;
    errors.push(e);
  };
  const onUnhandled = (e: unknown) => {
    unhandled++;
    errors.push(e);
  };
  beforeAll(() => {
    process.on("uncaughtException", onUncaught);
    process.on("unhandledRejection", onUnhandled);
  });
  afterAll(() => {
    process.off("uncaughtException", onUncaught);
    process.off("unhandledRejection", onUnhandled);
  });
  return { uncaught: () => uncaught, unhandled: () => unhandled, errors };
}

/**
 * Terminates backends of `database` through an admin connection to DATABASE_URL (the test's own
 * role is not superuser and cannot signal the owner's backends of another role's sessions).
 */
export async function terminateBackends(database: string, pids?: number[]): Promise<number> {
  const admin = postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} });
  try {
    const rows = pids
      ? await admin`select count(*) filter (where pg_terminate_backend(pid))::int as n from pg_stat_activity where pid = any(${pids})`
      : await admin`select count(*) filter (where pg_terminate_backend(pid))::int as n from pg_stat_activity
          where datname = ${database} and pid <> pg_backend_pid() and backend_type = 'client backend'`;
    return rows[0]!.n as number;
  } finally {
    await admin.end();
  }
}

/** The database name of a postgres:// URL. */
export const databaseOf = (url: string): string => new URL(url).pathname.slice(1);

/** Settles `p` within `ms` or says it hung: a hung call is a failure of its own. */
export async function settle<T>(p: Promise<T>, ms = 5000): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`hung: no answer within ${ms} ms`)), ms);
  });
  try {
    return { ok: true, value: await Promise.race([p, hung]) };
  } catch (error) {
    if ((error as Error).message?.startsWith("hung:")) throw error;
    return { ok: false, error };
  } finally {
    clearTimeout(timer);
  }
}

/** The error, asserted to be a ConnectionError (typed), with its outcome. */
export function connectionErrorOf(result: { ok: boolean; error?: unknown }): ConnectionError {
  if (result.ok) throw new Error("expected the call to fail with a ConnectionError, it succeeded");
  if (!(result.error instanceof ConnectionError)) {
    throw new Error(`expected a ConnectionError, got ${(result.error as Error)?.name}: ${(result.error as Error)?.message}`, {
      cause: result.error,
    });
  }
  return result.error;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
