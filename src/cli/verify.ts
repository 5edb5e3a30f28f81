import { is, sql } from "drizzle-orm";
import { getTableConfig, isPgEnum, type PgPolicy, PgRole, PgTable } from "drizzle-orm/pg-core";
import { rowsOf, type Db } from "../db";
import { MIGRATIONS_SCHEMA, MIGRATIONS_TABLE, readMigrations } from "../migrate";
import { APP_ROLE, SERVICE_ROLE } from "../rls/names";
import * as schema from "../schema";
import { SCHEMA_NAME } from "../schema/namespace";
import { countPlaintextSecrets, secretColumns } from "../stores/secrets";

export interface Check {
  name: string;
  ok: boolean;
  /** What is wrong, and what to do about it. */
  detail?: string;
  /** A passing check's advice: what is open that need not be, and the command that closes it. */
  warning?: string;
}

/** The path every function of the schema runs with (its proconfig entry): pg_temp last, so nothing resolves there. */
export const PINNED_SEARCH_PATH = "search_path=pg_catalog, pg_temp";

/**
 * Functions of the shared_db schema that do not run with `search_path = pg_catalog, pg_temp` (other
 * SET clauses, e.g. lock_timeout, are theirs to have), as `name(argument types)`. BEGIN ATOMIC
 * bodies are exempt: their names are bound when created.
 */
export async function functionsWithoutPinnedPath(db: Db): Promise<string[]> {
  const rows = rowsOf<{ f: string }>(
    await db.execute(sql`select p.oid::regprocedure::text as f from pg_catalog.pg_proc p
      where p.pronamespace = to_regnamespace(${SCHEMA_NAME}) and p.prosqlbody is null
        and not coalesce(p.proconfig, '{}') @> array[${PINNED_SEARCH_PATH}]
      order by 1`),
  );
  return rows.map((r) => r.f);
}

/** The oldest server the migrations are written for (NULLS NOT DISTINCT, CREATE OR REPLACE TRIGGER). */
export const MIN_SERVER_VERSION = 150000;

/** A policy as the catalog (`pg_policies`) describes it, apart from its expressions. */
export interface PolicyShape {
  /** `<table>.<policy>` */
  name: string;
  permissive: "PERMISSIVE" | "RESTRICTIVE";
  command: "ALL" | "SELECT" | "INSERT" | "UPDATE" | "DELETE";
  /** Role names, sorted, joined with `,`. */
  roles: string;
}

/** How drizzle-kit writes a `pgPolicy`, in the catalog's terms (its defaults: PERMISSIVE, FOR ALL, TO public). */
function shapeOf(table: string, p: PgPolicy): PolicyShape {
  const roles = [p.to ?? "public"].flat().map((r) => (is(r, PgRole) ? r.name : r));
  return {
    name: `${table}.${p.name}`,
    permissive: (p.as ?? "permissive").toUpperCase() as PolicyShape["permissive"],
    command: (p.for ?? "all").toUpperCase() as PolicyShape["command"],
    roles: roles.sort().join(","),
  };
}

/** What the schema and the bundled migrations say must exist; derived, never listed twice. */
export function expectations() {
  const exported = Object.values(schema as Record<string, unknown>);
  const tables = exported.filter((x): x is PgTable => is(x, PgTable)).map((t) => getTableConfig(t));
  const enums = exported.filter(isPgEnum).map((e) => e.enumName);
  const text = readMigrations()
    .map((m) => m.statements.join("\n"))
    .join("\n");
  const functions = new Set<string>();
  for (const m of text.matchAll(/(CREATE OR REPLACE|DROP) FUNCTION (?:IF EXISTS )?shared_db\.(\w+)/gi)) {
    functions[m[1]!.toUpperCase() === "DROP" ? "delete" : "add"](m[2]!);
  }
  return {
    tables: tables.map((t) => t.name),
    indexes: tables.flatMap((t) => t.indexes.map((i) => `${t.name}.${i.config.name}`)),
    uniques: tables.flatMap((t) => [
      ...t.uniqueConstraints.map((u) => `${t.name}.${u.getName()}`),
      ...t.columns.filter((c) => c.isUnique && c.uniqueName).map((c) => `${t.name}.${c.uniqueName}`),
    ]),
    enums,
    // Declared beside their tables (pgPolicy), so the schema objects are the one source.
    policies: tables.flatMap((t) => t.policies.map((p) => shapeOf(t.name, p))),
    functions: [...functions],
  };
}

