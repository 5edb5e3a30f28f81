import { createHash, randomBytes } from "node:crypto";
import { and, asc, eq, getTableColumns, sql } from "drizzle-orm";
import { z } from "zod";
import { primaryOf, rowsOf, type Db } from "../db";
import { ConflictError, ForbiddenError, InvariantError, NotFoundError, pgErrorOf, rethrowDbError } from "../errors";
import { enumOf, isPgText, parseInput, PG_TEXT_MESSAGE, pgInt, pgJson, pgText, uuid } from "../input";
import { teamMemberRole, teamMembers, teams, type Team, type TeamMember, type TeamMemberRole } from "../schema/teams";
import { users } from "../schema/users";

/**
 * Internal (for the team stores, not exported from the index): every column of a membership the
 * application role may read. The invitation token's hash is readable by service work only.
 */
const { invitationToken: _tokenHash, ...readableMemberColumns } = getTableColumns(teamMembers);
export const memberColumns = readableMemberColumns;
/** A membership or invitation as the stores return it: without the token hash. */
type Member = Omit<TeamMember, "invitationToken">;

/** Strongest first, as the enum is declared. */
const ROLE_ORDER: readonly TeamMemberRole[] = teamMemberRole.enumValues;
const slugSchema = z
  .string()
  .max(255)
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, "must be lowercase letters and digits separated by single dashes");

/** A URL-friendly slug from a team name: "Ünïcode & Co." -> "unicode-co". */
export function slugify(name: string): string {
  const slug = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 200)
    .replace(/-+$/, "");
  return slug || "team";
}

export const requireTeamRoleInput = z.strictObject({ teamId: uuid(), userId: uuid(), min: enumOf(teamMemberRole) });
export type RequireTeamRoleInput = z.input<typeof requireTeamRoleInput>;

/**
 * Throws ForbiddenError unless `userId` is an accepted member of the team with at least `min`;
 * returns the member's role.
 *
 * @example
 * await requireTeamRole(db, { teamId, userId, min: "ADMIN" });
 */
export async function requireTeamRole(db: Db, input: RequireTeamRoleInput): Promise<TeamMemberRole> {
  const v = parseInput(requireTeamRoleInput, input);
  // A revoked role must stop working at once, so permission checks never read a replica.
  const [row] = await primaryOf(db)
    .select({ role: teamMembers.role })
    .from(teamMembers)
    .where(and(eq(teamMembers.teamId, v.teamId), eq(teamMembers.userId, v.userId), eq(teamMembers.invitationStatus, "accepted")));
  if (!row || ROLE_ORDER.indexOf(row.role) > ROLE_ORDER.indexOf(v.min)) {
    throw new ForbiddenError(`This needs the ${v.min} role in the team${row ? ` (you are ${row.role})` : ""}`);
  }
  return row.role;
}

const lastOwner = (e: unknown): never => {
  if (pgErrorOf(e)?.code === "23514" && /owner/.test(pgErrorOf(e)?.message ?? "")) {
    throw new InvariantError("A team must keep at least one owner", "last_owner");
  }
  rethrowDbError(e);
};

export const createTeamInput = z.strictObject({
  actorId: uuid(),
  name: pgText().trim().min(1).max(255),
  /** @default derived from the name (with a random suffix if that slug is taken) */
  slug: slugSchema.optional(),
  description: pgText().max(10_000).nullable().optional(),
  avatarUrl: z
    .url({ protocol: /^https?$/ })
    .max(1024)
    .refine(isPgText, PG_TEXT_MESSAGE)
    .nullable()
    .optional(),
  teamSize: pgInt().min(0).nullable().optional(),
  isPersonal: z.boolean().optional(),
  teamMetadata: pgJson().optional(),
});
export type CreateTeamInput = z.input<typeof createTeamInput>;

/**
 * Creates a team; the creator becomes its OWNER in the same transaction.
 *
 * @example
 * const team = await withRls(db, { userId }, (tx) => createTeam(tx, { actorId: userId, name: "Platform" }));
 */
