// RFC 6962 hashing against a direct recursive MTH, and proofs checked by the RFC 9162 verifiers.
import { describe, expect, it } from "vitest";
import {
  appendToFrontier, consistencyRanges, EMPTY_ROOT, frontierRanges, hashRanges, inclusionRanges, leafHash, nodeHash,
  rootFromFrontier, sha256, verifyConsistency, verifyInclusion, type TFrontier,
} from "./merkle";

const leaves = Array.from({ length: 40 }, (_, i) => leafHash(Buffer.from(`event ${i}`)));

function mth(ls: Buffer[]): Buffer {
  if (ls.length === 0) return sha256(Buffer.alloc(0));
  if (ls.length === 1) return ls[0];
  let k = 1;
  while (k * 2 < ls.length) k *= 2;
  return nodeHash(mth(ls.slice(0, k)), mth(ls.slice(k)));
}

async function* from(ls: Buffer[]) {
  for (const l of ls) yield l;
}

describe("RFC 6962 Merkle tree", () => {
  it("hashes leaves and nodes with the 0x00 / 0x01 prefixes", () => {
    expect(leafHash(Buffer.from("")).toString("hex")).toBe("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
    expect(EMPTY_ROOT.toString("hex")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  });

  it("gets the same root from the frontier as the recursive definition, at every size", () => {
    let frontier: TFrontier = [];
    for (let n = 0; n < leaves.length; n++) {
      frontier = appendToFrontier(frontier, n, leaves[n]);
      expect(rootFromFrontier(frontier).equals(mth(leaves.slice(0, n + 1))), `size ${n + 1}`).toBe(true);
      expect(frontier.length).toBe(frontierRanges(n + 1).length);
    }
  });

  it("makes inclusion proofs that verify, and fail for another leaf", async () => {
    for (const size of [1, 2, 3, 7, 8, 13, 40]) {
      for (let m = 0; m < size; m++) {
        const proof = await hashRanges(inclusionRanges(m, size), from(leaves));
        const root = mth(leaves.slice(0, size));
        expect(verifyInclusion(m, size, leaves[m], proof, root), `${m} in ${size}`).toBe(true);
        expect(verifyInclusion(m, size, leaves[(m + 1) % 40], proof, root)).toBe(false);
      }
    }
  });

  it("makes consistency proofs that verify, and fail for a changed old tree", async () => {
    for (const second of [2, 5, 8, 13, 40]) {
      for (let first = 1; first <= second; first++) {
        const proof = first === second ? [] : await hashRanges(consistencyRanges(first, second), from(leaves));
        const a = mth(leaves.slice(0, first));
        const b = mth(leaves.slice(0, second));
        expect(verifyConsistency(first, second, a, b, proof), `${first} -> ${second}`).toBe(true);
        if (first < second) expect(verifyConsistency(first, second, leaves[39], b, proof)).toBe(false);
      }
    }
  });
});
