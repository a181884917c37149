/**
 * The oracle's survival function. Given today's health deviation d from its long-run mean and
 * the log-hazard x at that mean, the probability of NOT churning voluntarily over the next 30
 * days is S(x, d) = E[exp(−Σₖ exp(x − b·dₖ))] over the Ornstein-Uhlenbeck paths of d. It has no
 * closed form, so it is tabulated once per model by dynamic programming on a grid of d (a
 * Gaussian transition kernel per day), for a grid of x, and read by bilinear interpolation.
 * Exact up to the grids (Δd = 0.025, Δx = 0.1), unlike the first-order exp(−E[Σλ]).
 */

export interface SurvivalTable {
  /** Survival over `horizon` days from deviation `d` with log-hazard at the mean `x`. */
  survival(x: number, d: number): number;
}

const D_MIN = -4;
const D_MAX = 4;
const D_STEP = 0.025;
const X_MIN = -24;
const X_MAX = 2;
const X_STEP = 0.1;

const cache = new Map<string, SurvivalTable>();

/**
 * The table for a walk d' = ρ·d + s·ε and a hazard exp(x − b·d), over `horizon` days.
 * Built once per parameter set (about a quarter of a second) and cached.
 */
export function survivalTable(rho: number, s: number, b: number, horizon: number): SurvivalTable {
  const key = `${rho}:${s}:${b}:${horizon}`;
  let table = cache.get(key);
  if (table === undefined) {
    table = buildTable(rho, s, b, horizon);
    cache.set(key, table);
  }
  return table;
}

function buildTable(rho: number, s: number, b: number, horizon: number): SurvivalTable {
  const n = Math.round((D_MAX - D_MIN) / D_STEP) + 1;
  const xs = Math.round((X_MAX - X_MIN) / X_STEP) + 1;
  const grid = Float64Array.from({ length: n }, (_, i) => D_MIN + i * D_STEP);
  // A banded Gaussian kernel: row i holds P(d' = grid[j] | d = grid[i]) for j in [from[i], to[i]).
  const band = Math.ceil((6 * s) / D_STEP);
  const from = new Int32Array(n);
  const to = new Int32Array(n);
  const weights: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    const mean = rho * grid[i]!;
    const centre = Math.round((mean - D_MIN) / D_STEP);
    from[i] = Math.max(0, centre - band);
    to[i] = Math.min(n, centre + band + 1);
    const row = new Float64Array(to[i]! - from[i]!);
    let total = 0;
    for (let j = from[i]!; j < to[i]!; j++) {
      const z = (grid[j]! - mean) / s;
      row[j - from[i]!] = Math.exp(-0.5 * z * z);
      total += row[j - from[i]!]!;
    }
    for (let j = 0; j < row.length; j++) row[j] = row[j]! / total;
    weights.push(row);
  }
  const values = new Float64Array(xs * n);
  let current = new Float64Array(n);
  let next = new Float64Array(n);
  const daySurvival = new Float64Array(n);
  for (let xi = 0; xi < xs; xi++) {
    const x = X_MIN + xi * X_STEP;
    for (let j = 0; j < n; j++) daySurvival[j] = Math.exp(-Math.exp(x - b * grid[j]!));
    current.fill(1);
    for (let k = 0; k < horizon; k++) {
      for (let i = 0; i < n; i++) {
        const row = weights[i]!;
        const start = from[i]!;
        let sum = 0;
        for (let j = 0; j < row.length; j++) sum += row[j]! * daySurvival[start + j]! * current[start + j]!;
        next[i] = sum;
      }
      [current, next] = [next, current];
    }
    values.set(current, xi * n);
  }
  return {
    survival(x, d) {
      const fx = Math.min(xs - 1, Math.max(0, (x - X_MIN) / X_STEP));
      const fd = Math.min(n - 1, Math.max(0, (d - D_MIN) / D_STEP));
      const x0 = Math.min(xs - 2, Math.floor(fx));
      const d0 = Math.min(n - 2, Math.floor(fd));
      const tx = fx - x0;
      const td = fd - d0;
      const at = (xi: number, di: number) => values[xi * n + di]!;
      const low = at(x0, d0) * (1 - td) + at(x0, d0 + 1) * td;
      const high = at(x0 + 1, d0) * (1 - td) + at(x0 + 1, d0 + 1) * td;
      return low * (1 - tx) + high * tx;
    },
  };
}
