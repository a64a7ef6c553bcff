// Small zod building blocks shared by configuration and HTTP input parsing.
import { z } from "zod";

/** An optional whole number written as a string (env var, search param), with a readable error. */
export function zIntString(fallback: number, min: number, max: number) {
  return z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === "") return fallback;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: "custom", message: `must be a whole number from ${min} to ${max}, got "${v}"` });
        return z.NEVER;
      }
      return n;
    });
}