const missing = (want: string[], have: Set<string>) => want.filter((x) => !have.has(x));

/**
 * Policies the schema declares that the catalog lacks or has with another command, roles or
 * kind, and policies on shared-db's tables that it does not declare (an extra permissive policy
 * widens what a role sees). Expressions are not compared: the catalog holds them deparsed.
 */
function policyProblems(want: PolicyShape[], have: PolicyShape[]): string[] {
  const found = new Map(have.map((p) => [p.name, p]));
  const declared = new Set(want.map((p) => p.name));
  const describe = (p: PolicyShape) => `${p.permissive} FOR ${p.command} TO ${p.roles}`;
  return [
    ...want.flatMap((p) => {
      const actual = found.get(p.name);
      if (!actual) return [`missing policy ${p.name}`];
      return describe(actual) === describe(p) ? [] : [`policy ${p.name} is ${describe(actual)}, not ${describe(p)}`];
    }),
    ...have.filter((p) => !declared.has(p.name)).map((p) => `unexpected policy ${p.name} (${describe(p)})`),
  ];
}

/**
 * Checks a database against what shared-db expects: server version, migrations, tables, enums,
 * indexes, unique constraints, RLS enabled and forced, policies, the application role's
 * privileges and the helper functions. Each check says what to do when it fails.
 */
