// oidc-provider storage for the dev IdP: sessions, interactions, codes, grants and tokens in one
// Map per provider, gone when the process ends (the demo and the tests need nothing more). Ours,
// not oidc-provider's built-in one, which prints a "quick start development-only" warning at start.
import type { TAdapter, TAdapterPayload } from "oidc-provider";

type TEntry = { payload: TAdapterPayload; expiresAt: number };

// Models whose entries belong to a grant and go when the grant is revoked.
const GRANTABLE = new Set(["AccessToken", "AuthorizationCode", "RefreshToken", "DeviceCode", "BackchannelAuthenticationRequest"]);

/** A factory for `new Provider(issuer, { adapter })`: one store per call, shared by its models. */
export function createMemoryAdapter(): (model: string) => TAdapter {
  const entries = new Map<string, TEntry>();
  // Secondary keys (session uid, user code, grant members) point at primary keys in `entries`.
  const byUid = new Map<string, string>();
  const byUserCode = new Map<string, string>();
  const byGrant = new Map<string, Set<string>>();

  const read = (key: string | undefined): TAdapterPayload | undefined => {
    if (key === undefined) return undefined;
    const entry = entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      remove(key);
      return undefined;
    }
    return entry.payload;
  };
  const remove = (key: string) => {
    const entry = entries.get(key);
    entries.delete(key);
    if (!entry) return;
    const { uid, userCode, grantId } = entry.payload;
    if (uid && byUid.get(uid) === key) byUid.delete(uid);
    if (userCode && byUserCode.get(userCode) === key) byUserCode.delete(userCode);
    if (grantId) byGrant.get(grantId)?.delete(key);
  };
  const sweep = () => {
    const now = Date.now();
    for (const [key, entry] of entries) if (entry.expiresAt <= now) remove(key);
  };

  return (model: string): TAdapter => {
    const keyOf = (id: string) => `${model}:${id}`;
    return {
      async upsert(id, payload, expiresIn) {
        if (entries.size > 0 && entries.size % 500 === 0) sweep();
        const key = keyOf(id);
        remove(key);
        entries.set(key, { payload, expiresAt: typeof expiresIn === "number" ? Date.now() + expiresIn * 1000 : Infinity });
        if (payload.uid) byUid.set(payload.uid, key);
        if (payload.userCode) byUserCode.set(payload.userCode, key);
        if (payload.grantId && GRANTABLE.has(model)) {
          const members = byGrant.get(payload.grantId) ?? new Set<string>();
          members.add(key);
          byGrant.set(payload.grantId, members);
        }
      },
      async find(id) {
        return read(keyOf(id));
      },
      async findByUid(uid) {
        return read(byUid.get(uid));
      },
      async findByUserCode(userCode) {
        return read(byUserCode.get(userCode));
      },
      async consume(id) {
        const payload = read(keyOf(id));
        if (payload) payload.consumed = Math.floor(Date.now() / 1000);
      },
      async destroy(id) {
        remove(keyOf(id));
      },
      async revokeByGrantId(grantId) {
        for (const key of byGrant.get(grantId) ?? []) remove(key);
        byGrant.delete(grantId);
      },
    };
  };
}
