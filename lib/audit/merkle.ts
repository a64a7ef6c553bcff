// RFC 6962 Merkle tree hashing: leaf and node hashes, the compact frontier an append advances in
// O(log n), the root of any size, and inclusion/consistency proofs (as lists of subtree ranges whose
// hashes a caller computes in one pass over the leaves) with their verification.
import { hash } from "node:crypto";

export const HASH_SIZE = 32;
const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);
/** chainHash before the first event. */
export const CHAIN_START = Buffer.alloc(HASH_SIZE);
/** RFC 6962: the hash of an empty tree is the hash of the empty string. */
export const EMPTY_ROOT = sha256(Buffer.alloc(0));

export function sha256(data: Buffer): Buffer {
  return hash("sha256", data, "buffer");
}

export function leafHash(bytes: Buffer): Buffer {
  return sha256(Buffer.concat([LEAF_PREFIX, bytes]));
}

export function nodeHash(left: Buffer, right: Buffer): Buffer {
  return sha256(Buffer.concat([NODE_PREFIX, left, right]));
}

export function chainHash(previous: Buffer, leaf: Buffer): Buffer {
  return sha256(Buffer.concat([previous, leaf]));
}

/**
 * The compact frontier of a tree of `size` leaves: the roots of its maximal perfect subtrees, one per
 * set bit of size, largest (leftmost) first.
 */
export type TFrontier = Buffer[];

/** Appends the leaf at index `size` (the current size), merging equal-sized subtrees: O(log n). */
export function appendToFrontier(frontier: TFrontier, size: number, leaf: Buffer): TFrontier {
  const next = frontier.slice();
  let node = leaf;
  let n = size;
  while (n & 1) {
    node = nodeHash(next.pop()!, node);
    n = Math.floor(n / 2);
  }
  next.push(node);
  return next;
}

/** In-place variant for verifiers streaming millions of leaves. */
export function appendToFrontierInPlace(frontier: TFrontier, size: number, leaf: Buffer): void {
  let node = leaf;
  let n = size;
  while (n % 2 === 1) {
    node = nodeHash(frontier.pop()!, node);
    n = (n - 1) / 2;
  }
  frontier.push(node);
}

/** MTH of the whole tree from its frontier: fold from the smallest subtree leftwards. */
export function rootFromFrontier(frontier: TFrontier): Buffer {
  if (frontier.length === 0) return EMPTY_ROOT;
  let root = frontier[frontier.length - 1];
  for (let i = frontier.length - 2; i >= 0; i--) root = nodeHash(frontier[i], root);
  return root;
}

export function frontierToBytes(frontier: TFrontier): Buffer {
  return Buffer.concat(frontier);
}

export function frontierFromBytes(bytes: Uint8Array, size: number): TFrontier {
  const count = popcount(size);
  if (bytes.length !== count * HASH_SIZE) {
    throw new Error(`The stored frontier has ${bytes.length} bytes; a tree of ${size} leaves needs ${count * HASH_SIZE}.`);
  }
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: count }, (_, i) => Buffer.from(buf.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE)));
}

export function popcount(n: number): number {
  let count = 0;
  for (let x = n; x > 0; x = Math.floor(x / 2)) count += x % 2;
  return count;
}

/** A half-open leaf range [lo, hi) whose Merkle tree hash a proof needs. */
export type TRange = readonly [lo: number, hi: number];

/** The perfect subtrees making up [0, size), largest first: the ranges of the frontier. */
export function frontierRanges(size: number): TRange[] {
  const ranges: TRange[] = [];
  let lo = 0;
  for (let bit = 2 ** Math.floor(Math.log2(Math.max(size, 1))); bit >= 1; bit /= 2) {
    if (Math.floor(size / bit) % 2 === 1) {
      ranges.push([lo, lo + bit]);
      lo += bit;
    }
  }
  return ranges;
}

function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** RFC 6962 PATH(m, D[lo:hi]): sibling ranges from the leaf up. */
export function inclusionRanges(index: number, size: number): TRange[] {
  if (index < 0 || index >= size) throw new Error(`Leaf ${index} is not in a tree of ${size} leaves.`);
  const path = (m: number, lo: number, hi: number): TRange[] => {
    if (hi - lo <= 1) return [];
    const k = largestPowerOfTwoBelow(hi - lo);
    return m < k ? [...path(m, lo, lo + k), [lo + k, hi]] : [...path(m - k, lo + k, hi), [lo, lo + k]];
  };
  return path(index, 0, size);
}

/** RFC 6962 PROOF(m, D[n]) = SUBPROOF(m, D[n], true). */
export function consistencyRanges(first: number, second: number): TRange[] {
  if (first <= 0 || first > second) throw new Error(`No consistency proof from size ${first} to ${second}.`);
  const sub = (m: number, lo: number, hi: number, whole: boolean): TRange[] => {
    if (m === hi - lo) return whole ? [] : [[lo, hi]];
    const k = largestPowerOfTwoBelow(hi - lo);
    return m <= k ? [...sub(m, lo, lo + k, whole), [lo + k, hi]] : [...sub(m - k, lo + k, hi, false), [lo, lo + k]];
  };
  return sub(first, 0, second, true);
}

/**
 * Hashes of many ranges in one ordered pass over the leaves (each range gets its own frontier).
 * `leaves` yields leaf hashes from index `start`; ranges must lie within what it yields.
 */
export async function hashRanges(ranges: readonly TRange[], leaves: AsyncIterable<Buffer>, start = 0): Promise<Buffer[]> {
  const frontiers = ranges.map(() => [] as TFrontier);
  const pending = ranges.map((r, i) => i).filter((i) => ranges[i][1] > ranges[i][0]);
  let index = start;
  for await (const leaf of leaves) {
    for (const i of pending) {
      const [lo, hi] = ranges[i];
      if (index >= lo && index < hi) appendToFrontierInPlace(frontiers[i], index - lo, leaf);
    }
    index++;
  }
  return frontiers.map((f) => rootFromFrontier(f));
}

/** RFC 9162 2.1.3.2: does `leaf` at `index` belong to the tree of `size` with `root`? */
export function verifyInclusion(index: number, size: number, leaf: Buffer, proof: readonly Buffer[], root: Buffer): boolean {
  if (index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.equals(root);
}

/** RFC 9162 2.1.4.2: is the tree (second, secondRoot) an extension of (first, firstRoot)? */
export function verifyConsistency(first: number, second: number, firstRoot: Buffer, secondRoot: Buffer, proof: readonly Buffer[]): boolean {
  if (first === second) return proof.length === 0 && firstRoot.equals(secondRoot);
  if (first === 0 || first > second || proof.length === 0) return false;
  const path = isPowerOfTwo(first) ? [firstRoot, ...proof] : [...proof];
  let fn = first - 1;
  let sn = second - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return fr.equals(firstRoot) && sr.equals(secondRoot) && sn === 0;
}

function isPowerOfTwo(n: number): boolean {
  return n > 0 && 2 ** Math.round(Math.log2(n)) === n;
}