export async function verifyDatabase(db: Db): Promise<Check[]> {
  const q = async <T>(query: ReturnType<typeof sql>) => rowsOf<T>(await db.execute(query));
  const checks: Check[] = [];
  const check = (name: string, problems: string[], fix: string) =>
    checks.push(problems.length ? { name, ok: false, detail: `${problems.join(", ")}. ${fix}` } : { name, ok: true });

  const [{ v }] = (await q<{ v: string }>(sql`select current_setting('server_version_num') as v`)) as [{ v: string }];
  check(
    `server reachable, PostgreSQL ${Math.floor(Number(v) / 10000)}`,
    Number(v) < MIN_SERVER_VERSION ? [`version ${v} is older than 15`] : [],
    "Upgrade to PostgreSQL 15 or newer.",
  );

  const bundled = readMigrations();
  const [{ exists }] = (await q<{ exists: boolean }>(
    sql`select to_regclass(${`${MIGRATIONS_SCHEMA}.${MIGRATIONS_TABLE}`}) is not null as exists`,
  )) as [{ exists: boolean }];
  const applied = exists
    ? (await q<{ created_at: string }>(sql.raw(`select created_at from "${MIGRATIONS_SCHEMA}"."${MIGRATIONS_TABLE}"`))).map((r) =>
        Number(r.created_at),
      )
    : [];
  const last = Math.max(-1, ...applied);
  check(
    `migrations applied (${bundled.length})`,
    bundled.filter((m) => m.folderMillis > last).map((m) => `pending ${m.tag}`),
    "Run `shared-db migrate`.",
  );

  const want = expectations();
  const names = async (query: ReturnType<typeof sql>) => new Set((await q<{ n: string }>(query)).map((r) => r.n));
  const tables = await names(sql`select relname as n from pg_class where relnamespace = to_regnamespace(${SCHEMA_NAME}) and relkind in ('r', 'p')`);
  check(
    `tables (${want.tables.length})`,
    missing(want.tables, tables).map((t) => `missing ${t}`),
    "Run `shared-db migrate`.",
  );
  const enums = await names(sql`select typname as n from pg_type where typnamespace = to_regnamespace(${SCHEMA_NAME}) and typtype = 'e'`);
  check(
    `enums (${want.enums.length})`,
    missing(want.enums, enums).map((e) => `missing ${e}`),
    "Run `shared-db migrate`.",
  );
  const indexes = await names(sql`select tablename || '.' || indexname as n from pg_indexes where schemaname = ${SCHEMA_NAME}`);
  check(
    `indexes (${want.indexes.length})`,
    missing(want.indexes, indexes).map((i) => `missing ${i}`),
    "Run `shared-db migrate`.",
  );
  const uniques = await names(
    sql`select c.relname || '.' || conname as n from pg_constraint k join pg_class c on c.oid = k.conrelid
        where connamespace = to_regnamespace(${SCHEMA_NAME}) and contype = 'u'`,
  );
  check(
    `unique constraints (${want.uniques.length})`,
    missing(want.uniques, uniques).map((u) => `missing ${u}`),
    "Run `shared-db migrate`.",
  );

  const rls = await q<{ relname: string; relrowsecurity: boolean; relforcerowsecurity: boolean }>(
    sql`select relname, relrowsecurity, relforcerowsecurity from pg_class where relnamespace = to_regnamespace(${SCHEMA_NAME}) and relkind = 'r'`,
  );
  check(
    "row-level security enabled and forced on every table",
    rls.flatMap((t) => (!t.relrowsecurity ? [`RLS disabled on ${t.relname}`] : !t.relforcerowsecurity ? [`RLS not forced on ${t.relname}`] : [])),
    "Run `ALTER TABLE shared_db.<table> ENABLE ROW LEVEL SECURITY; ALTER TABLE shared_db.<table> FORCE ROW LEVEL SECURITY;` or `shared-db reset`.",
  );
  check(
    `policies (${want.policies.length})`,
    policyProblems(
      want.policies,
      await q<PolicyShape>(sql`
    select tablename || '.' || policyname as name, permissive, cmd as command,
      (select string_agg(r, ',' order by r) from unnest(roles::text[]) r) as roles
    from pg_policies where schemaname = ${SCHEMA_NAME}`),
    ),
    "Re-create it from the migrations, or `shared-db reset` a disposable database.",
  );

  const [role] = await q<{ rolbypassrls: boolean; rolsuper: boolean; rolcanlogin: boolean; owns: number }>(
    sql`select rolbypassrls, rolsuper, rolcanlogin,
          (select count(*)::int from pg_class where relowner = r.oid) + (select count(*)::int from pg_namespace where nspowner = r.oid) as owns
        from pg_roles r where rolname = ${APP_ROLE}`,
  );
  check(
    `application role ${APP_ROLE}: no BYPASSRLS, no LOGIN, owns nothing`,
    !role
      ? [`role ${APP_ROLE} does not exist`]
      : [
          ...(role.rolbypassrls ? [`${APP_ROLE} has BYPASSRLS`] : []),
          ...(role.rolsuper ? [`${APP_ROLE} is a superuser`] : []),
          ...(role.rolcanlogin ? [`${APP_ROLE} can log in`] : []),
          ...(role.owns > 0 ? [`${APP_ROLE} owns ${role.owns} objects`] : []),
        ],
    `Run \`ALTER ROLE ${APP_ROLE} NOSUPERUSER NOBYPASSRLS NOLOGIN\` and reassign what it owns.`,
  );
  const [service] = await q<{ ok: boolean }>(sql`select not rolbypassrls as ok from pg_roles where rolname = ${SERVICE_ROLE}`);
  check(`service role ${SERVICE_ROLE} exists`, !service ? [`role ${SERVICE_ROLE} does not exist`] : [], "Run `shared-db migrate`.");

  const functions = await names(sql`select proname as n from pg_proc where pronamespace = to_regnamespace(${SCHEMA_NAME})`);
  check(
    `helper functions (${want.functions.length})`,
    missing(want.functions, functions).map((f) => `missing shared_db.${f}()`),
    "Run `shared-db migrate`.",
  );
  check(
    "every shared_db function runs with search_path = pg_catalog, pg_temp",
    (await functionsWithoutPinnedPath(db)).map((f) => `${f} does not`),
    "Run `ALTER FUNCTION <function> SET search_path = pg_catalog, pg_temp` (objects in the caller's pg_temp would otherwise be found first).",
  );
  checks.push(...(await databaseAccessChecks(q)));
  if (functions.has("is_service") && functions.has("acts_for_users")) checks.push(...(await authorityChecks(q)));
  const secretTables = new Set(secretColumns.map((c) => getTableConfig(c.table).name));
  if (missing([...secretTables], tables).length === 0) {
    const plaintext = await countPlaintextSecrets(db, { columns: secretColumns });
    check(
      "secret columns hold no plaintext",
      Object.entries(plaintext).map(([column, n]) => `${n} plaintext values in ${column}`),
      "Run `shared-db rotate-keys` (with ENCRYPTION_KEYS) to encrypt them.",
    );
  }
  return checks;
}

