// Approvals (approvers): requests awaiting my vote, and break-glass executions awaiting review.
import type { Metadata } from "next";
import { serialize } from "@/components/fetch-json";
import { requirePagePermission } from "@/lib/auth/page";
import { getApprovalInbox } from "@/lib/tasks/list";
import { ApprovalsInbox } from "./approvals-inbox";

export const metadata: Metadata = { title: "Approvals" };
export const dynamic = "force-dynamic";

export default async function ApprovalsPage() {
  const actor = await requirePagePermission("tasks.approve");
  const inbox = await getApprovalInbox({ actor, now: new Date() });
  return <ApprovalsInbox initial={serialize(inbox)} />;
}
