import { describe, expect, it } from "vitest";
import { diffLines, formatPolicy } from "./line-diff";

describe("diffLines", () => {
  it("marks removed and added lines around the common ones", () => {
    expect(diffLines("a\nb\nc", "a\nx\nc")).toEqual([
      { kind: "same", text: "a" },
      { kind: "removed", text: "b" },
      { kind: "added", text: "x" },
      { kind: "same", text: "c" },
    ]);
  });

  it("treats an empty side as no lines", () => {
    expect(diffLines("", "a")).toEqual([{ kind: "added", text: "a" }]);
    expect(diffLines("a", "")).toEqual([{ kind: "removed", text: "a" }]);
  });

  it("pretty-prints JSON policies and leaves other text alone", () => {
    expect(formatPolicy('{"Version":"2012-10-17"}')).toBe('{\n  "Version": "2012-10-17"\n}');
    expect(formatPolicy("not json")).toBe("not json");
    expect(formatPolicy(null)).toBe("");
  });
});
