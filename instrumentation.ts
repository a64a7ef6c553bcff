// Next.js start-up hook. The work lives in a Node-only module so the Edge bundle never sees it:
// configuration check (exit on invalid) and the in-process job worker (lib/jobs/start-web-process.ts).

export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { startWebProcess } = await import("@/lib/jobs/start-web-process");
  await startWebProcess();
}
