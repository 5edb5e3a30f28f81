import type { Db } from "./db";

const cache = new WeakMap<Db, Map<string, unknown>>();

/**
 * A query built and prepared once per database handle, for hot paths. An unprepared statement
 * costs the server a parse and plan on every call (about 2x a prepared one over loopback);
 * a prepared one is parsed once per connection. `build` must use `sql.placeholder` for every
 * per-call value and call `.prepare(name)`; `name` must be unique to the query text.
 * Turning off `prepare` in createDb (transaction poolers) still turns off named statements.
 */
export function prepared<T>(db: Db, name: string, build: (db: Db) => T): T {
  let queries = cache.get(db);
  if (!queries) cache.set(db, (queries = new Map()));
  let query = queries.get(name) as T | undefined;
  if (!query) queries.set(name, (query = build(db)));
  return query;
}
