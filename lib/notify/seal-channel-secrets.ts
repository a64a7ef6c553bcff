// The start-up step that brings stored channel secrets to the current key: seals values stored in
// plaintext (rows from before encryption, or written by an older release) and re-seals values under
// an old key. Idempotent; the deliverer runs it at the start of every round (a cheap read when
// nothing is to do), so no deployment step is needed and a rotation completes on its own.
import type { PrismaClient } from "@/lib/db/generated/client";
import { isSealed, openSecret, sealSecret, sealedKeyId, secretFieldOf, type TKeyring } from "./channel-secrets";

export type TSealOutcome = { sealed: number; resealed: number; unreadable: number };

type TRow = { id: string; kind: string; config: unknown };

export async function sealStoredChannelSecrets(db: PrismaClient, keyring: TKeyring): Promise<TSealOutcome> {
  const outcome: TSealOutcome = { sealed: 0, resealed: 0, unreadable: 0 };
  const pending = (rows: TRow[]) => rows.filter((r) => needsWork(r, keyring) !== "none");
  const candidates = pending(await db.$queryRawUnsafe<TRow[]>(`SELECT "id"::text AS id, "kind", "config" FROM "NotificationChannel" WHERE "kind" IN ('WEBHOOK', 'SLACK')`));
  if (candidates.length === 0) return outcome;
  await db.$transaction(async (tx) => {
    // Locked and read again: another worker may have sealed them meanwhile, or an admin deleted one.
    const rows = await tx.$queryRawUnsafe<TRow[]>(
      `SELECT "id"::text AS id, "kind", "config" FROM "NotificationChannel" WHERE "id"::text = ANY($1::text[]) FOR UPDATE`,
      candidates.map((c) => c.id),
    );
    for (const row of rows) {
      const work = needsWork(row, keyring);
      if (work === "none") continue;
      const field = secretFieldOf(row.kind)!;
      const config = row.config as Record<string, unknown>;
      let plaintext: string;
      try {
        plaintext = openSecret(keyring, config[field] as string, { channelId: row.id, field });
      } catch {
        // Tampered, or under a key this process lacks: left as it is; its deliveries record why.
        outcome.unreadable++;
        continue;
      }
      const next = { ...config, [field]: sealSecret(keyring, plaintext, { channelId: row.id, field }) };
      await tx.$executeRawUnsafe(`UPDATE "NotificationChannel" SET "config" = $2::jsonb WHERE "id" = $1::uuid`, row.id, JSON.stringify(next));
      outcome[work === "seal" ? "sealed" : "resealed"]++;
    }
  });
  return outcome;
}

function needsWork(row: TRow, keyring: TKeyring): "none" | "seal" | "reseal" {
  const field = secretFieldOf(row.kind);
  const value = field ? (row.config as Record<string, unknown> | null)?.[field] : undefined;
  if (typeof value !== "string" || value === "") return "none";
  if (!isSealed(value)) return "seal";
  const id = sealedKeyId(value);
  // A value under a key this process lacks cannot be re-sealed here; counted only when locked.
  return id !== keyring.currentId && id !== null && keyring.keys.has(id) ? "reseal" : "none";
}