export async function createTeam(db: Db, input: CreateTeamInput): Promise<Team> {
  const v = parseInput(createTeamInput, input);
  const { actorId, slug, ...values } = v;
  for (let attempt = 0; ; attempt++) {
    const candidate = slug ?? (attempt === 0 ? slugify(values.name) : `${slugify(values.name).slice(0, 240)}-${randomBytes(3).toString("hex")}`);
    try {
      return await db.transaction(async (tx) => {
        const [creator] = await tx.select({ email: users.email }).from(users).where(eq(users.id, actorId));
        if (!creator) throw new NotFoundError("user", actorId);
        const id = crypto.randomUUID();
        // No RETURNING: the creator may read the team only once they are its member.
        await tx.insert(teams).values({ id, ...values, slug: candidate, createdByUserId: actorId, createdByEmail: creator.email });
        await tx.insert(teamMembers).values({ teamId: id, userId: actorId, email: creator.email, role: "OWNER", invitationStatus: "accepted" });
        const [team] = await tx.select().from(teams).where(eq(teams.id, id));
        return team!;
      });
    } catch (e) {
      if (pgErrorOf(e)?.code !== "23505") rethrowDbError(e);
      if (slug || attempt >= 3) throw new ConflictError("The team slug is taken", "teams_slug_key");
    }
  }
}

export const updateTeamInput = z.strictObject({
  teamId: uuid(),
  actorId: uuid(),
  patch: createTeamInput.pick({ name: true, description: true, avatarUrl: true, teamSize: true, teamMetadata: true }).partial(),
});
export type UpdateTeamInput = z.input<typeof updateTeamInput>;

/** Renames or updates a team (ADMIN or OWNER). */
export async function updateTeam(db: Db, input: UpdateTeamInput): Promise<Team> {
  const v = parseInput(updateTeamInput, input);
  const { teamId, actorId, patch } = v;
  await requireTeamRole(db, { teamId, userId: actorId, min: "ADMIN" });
  const [row] = await db
    .update(teams)
    .set(patch)
    .where(eq(teams.id, teamId))
    .returning()
    .catch((e: unknown) => rethrowDbError(e));
  if (!row) throw new NotFoundError("team", teamId);
  return row;
}

export const listMyTeamsInput = z.strictObject({ userId: uuid() });
export type ListMyTeamsInput = z.input<typeof listMyTeamsInput>;

/** The teams the user is an accepted member of, with their role, by name. */
export async function listMyTeams(db: Db, input: ListMyTeamsInput): Promise<(Team & { role: TeamMemberRole })[]> {
  const v = parseInput(listMyTeamsInput, input);
  const rows = await db
    .select({ team: teams, role: teamMembers.role })
    .from(teamMembers)
    .innerJoin(teams, eq(teams.id, teamMembers.teamId))
    .where(and(eq(teamMembers.userId, v.userId), eq(teamMembers.invitationStatus, "accepted")))
    .orderBy(asc(teams.name));
  return rows.map((r) => ({ ...r.team, role: r.role }));
}

export const getTeamBySlugInput = z.strictObject({ slug: slugSchema });
export type GetTeamBySlugInput = z.input<typeof getTeamBySlugInput>;

/** The team with this slug (undefined when missing or not visible). */
export async function getTeamBySlug(db: Db, input: GetTeamBySlugInput): Promise<Team | undefined> {
  const v = parseInput(getTeamBySlugInput, input);
  const [row] = await db.select().from(teams).where(eq(teams.slug, v.slug));
  return row;
}

/** Hex SHA-256 of the UTF-8 token: what shared_db.redeem_team_invitation computes to find it. */
const hashToken = (token: string) => createHash("sha256").update(token, "utf8").digest("hex");

export const inviteMemberInput = z.strictObject({
  teamId: uuid(),
  actorId: uuid(),
  email: z
    .email()
    .max(255)
    .transform((s) => s.toLowerCase()),
  /** @default "MEMBER" */
  role: enumOf(teamMemberRole).default("MEMBER"),
  displayName: pgText().max(255).optional(),
  /** @default 604800 (7 days) */
  expiresInSeconds: z
    .number()
    .int()
    .min(60)
    .max(30 * 86_400)
    .default(7 * 86_400),
});
export type InviteMemberInput = z.input<typeof inviteMemberInput>;

/**
 * Invites someone by email (ADMIN or OWNER; only an OWNER invites an OWNER). Returns the token
 * once, to send in the invitation link; the database keeps only its SHA-256, which no user reads.
 * Only the user with this email (case-insensitively) can accept it.
 */
