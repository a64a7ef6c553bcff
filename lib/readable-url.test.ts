// The proxy's URL check: paths and query strings that do not decode as UTF-8, or hold NUL, are refused.
import { describe, expect, it } from "vitest";
import { unreadableUrlPage, unreadableUrlReason } from "./readable-url";

const at = (pathAndQuery: string) => unreadableUrlReason(`http://127.0.0.1:3000${pathAndQuery}`);

describe("unreadableUrlReason", () => {
  it.each(["/accounts/%ff%fe", "/api/accounts/%C0%AF", "/api/scans/%ff%fe/cancel", "/accounts/%", "/accounts/%zz", "/api/accounts/%ED%A0%80"])(
    "refuses the path %s",
    (p) => expect(at(p)).toMatch(/not valid UTF-8/),
  );

  it.each(["/api/accounts?q=%00", "/accounts?q=a%00b", "/accounts/%00"])("refuses NUL in %s", (p) => expect(at(p)).toMatch(/NUL/));

  it.each(["/accounts?q=%ff", "/signin?error=%C0%AF", "/api/auth/signin?callbackUrl=%EF%BF%BD"])("refuses the query %s", (p) => expect(at(p)).toMatch(/query string.*not valid UTF-8/));

  it.each(["/", "/accounts?q=caf%C3%A9&status=A,B&status=C", "/accounts/123456789012", "/api/auth/callback/oidc?code=a%2Bb&state=x", "/accounts?q=50%25+off", "/signin?error=__proto__"])(
    "accepts %s",
    (p) => expect(at(p)).toBeNull(),
  );

  it("escapes the reason on the error page", () => {
    expect(unreadableUrlPage("<b>")).toContain("&#60;b&#62;");
    expect(unreadableUrlPage("x")).toContain("<h1>This address cannot be read</h1>");
  });
});
