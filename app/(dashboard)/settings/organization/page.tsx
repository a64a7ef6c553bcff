// Settings › Organization (admin, org.setup): the set-up steps of centralized root access in the
// documented order. The steps are read from AWS by the browser through GET /api/org/setup, so the
// page itself reads nothing from AWS; every change is a request that others approve.
import type { Metadata } from "next";
import Link from "next/link";
import { requirePagePermission } from "@/lib/auth/page";
import { OrgSetupView } from "./org-setup-view";

export const metadata: Metadata = { title: "Organization set-up" };
export const dynamic = "force-dynamic";

export default async function OrganizationSetupPage() {
  await requirePagePermission("org.setup");
  return (
    <div className="space-y-5">
      <div>
        <p className="text-sm text-slate-600">
          <Link href="/settings" className="underline">
            Settings
          </Link>{" "}
          › Organization
        </p>
        <h1 className="text-xl font-semibold tracking-tight">Organization set-up</h1>
        <p className="mt-1 max-w-3xl text-sm text-slate-600">
          Centralized root access needs these steps in this order. Each change is a request: another person approves it, a job makes the one AWS call
          with the management account&apos;s credentials, reads the state back and records it in the audit trail.
        </p>
      </div>
      <OrgSetupView />
    </div>
  );
}
