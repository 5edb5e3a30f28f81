/**
 * The harness for node-slack-sdk's own tests (copied beside this file, MIT, see ./LICENSE):
 * what they need from sinon, on vitest; the shared-db stores on this file's test database;
 * and `upstreamException`, which marks one upstream assertion that encodes
 * FileInstallationStore's or MemoryInstallationStore's own storage, wording or defects (each
 * listed in ./README.md): it must still fail against shared-db, so a change is noticed.
 */
import { isDeepStrictEqual } from "node:util";
import type { Installation, InstallationQuery, InstallationStore, StateStore } from "@slack/oauth";
import { expect } from "vitest";
import { createKeyring, generateKey } from "../../../src/crypto";
import { createSlackInstallationStore, createSlackStateStore, type SlackInstallationStore } from "../../../src/slack";
import { useTestDb } from "../../support/db";

type Matcher = { __matches(value: unknown): boolean };
const matches = (expected: unknown, actual: unknown) =>
  expected && typeof expected === "object" && "__matches" in expected ? (expected as Matcher).__matches(actual) : isDeepStrictEqual(expected, actual);

export interface Fake {
  (...args: unknown[]): unknown;
  callCount: number;
  calledWith(...args: unknown[]): boolean;
  returns(value: unknown): Fake;
  throws(error: unknown): Fake;
  resolves(value: unknown): Fake;
  restore(): void;
}

function fake(impl: (...args: unknown[]) => unknown = () => undefined, restore = () => {}): Fake {
  const calls: unknown[][] = [];
  let behaviour = impl;
  const f = ((...args: unknown[]) => {
    calls.push(args);
    return behaviour(...args);
  }) as Fake;
  Object.defineProperty(f, "callCount", { get: () => calls.length });
  f.calledWith = (...expected) => calls.some((args) => expected.every((e, i) => matches(e, args[i])));
  f.returns = (v) => ((behaviour = () => v), f);
  f.throws = (e) => (
    (behaviour = () => {
      throw e;
    }),
    f
  );
  f.resolves = (v) => ((behaviour = async () => v), f);
  f.restore = restore;
  return f;
}

/** The part of sinon the upstream tests use. */
class sinon {
  static fake = { resolves: (value: unknown) => fake().resolves(value) };
  static stub<T extends object>(object: T, method: keyof T & string): Fake {
    const original = object[method];
    const stub = fake(undefined, () => {
      object[method] = original;
    });
    object[method] = stub as T[keyof T & string];
    return stub;
  }
  static match(substring: string): Matcher {
    return { __matches: (v) => typeof v === "string" && v.includes(substring) };
  }
}
// eslint-disable-next-line @typescript-eslint/no-namespace
declare namespace sinon {
  type SinonStub = Fake;
  type SinonSpy = Fake;
}
export default sinon;

/** An upstream assertion listed in README.md as not applying to shared-db: it must still fail here. */
export async function upstreamException(id: string, assertion: () => unknown): Promise<void> {
  let passed = false;
  try {
    await assertion();
    passed = true;
  } catch {
    // expected: see README.md
  }
  expect(passed, `upstream exception ${id} now passes: remove it from README.md`).toBe(false);
}

/** A fresh database for the test file, and the shared-db stores on it (made once it is ready). */
export function sharedDbStores(options: { clientId?: string; historicalDataEnabled?: boolean } = {}) {
  const t = useTestDb();
  const keyring = createKeyring({ keys: [generateKey()] });
  let made: SlackInstallationStore | undefined;
  let state: StateStore | undefined;
  const store = () => (made ??= createSlackInstallationStore({ db: t.db, keyring, ...options }));
  /** Stands where upstream constructs its store, before the database exists; delegates once it does. */
  const installationStore: InstallationStore & { devDB?: never } = {
    storeInstallation: (i: Installation) => store().storeInstallation(i),
    fetchInstallation: (q: InstallationQuery<boolean>) => store().fetchInstallation(q),
    deleteInstallation: (q: InstallationQuery<boolean>) => store().deleteInstallation(q),
  };
  const stateStore: StateStore = {
    generateStateParam: (o, now) => (state ??= createSlackStateStore({ db: t.db })).generateStateParam(o, now),
    verifyStateParam: (now, s) => (state ??= createSlackStateStore({ db: t.db })).verifyStateParam(now, s),
  };
  /** Constructed where upstream constructs a FileInstallationStore, with the options that apply here. */
  class FileInstallationStore {
    constructor(o: { baseDir?: string; clientId?: string; historicalDataEnabled?: boolean } = {}) {
      // Upstream leaves clientId out (a single-app store); given, it must not be empty.
      const { clientId, historicalDataEnabled } = o;
      return createSlackInstallationStore({ db: t.db, keyring, ...(clientId === undefined ? {} : { clientId }), historicalDataEnabled });
    }
  }
  return { t, keyring, installationStore, stateStore, store, FileInstallationStore: FileInstallationStore as unknown as new (o?: object) => SlackInstallationStore };
}
