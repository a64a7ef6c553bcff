"use client";
// Scan progress for a server-rendered page: when a scan covering the page finishes, the page's
// server data is re-fetched (router.refresh) so counts and credentials show the new results.
import { useRouter } from "next/navigation";
import { useCallback } from "react";
import { ScanProgress, type TScanWatchScope } from "./scan-progress";

export function LiveScanProgress({ scope, canCancel }: { scope: TScanWatchScope; canCancel: boolean }) {
  const router = useRouter();
  const onFinished = useCallback(() => router.refresh(), [router]);
  return <ScanProgress scope={scope} canCancel={canCancel} onFinished={onFinished} />;
}
