import { describe, expect, it } from "vitest";
import { standardReportTimes } from "./standard-report-times";

describe("standardReportTimes", () => {
  it("gives now, the last millisecond of last month and of last quarter (UTC)", () => {
    const [now, month, quarter] = standardReportTimes(new Date("2026-12-01T20:00:00Z"));
    expect(now.asOf).toBeNull();
    expect(month.asOf?.toISOString()).toBe("2026-11-30T23:59:59.999Z");
    expect(quarter.asOf?.toISOString()).toBe("2026-09-30T23:59:59.999Z");
    expect(quarter.label).toContain("Q3 2026");
  });

  it("crosses the year in January", () => {
    const [, month, quarter] = standardReportTimes(new Date("2027-01-15T00:00:00Z"));
    expect(month.asOf?.toISOString()).toBe("2026-12-31T23:59:59.999Z");
    expect(quarter.asOf?.toISOString()).toBe("2026-12-31T23:59:59.999Z");
  });
});
