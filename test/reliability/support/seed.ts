import { randomInt } from "node:crypto";

/**
 * The fast-check seed of one property: `FC_SEED` when set (to replay a failure), otherwise a
 * fresh one. Always printed, so a failing run says how to reproduce it.
 */
export function fcSeed(property: string): number {
  const fromEnv = process.env["FC_SEED"];
  const seed =
    fromEnv !== undefined && fromEnv.trim() !== "" ? Number(fromEnv) : randomInt(0, 2 ** 31 - 1);
  console.log(`[fast-check] ${property}: seed ${seed} (replay with FC_SEED=${seed})`);
  return seed;
}

/** A small deterministic generator (mulberry32) for choices a test makes, e.g. which worker dies. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
