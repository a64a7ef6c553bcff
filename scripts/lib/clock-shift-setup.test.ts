// The clock shift that `npm test` runs the suite under really moves the clock (or, unset, does not),
// so "passes a year ahead" cannot pass by accident.
import { expect, it } from "vitest";

it("runs the JavaScript clock TEST_CLOCK_SHIFT_DAYS ahead of real time", () => {
  const days = Number(process.env.TEST_CLOCK_SHIFT_DAYS ?? "0");
  const realNow = performance.timeOrigin + performance.now();
  expect(Math.abs(Date.now() - realNow - days * 86_400_000)).toBeLessThan(5_000);
  expect(Math.abs(new Date().getTime() - realNow - days * 86_400_000)).toBeLessThan(5_000);
  expect(new Date("2026-01-01T00:00:00Z").toISOString()).toBe("2026-01-01T00:00:00.000Z");
  expect(typeof Date()).toBe("string");
});