/**
 * Who may create temporary objects in this database (something to plant in pg_temp, or to leave on
 * a pooled connection): neither the application role nor PUBLIC should. And who may connect: PUBLIC
 * by default, so every login of the server, another database's owner included; only a warning,
 * since revoking it is the host's decision (`migrate` revokes TEMPORARY when it runs as the owner).
 */
async function databaseAccessChecks(q: <T>(query: ReturnType<typeof sql>) => Promise<T[]>): Promise<Check[]> {
  const [access] = (await q<{ db: string; app_temp: boolean; public_temp: boolean; public_connect: boolean }>(sql`
    select d.datname as db, has_database_privilege(${APP_ROLE}, d.oid, 'TEMPORARY') as app_temp,
      exists (select 1 from aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a where a.grantee = 0 and a.privilege_type = 'TEMPORARY') as public_temp,
      exists (select 1 from aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a where a.grantee = 0 and a.privilege_type = 'CONNECT') as public_connect
    from pg_database d where d.datname = current_database()`)) as [{ db: string; app_temp: boolean; public_temp: boolean; public_connect: boolean }];
  const db = `"${access.db.replaceAll('"', '""')}"`;
  const temp = [
    ...(access.public_temp ? [`PUBLIC has TEMPORARY on database ${db}`] : []),
    ...(access.app_temp && !access.public_temp ? [`${APP_ROLE} has TEMPORARY on database ${db}`] : []),
  ];
  const name = `neither PUBLIC nor ${APP_ROLE} may create temporary objects`;
  return [
    temp.length
      ? {
          name,
          ok: false,
          detail: `${temp.join(", ")}. Run \`REVOKE TEMPORARY ON DATABASE ${db} FROM PUBLIC; REVOKE TEMPORARY ON DATABASE ${db} FROM ${APP_ROLE};\` as the database's owner, then grant it to the logins that need it.`,
        }
      : { name, ok: true },
    access.public_connect
      ? {
          name: "who may connect to this database",
          ok: true,
          warning: `PUBLIC has CONNECT on database ${db}: every login of the server may connect (another database's owner included). Run \`REVOKE CONNECT ON DATABASE ${db} FROM PUBLIC;\` and \`GRANT CONNECT ON DATABASE ${db} TO <each login that uses it>;\`.`,
        }
      : { name: "who may connect to this database: PUBLIC may not", ok: true },
  ];
}

/**
 * Who besides the schema owner reaches this database's data. Roles are cluster-wide, so these
 * are read from the catalog every time: superusers reach everything and are not listed.
 */
