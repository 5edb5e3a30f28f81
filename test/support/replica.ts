import { sql } from "drizzle-orm";
import postgres from "postgres";
import { rowsOf, type Db } from "../../src/db";
import { onHostOf } from "../../src/testing/database";

/** The streaming standby of REPLICA_URL (scripts/standby.sh), seen from one test database. */
export interface Standby {
  /** The test database's URL with the standby's host and port: same database, role and password. */
  url: string;
  /** Waits until the standby has replayed everything the primary has written so far. */
  caughtUp(): Promise<void>;
  /** Runs `fn` while the standby replays nothing, so anything read from it is stale. */
  withReplayPaused<T>(fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export function openStandby(primary: Db, databaseUrl: string, standbyUrl: string): Standby {
  // The standby's superuser, to read its replay position and pause replay.
  const admin = postgres(standbyUrl, { max: 1, onnotice: () => {} });
  const caughtUp = async () => {
    const [row] = rowsOf<{ lsn: string }>(await primary.execute(sql`select pg_current_wal_lsn()::text as lsn`));
    for (let i = 0; i < 500; i++) {
      const [replayed] = await admin`select pg_last_wal_replay_lsn() >= ${row!.lsn}::pg_lsn as done`;
      if (replayed?.done) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`the standby did not replay up to ${row!.lsn}`);
  };
  return {
    url: onHostOf(databaseUrl, standbyUrl),
    caughtUp,
    async withReplayPaused(fn) {
      await caughtUp();
      await admin`select pg_wal_replay_pause()`;
      try {
        return await fn();
      } finally {
        await admin`select pg_wal_replay_resume()`;
      }
    },
    close: () => admin.end(),
  };
}
