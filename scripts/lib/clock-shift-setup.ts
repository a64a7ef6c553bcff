// Vitest setup: with TEST_CLOCK_SHIFT_DAYS=N, every test process runs with the JavaScript clock N days
// ahead (Date.now() and new Date()). `npm test` runs the suite once more a year ahead, so a test that
// only passes near the day it was written fails today, not next week. Postgres keeps the real time,
// which is the point: code must pass times to SQL instead of comparing with the server's now().
const days = Number(process.env.TEST_CLOCK_SHIFT_DAYS ?? "0");
if (!Number.isFinite(days)) throw new Error(`TEST_CLOCK_SHIFT_DAYS must be a number of days (got "${process.env.TEST_CLOCK_SHIFT_DAYS}")`);

if (days !== 0 && !(globalThis.Date as { shifted?: boolean }).shifted) {
  const RealDate = globalThis.Date;
  const offset = days * 86_400_000;
  class ShiftedDate extends RealDate {
    static shifted = true;
    constructor(...args: unknown[]) {
      if (args.length === 0) super(RealDate.now() + offset);
      else super(...(args as [string | number | Date]));
    }
    static now(): number {
      return RealDate.now() + offset;
    }
  }
  // Date() called as a function returns the current time as a string.
  globalThis.Date = new Proxy(ShiftedDate, {
    apply: () => new ShiftedDate().toString(),
  }) as unknown as DateConstructor;
}
