-- When the IdP last authenticated the person behind a session (the ID token's auth_time), so
-- approvals and break-glass executions can ask for a recent sign-in. Null: the IdP did not say.
ALTER TABLE "UserSession" ADD COLUMN "authTime" TIMESTAMPTZ(3);
