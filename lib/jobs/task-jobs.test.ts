// The re-scan coalescer of the task worker: calls made while one runs share the next call.
import { describe, expect, it } from "vitest";
import { coalesced } from "./task-jobs";

describe("coalesced", () => {
  it("runs the first call at once and merges the calls made meanwhile into one, each caller waiting for its own", async () => {
    const calls: string[][] = [];
    let release!: () => void;
    const first = new Promise<void>((resolve) => (release = resolve));
    const run = coalesced(async (ids) => {
      calls.push(ids);
      if (calls.length === 1) await first;
    });
    const a = run(["1", "2"]);
    const settled: string[] = [];
    const b = run(["2", "3"]).then(() => settled.push("b"));
    const c = run(["4"]).then(() => settled.push("c"));
    expect(calls).toEqual([["1", "2"]]);
    release();
    await Promise.all([a, b, c]);
    expect(calls).toEqual([["1", "2"], ["2", "3", "4"]]);
    expect(settled.sort()).toEqual(["b", "c"]);
    await run(["5"]);
    expect(calls.at(-1)).toEqual(["5"]);
  });

  it("gives every caller of a failed call its error, and carries on with the next", async () => {
    let fail = true;
    const run = coalesced(async () => {
      if (fail) throw new Error("queue unreachable");
    });
    const both = await Promise.allSettled([run(["1"]), run(["2"])]);
    expect(both.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    fail = false;
    await expect(run(["3"])).resolves.toBeUndefined();
  });
});
