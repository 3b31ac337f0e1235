/**
 * Parameter importance for the experiment page: how strongly each parameter's value goes with the
 * objective over the finished trials, as the share of the objective's rank variance each explains:
 * numeric parameters by the square of Spearman's rank correlation (monotone effects, scale-free, robust
 * to outliers), categorical ones by the correlation ratio eta^2 of the objective's ranks across
 * categories. Normalized to sum to 1.
 *
 * A deliberately simple estimator written here rather than Optuna's fANOVA (a random forest and its
 * variance decomposition): it needs no model, is exact for the monotone effects most hyperparameters
 * have, and is cheap enough to recompute in the browser on every refresh. It misses non-monotone
 * numeric effects (a parameter whose optimum is inside the range), which the UI says.
 */

export interface ImportanceInput {
  /** Parameter name to whether its values are categories (categorical) or numbers. */
  parameters: { name: string; categorical: boolean }[];
  /** Each finished trial's parameter values (as Katib's strings) and objective value. */
  trials: { values: Record<string, string>; objective: number }[];
}

/** Ranks with ties averaged (1-based). */
export function ranks(values: number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(values.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    for (let k = i; k <= j; k++) out[order[k]![1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return out;
}

function pearson(a: number[], b: number[]): number {
  const n = a.length;
  const ma = a.reduce((s, x) => s + x, 0) / n;
  const mb = b.reduce((s, x) => s + x, 0) / n;
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < n; i++) {
    cov += (a[i]! - ma) * (b[i]! - mb);
    va += (a[i]! - ma) ** 2;
    vb += (b[i]! - mb) ** 2;
  }
  return va === 0 || vb === 0 ? 0 : cov / Math.sqrt(va * vb);
}

function correlationRatio(groups: string[], y: number[]): number {
  const mean = y.reduce((s, x) => s + x, 0) / y.length;
  const total = y.reduce((s, x) => s + (x - mean) ** 2, 0);
  if (total === 0) return 0;
  const byGroup = new Map<string, number[]>();
  for (const [i, g] of groups.entries()) {
    const values = byGroup.get(g) ?? [];
    values.push(y[i]!);
    byGroup.set(g, values);
  }
  let between = 0;
  for (const values of byGroup.values()) {
    const m = values.reduce((s, x) => s + x, 0) / values.length;
    between += values.length * (m - mean) ** 2;
  }
  return between / total;
}

/** Importance per parameter (sums to 1 when any parameter matters), or undefined with fewer than 3 trials. */
export function parameterImportance(input: ImportanceInput): Record<string, number> | undefined {
  const { trials } = input;
  if (trials.length < 3) return undefined;
  const y = ranks(trials.map((t) => t.objective));
  const raw: Record<string, number> = {};
  for (const p of input.parameters) {
    const values = trials.map((t) => t.values[p.name] ?? '');
    if (p.categorical) raw[p.name] = correlationRatio(values, y);
    else raw[p.name] = pearson(ranks(values.map(Number)), y) ** 2;
  }
  const sum = Object.values(raw).reduce((s, x) => s + x, 0);
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, sum > 0 ? v / sum : 0]));
}
