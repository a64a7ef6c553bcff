import { describe, expect, it } from "vitest";
import { cutText } from "./validation";

describe("cutText", () => {
  it("keeps text that fits and cuts the rest to the limit", () => {
    expect(cutText("abc", 3)).toBe("abc");
    expect(cutText("abcdef", 4)).toBe("abcd");
  });

  it("never leaves half of a surrogate pair at the end", () => {
    const text = `${"a".repeat(1999)}\u{1F600}tail`;
    const cut = cutText(text, 2000);
    expect(cut).toBe("a".repeat(1999));
    expect(cut.charCodeAt(cut.length - 1)).toBe(0x61);
    expect(cutText(`${"a".repeat(1998)}\u{1F600}tail`, 2000)).toBe(`${"a".repeat(1998)}\u{1F600}`);
  });
});
