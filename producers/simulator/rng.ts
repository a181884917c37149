/**
 * Seeded randomness for the simulator: pure-rand's xoroshiro128+ behind a small sampling API.
 *
 * Every customer, the world and the fault injector own separate streams derived from
 * (seed, stream name, index) by hashing, so one customer's draws never depend on how many
 * draws another made: adding a fault or a customer changes nothing else in the stream.
 */
import { xoroshiro128plusFromState } from "pure-rand/generator/xoroshiro128plus";
import type { RandomGenerator } from "pure-rand/types/RandomGenerator";

const TWO_POW_32 = 4294967296;

/** A 32-bit avalanche mix (murmur3's finaliser), to spread structured inputs over all bits. */
export function mix32(value: number): number {
  let h = value | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/** Hashes a list of 32-bit integers (seed, stream id, indices) into one 32-bit seed. */
export function hashSeed(...parts: readonly number[]): number {
  let h = 0x2545f491;
  for (const part of parts) h = mix32(h ^ mix32(part + 0x9e3779b9));
  return h;
}

/** Stable 32-bit id of a stream name, so streams are named rather than numbered. */
export function streamId(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h | 0;
}

/** Samples from common distributions; all draws come from one xoroshiro128+ stream. */
export class Rng {
  readonly #gen: RandomGenerator;
  #spareNormal: number | undefined;

  constructor(...seedParts: readonly number[]) {
    // Four independent words from the hash keep the 128-bit state away from the weak,
    // mostly-zero states a plain 32-bit seed would give.
    const base = hashSeed(...seedParts);
    this.#gen = xoroshiro128plusFromState([
      hashSeed(base, 1),
      hashSeed(base, 2),
      hashSeed(base, 3),
      hashSeed(base, 4) | 1,
    ]);
    for (let i = 0; i < 4; i++) this.#gen.next();
  }

  /** Uniform in [0, 1), 32-bit resolution. */
  float(): number {
    return (this.#gen.next() >>> 0) / TWO_POW_32;
  }

  /** Uniform in (0, 1): safe under a logarithm. */
  open(): number {
    return ((this.#gen.next() >>> 0) + 0.5) / TWO_POW_32;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** Uniform in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.float();
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  /** Standard normal (Marsaglia's polar method; the spare value is kept for the next call). */
  normal(): number {
    const spare = this.#spareNormal;
    if (spare !== undefined) {
      this.#spareNormal = undefined;
      return spare;
    }
    for (;;) {
      const u = 2 * this.float() - 1;
      const v = 2 * this.float() - 1;
      const s = u * u + v * v;
      if (s > 0 && s < 1) {
        const factor = Math.sqrt((-2 * Math.log(s)) / s);
        this.#spareNormal = v * factor;
        return u * factor;
      }
    }
  }

  /** Exponential with the given mean. */
  exponential(mean: number): number {
    return -Math.log(this.open()) * mean;
  }

  /** Log-normal with the given median and log-space standard deviation. */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  /** Poisson count (Knuth for small means, a rounded normal approximation beyond 30). */
  poisson(mean: number): number {
    if (mean <= 0) return 0;
    if (mean > 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * this.normal()));
    const limit = Math.exp(-mean);
    let k = 0;
    let p = this.float();
    while (p > limit) {
      k++;
      p *= this.float();
    }
    return k;
  }

  /** One element of a non-empty array, uniformly. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** Index drawn with probability proportional to `weights` (non-negative, not all zero). */
  weighted(weights: readonly number[]): number {
    let total = 0;
    for (const w of weights) total += w;
    let target = this.float() * total;
    for (let i = 0; i < weights.length; i++) {
      target -= weights[i]!;
      if (target < 0) return i;
    }
    return weights.length - 1;
  }
}
