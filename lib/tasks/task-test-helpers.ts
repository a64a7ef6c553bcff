// Shared by the lib/tasks tests: people with roles (and a fresh IdP sign-in), an organization synced
// from the simulator and scanned, and a way to run an approved request's batches in-process.
import type { TActor } from "@/lib/auth/actor";
import type { TRole } from "@/lib/auth/roles";
import type { TAwsContext } from "@/lib/aws/context";
import type { PrismaClient } from "@/lib/db/generated/client";
import { runTaskBatch, startTaskExecution } from "./execute";

let next = 1;

/** A user row and its actor; authTime defaults to `now` (a fresh sign-in). */
export async function testActor(db: PrismaClient, roles: TRole[], options: { name?: string; authTime?: Date | null; email?: string } = {}): Promise<TActor> {
  const n = next++;
  const name = options.name ?? `${roles.join("-") || "norole"}-${n}`;
  const user = await db.user.create({ data: { issuer: "https://idp.test", subject: `sub-${name}-${n}`, email: options.email ?? `${name}@example.test`, name, roles, groups: [] } });
  return { userId: user.id, subject: user.subject, email: user.email, name: user.name, roles, authTime: options.authTime === undefined ? new Date() : options.authTime };
}

/** Runs an approved request to its end in this process, as the worker's jobs would (one claim token per batch). */
export async function executeNow(db: PrismaClient, aws: TAwsContext, requestId: string, options: { clock?: () => Date; token?: string } = {}) {
  const { batches } = await startTaskExecution({ actor: "system", db, requestId, clock: options.clock });
  let i = 0;
  for (const targetIds of batches) {
    await runTaskBatch({ actor: "system", db, aws, requestId, targetIds, claimToken: options.token ?? `job-${i++}`, clock: options.clock });
  }
  return db.taskRequest.findUniqueOrThrow({ where: { id: requestId } });
}
