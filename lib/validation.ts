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

/**
 * The longest prefix of `text` of at most `maxLength` UTF-16 code units (what zod's max() and
 * String.length count) that does not end in half of a surrogate pair.
 */
export function cutText(text: string, maxLength: number): string {
  if (text.length <= maxLength) return text;
  const cut = text.slice(0, maxLength);
  const last = cut.charCodeAt(cut.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut;
}