export async function inviteMember(db: Db, input: InviteMemberInput): Promise<{ invitation: Member; token: string }> {
  const v = parseInput(inviteMemberInput, input);
  await requireTeamRole(db, { teamId: v.teamId, userId: v.actorId, min: v.role === "OWNER" ? "OWNER" : "ADMIN" });
  const token = randomBytes(32).toString("base64url");
  const [invitation] = await db
    .insert(teamMembers)
    .values({
      teamId: v.teamId,
      email: v.email,
      role: v.role,
      displayName: v.displayName,
      invitationStatus: "pending",
      invitationToken: hashToken(token),
      invitationExpiresAt: new Date(Date.now() + v.expiresInSeconds * 1000),
    })
    .returning(memberColumns)
    .catch((e: unknown) => rethrowDbError(e, { conflict: () => "This email already has a membership or a pending invitation in the team" }));
  return { invitation: invitation!, token };
}

export const acceptInvitationInput = z.strictObject({ teamId: uuid(), token: pgText().min(1).max(200), userId: uuid() });
export type AcceptInvitationInput = z.input<typeof acceptInvitationInput>;

/**
 * Accepts an invitation for `userId`, who must be the user it was sent to (their email, compared
 * case-insensitively); refuses unknown, reused, expired, other-team and other-addressee tokens.
 * The database hashes the token and compares it: no user can read the stored hash.
 */
export async function acceptInvitation(db: Db, input: AcceptInvitationInput): Promise<Member> {
  const v = parseInput(acceptInvitationInput, input);
  let memberId: string;
  // Service work may accept for a user it has authenticated; under withRls only that user may.
  try {
    const [row] = rowsOf<{ id: string }>(await db.execute(sql`select shared_db.redeem_team_invitation(${v.teamId}, ${v.token}, ${v.userId}) as id`));
    memberId = row!.id;
  } catch (e) {
    const message = pgErrorOf(e)?.message ?? "";
    if (message === "expired_invitation") throw new InvariantError("The invitation has expired", "expired_invitation");
    if (message === "invalid_invitation")
      throw new InvariantError("The invitation is unknown, already used, for another team or addressed to another email", "invalid_invitation");
    if (pgErrorOf(e)?.code === "23505") throw new ConflictError("You are already a member of this team", "team_members_team_id_user_id_key");
    if (pgErrorOf(e)?.code === "42501") throw new ForbiddenError("An invitation can only be accepted by the invited user, signed in");
    rethrowDbError(e);
  }
  const [member] = await primaryOf(db)
    .select(memberColumns)
    .from(teamMembers)
    .where(and(eq(teamMembers.id, memberId), eq(teamMembers.teamId, v.teamId)));
  return member!;
}

export const changeMemberRoleInput = z.strictObject({ teamId: uuid(), actorId: uuid(), userId: uuid(), role: enumOf(teamMemberRole) });
export type ChangeMemberRoleInput = z.input<typeof changeMemberRoleInput>;

/** Changes a member's role (ADMIN or OWNER; OWNER for anything involving OWNER). The last OWNER stays. */
export async function changeMemberRole(db: Db, input: ChangeMemberRoleInput): Promise<Member> {
  const v = parseInput(changeMemberRoleInput, input);
  return db.transaction(async (tx) => {
    const [target] = await tx
      .select({ role: teamMembers.role })
      .from(teamMembers)
      .where(and(eq(teamMembers.teamId, v.teamId), eq(teamMembers.userId, v.userId)));
    if (!target) throw new NotFoundError("team member", v.userId);
    await requireTeamRole(tx, { teamId: v.teamId, userId: v.actorId, min: v.role === "OWNER" || target.role === "OWNER" ? "OWNER" : "ADMIN" });
    const [row] = await tx
      .update(teamMembers)
      .set({ role: v.role })
      .where(and(eq(teamMembers.teamId, v.teamId), eq(teamMembers.userId, v.userId)))
      .returning(memberColumns)
      .catch(lastOwner);
    return row!;
  });
}

export const removeMemberInput = z.strictObject({ teamId: uuid(), actorId: uuid(), userId: uuid() });
export type RemoveMemberInput = z.input<typeof removeMemberInput>;

/** Removes a member (ADMIN or OWNER, or the member themselves). The last OWNER stays. */
export async function removeMember(db: Db, input: RemoveMemberInput): Promise<void> {
  const v = parseInput(removeMemberInput, input);
  await db.transaction(async (tx) => {
    if (v.actorId !== v.userId) await requireTeamRole(tx, { teamId: v.teamId, userId: v.actorId, min: "ADMIN" });
    const removed = await tx
      .delete(teamMembers)
      .where(and(eq(teamMembers.teamId, v.teamId), eq(teamMembers.userId, v.userId)))
      .returning({ id: teamMembers.id })
      .catch(lastOwner);
    if (removed.length === 0) throw new NotFoundError("team member", v.userId);
  });
}
