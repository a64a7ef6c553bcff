// The session a sign-in replaces. next-auth's callbacks see no request, so the /api/auth route runs
// next-auth inside this context with the session id of the cookie the browser still sends; the sign-in
// (a re-authentication, typically) then ends that session, whose cookie the browser is about to drop.
import { AsyncLocalStorage } from "node:async_hooks";

const storage = new AsyncLocalStorage<{ sessionId: string | null }>();

export function runWithPreviousSession<T>(sessionId: string | null, fn: () => T): T {
  return storage.run({ sessionId }, fn);
}

/** The session id of the cookie that came with the current /api/auth request, if any. */
export function previousSessionId(): string | null {
  return storage.getStore()?.sessionId ?? null;
}
