// One task request: its status, reason and ticket, the frozen plan approvers approve (with the diff
// for a replacement), the timeline from the audit trail, per-target results with evidence, and the
// actions the signed-in user may take (approve, reject, cancel, retry, acknowledge).
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { z } from "zod";
import { serialize } from "@/components/fetch-json";
import { requirePagePermission } from "@/lib/auth/page";
import { hasPermission } from "@/lib/auth/permissions";
import { prisma } from "@/lib/db/client";
import { isAppError } from "@/lib/errors";
import { getTaskRequest, type TRequestDetail } from "@/lib/tasks/list";
import { readTaskSettings } from "@/lib/tasks/settings";
import { RequestView } from "./request-view";

export const dynamic = "force-dynamic";

type TProps = { params: Promise<{ requestId: string }> };

export async function generateMetadata({ params }: TProps): Promise<Metadata> {
  const { requestId } = await params;
  return { title: z.uuid().safeParse(requestId).success ? "Request" : "Request not found" };
}

export default async function RequestPage({ params }: TProps) {
  const actor = await requirePagePermission("tasks.read");
  const { requestId } = await params;
  if (!z.uuid().safeParse(requestId).success) notFound();
  let request: TRequestDetail;
  try {
    request = await getTaskRequest({ actor, requestId, now: new Date() });
  } catch (err) {
    if (isAppError(err) && (err.code === "NOT_FOUND" || err.code === "BAD_REQUEST")) notFound();
    throw err;
  }
  const settings = await readTaskSettings(prisma);
  return (
    <RequestView
      initial={serialize(request)}
      requireApproverComment={settings.requireApproverComment}
      requireTicket={settings.requireTicket}
      canRequest={hasPermission(actor.roles, "tasks.request")}
    />
  );
}
