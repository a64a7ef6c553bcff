// The per-user cap on scan starts: scans started, and accounts they cover (one root session each,
// which GuardDuty may report), in a sliding window. Counted from Postgres inside the transaction
// that creates the scan, under a per-user lock, so it holds across any number of web instances.
import type { Prisma } from "@/lib/db/generated/client";
import { AppError } from "@/lib/errors";

export type TScanRateLimit = {
  windowMinutes: number;
  /** Scans one user may start per window; 0: no limit. */
  maxScans: number;
  /** Accounts (root sessions) those scans may cover per window; 0: no limit. */
  maxRootSessions: number;
};

type TStartedScan = { createdAt: Date; sessions: number };

/**
 * Throws TOO_MANY_REQUESTS (details.retryAfterSeconds, details.retryAt) when starting one more scan
 * covering `rootSessions` accounts would pass a limit, and BAD_REQUEST when that scan alone is larger
 * than the root-session limit (waiting would not help). Must run inside the transaction that then
 * creates the Scan row with createdAt = now.
 */
export async function checkScanRateLimit(
  tx: Prisma.TransactionClient,
  options: { userId: string; now: Date; rootSessions: number; limit: TScanRateLimit },
): Promise<void> {
  const { userId, now, rootSessions, limit } = options;
  if (limit.maxScans === 0 && limit.maxRootSessions === 0) return;
  if (limit.maxRootSessions > 0 && rootSessions > limit.maxRootSessions) {
    throw new AppError(
      "BAD_REQUEST",
      `This scan covers ${rootSessions} accounts, more than the ${limit.maxRootSessions} root sessions one user may open per ${describeWindow(limit)} (SCAN_LIMIT_ROOT_SESSIONS). Scan a smaller OU or selection, or ask an administrator to raise the limit.`,
      { limit: "rootSessions", maxRootSessions: limit.maxRootSessions, rootSessions },
    );
  }
  // Two requests of the same user wait here for each other, so both cannot count the same room.
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`rootwarden.scan-limit.${userId}`}))`;
  const since = new Date(now.getTime() - limit.windowMinutes * 60_000);
  // Skipped and cancelled accounts never opened a root session; everything else did or will.
  const started = await tx.$queryRaw<TStartedScan[]>`
    SELECT s."createdAt",
           (SELECT count(*) FROM "ScanAccount" sa
             WHERE sa."scanId" = s."id" AND sa."status" NOT IN ('SKIPPED', 'CANCELLED'))::int AS sessions
    FROM "Scan" s
    WHERE s."requestedById" = ${userId}::uuid AND s."createdAt" > ${since} AND s."createdAt" <= ${now}
    ORDER BY s."createdAt" ASC`;

  const retry = retryTime(started, rootSessions, limit);
  if (!retry) return;
  const windowMs = limit.windowMinutes * 60_000;
  const retryAt = new Date(retry.oldestToExpire.getTime() + windowMs);
  const retryAfterSeconds = Math.max(1, Math.ceil((retryAt.getTime() - now.getTime()) / 1000));
  throw new AppError(
    "TOO_MANY_REQUESTS",
    `${retry.reason} Each scanned account opens a root session that GuardDuty may report. Try again after ${retryAt.toISOString().slice(0, 19).replace("T", " ")} UTC (in ${describeWait(retryAfterSeconds)}).`,
    { limit: retry.limit, retryAfterSeconds, retryAt: retryAt.toISOString() },
  );
}

/** The latest start time that must leave the window before the new scan fits, or null if it fits now. */
function retryTime(
  started: TStartedScan[],
  rootSessions: number,
  limit: TScanRateLimit,
): { oldestToExpire: Date; reason: string; limit: "scans" | "rootSessions" } | null {
  let result: { oldestToExpire: Date; reason: string; limit: "scans" | "rootSessions" } | null = null;
  const window = describeWindow(limit);
  if (limit.maxScans > 0 && started.length + 1 > limit.maxScans) {
    const mustExpire = started.length + 1 - limit.maxScans;
    result = {
      oldestToExpire: started[mustExpire - 1].createdAt,
      reason: `You started ${started.length} scans in the last ${window}; one user may start ${limit.maxScans} (SCAN_LIMIT_SCANS).`,
      limit: "scans",
    };
  }
  const used = started.reduce((sum, s) => sum + s.sessions, 0);
  if (limit.maxRootSessions > 0 && used + rootSessions > limit.maxRootSessions) {
    const excess = used + rootSessions - limit.maxRootSessions;
    let freed = 0;
    for (const s of started) {
      freed += s.sessions;
      if (freed < excess) continue;
      if (!result || s.createdAt > result.oldestToExpire) {
        result = {
          oldestToExpire: s.createdAt,
          reason: `Your scans in the last ${window} cover ${used} accounts and this one ${rootSessions} more; one user may open ${limit.maxRootSessions} root sessions (SCAN_LIMIT_ROOT_SESSIONS).`,
          limit: "rootSessions",
        };
      }
      break;
    }
  }
  return result;
}

function describeWindow(limit: TScanRateLimit): string {
  if (limit.windowMinutes % 60 === 0) return limit.windowMinutes === 60 ? "hour" : `${limit.windowMinutes / 60} hours`;
  return limit.windowMinutes === 1 ? "minute" : `${limit.windowMinutes} minutes`;
}

function describeWait(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.ceil(seconds / 60);
  return minutes === 1 ? "1 minute" : `${minutes} minutes`;
}