async function authorityChecks(q: <T>(query: ReturnType<typeof sql>) => Promise<T[]>): Promise<Check[]> {
  const checks: Check[] = [];
  const reach = await q<{ role: string; bypass: boolean; member: boolean; acts: boolean }>(sql`
    with owner as (select nspowner as oid from pg_namespace where nspname = ${SCHEMA_NAME}),
    tabs as (select oid from pg_class where relnamespace = to_regnamespace(${SCHEMA_NAME}) and relkind in ('r', 'p'))
    select * from (
      select r.rolname as role,
        r.rolbypassrls and exists (select 1 from tabs where has_table_privilege(r.oid, tabs.oid, 'SELECT, INSERT, UPDATE, DELETE')) as bypass,
        pg_has_role(r.oid, owner.oid, 'MEMBER') as member,
        has_function_privilege(r.oid, 'shared_db.acts_for_users()', 'EXECUTE') as acts
      from pg_roles r, owner where not r.rolsuper and r.oid <> owner.oid
    ) x where bypass or member or acts order by role`);
  const [{ everyone }] = (await q<{ everyone: boolean }>(
    sql`select exists (select 1 from pg_proc p, aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
        where p.oid = 'shared_db.acts_for_users()'::regprocedure and a.grantee = 0 and a.privilege_type = 'EXECUTE') as everyone`,
  )) as [{ everyone: boolean }];
  const bypassing = reach.filter((r) => r.bypass).map((r) => `${r.role} has BYPASSRLS and privileges on shared_db tables (every policy skipped)`);
  const others = reach
    .filter((r) => !r.bypass)
    .map((r) => `${r.role} (${r.member ? "member of the schema owner" : "EXECUTE on shared_db.acts_for_users()"})`);
  const problems = [...bypassing, ...(everyone ? ["PUBLIC may EXECUTE shared_db.acts_for_users(), so every login acts for users"] : [])];
  checks.push(
    problems.length
      ? {
          name: "roles that reach this database's data without owning it",
          ok: false,
          detail: `${[...problems, ...others].join(", ")}. Run \`ALTER ROLE <role> NOBYPASSRLS\` or revoke its privileges; \`REVOKE EXECUTE ON FUNCTION shared_db.acts_for_users() FROM PUBLIC\`.`,
        }
      : { name: `roles that reach this database's data without owning it: ${others.length ? others.join(", ") : "none"}`, ok: true },
  );

  // A service policy must ask is_service(): `true` lets every member of the cluster-wide role in.
  const service = await q<{ policy: string; expr: string | null }>(sql`
    select tablename || '.' || policyname as policy, concat_ws(' / ', qual, with_check) as expr from pg_policies
    where schemaname = ${SCHEMA_NAME} and (${SERVICE_ROLE} = any (roles) or 'public' = any (roles)) order by 1`);
  const open = service.filter((p) => !p.expr || !/\bshared_db\.is_service\(\)/.test(p.expr) || /\bOR\b/i.test(p.expr)).map((p) => p.policy);
  checks.push(
    open.length
      ? {
          name: `service policies (${service.length}) use shared_db.is_service()`,
          ok: false,
          detail: `${open.map((p) => `${p} does not`).join(", ")}. Run \`ALTER POLICY <policy> ON shared_db.<table> USING ((SELECT shared_db.is_service())) WITH CHECK ((SELECT shared_db.is_service()))\`.`,
        }
      : { name: `service policies (${service.length}) use shared_db.is_service()`, ok: true },
  );
  const [ctx] = await q<{ ok: boolean }>(sql`select pg_get_functiondef('shared_db.current_user_id()'::regprocedure) like '%acts_for_users%' as ok`);
  checks.push(
    open.length === 0 && ctx?.ok
      ? { name: `members of ${SERVICE_ROLE} and ${APP_ROLE} from other databases on this server gain nothing here`, ok: true }
      : {
          name: `members of ${SERVICE_ROLE} and ${APP_ROLE} from other databases on this server gain nothing here`,
          ok: false,
          detail: `${[...open.map((p) => `${p} lets any member of ${SERVICE_ROLE} in`), ...(ctx?.ok ? [] : ["shared_db.current_user_id() trusts any session"])].join(", ")}. Run \`shared-db migrate\`.`,
        },
  );
  return checks;
}
