import { describe, expect, test } from '@jest/globals';
import { fitGp, GaussianProcess, negativeLogPosterior } from '../../shared/algorithms/gp.js';
import { minimizeLbfgs } from '../../shared/algorithms/lbfgs.js';
import { createRng } from '../../shared/algorithms/rng.js';

const rng = createRng(3);
const X = Array.from({ length: 25 }, () => Float64Array.from([rng.next(), rng.next(), rng.int(3)]));
const categorical = [false, false, true];
const f = (x: Float64Array) => Math.sin(6 * x[0]!) + 0.3 * x[1]! + [0, 0.5, -0.5][x[2]!]!;
const yRaw = X.map(f);
const mean = yRaw.reduce((a, b) => a + b, 0) / yRaw.length;
const y = Float64Array.from(yRaw, (v) => v - mean);

function numericGradient(fn: (x: Float64Array) => number, x: Float64Array, eps = 1e-6): number[] {
  return Array.from(x, (_, i) => {
    const a = Float64Array.from(x);
    const b = Float64Array.from(x);
    a[i]! += eps;
    b[i]! -= eps;
    return (fn(a) - fn(b)) / (2 * eps);
  });
}

describe('Gaussian process', () => {
  test('the marginal-likelihood gradient matches finite differences', () => {
    const objective = negativeLogPosterior(X, y, categorical);
    const theta = Float64Array.from([0.3, -0.5, 0.2, 0.1, Math.log(0.02)]);
    const grad = new Float64Array(theta.length);
    objective(theta, grad);
    const numeric = numericGradient((t) => objective(t, new Float64Array(t.length)), theta);
    for (let i = 0; i < theta.length; i++) expect(grad[i]!).toBeCloseTo(numeric[i]!, 4);
  });

  test('the posterior mean and variance gradients match finite differences', () => {
    const gp = new GaussianProcess(X, y, categorical, fitGp(X, y, categorical));
    const point = Float64Array.from([0.37, 0.61, 1]);
    const dMean = new Float64Array(3);
    const dVariance = new Float64Array(3);
    gp.predict(point, dMean, dVariance);
    const numMean = numericGradient((p) => gp.predict(p).mean, point);
    const numVariance = numericGradient((p) => gp.predict(p).variance, point);
    for (const d of [0, 1]) {
      expect(dMean[d]!).toBeCloseTo(numMean[d]!, 4);
      expect(dVariance[d]!).toBeCloseTo(numVariance[d]!, 4);
    }
    expect(dMean[2]).toBe(0);
  });

  test('the fit interpolates a noise-free function and is uncertain away from the data', () => {
    const hyper = fitGp(X, y, categorical);
    const gp = new GaussianProcess(X, y, categorical, hyper);
    for (let i = 0; i < X.length; i++) expect(gp.predict(X[i]!).mean).toBeCloseTo(y[i]!, 2);
    expect(gp.predict(X[0]!).variance).toBeLessThan(1e-3 * hyper.scale);
    // Held-out points: the mean predicts the function well.
    let error = 0;
    for (let k = 0; k < 50; k++) {
      const p = Float64Array.from([rng.next(), rng.next(), rng.int(3)]);
      error += Math.abs(gp.predict(p).mean - (f(p) - mean));
    }
    expect(error / 50).toBeLessThan(0.15);
    // The fast-varying input gets the shorter length scale (larger rho).
    expect(hyper.rho[0]!).toBeGreaterThan(hyper.rho[1]!);
  });
});

describe('L-BFGS', () => {
  test('minimizes Rosenbrock, and respects box bounds', () => {
    const rosen = (x: Float64Array, g: Float64Array) => {
      const [a, b] = [x[0]!, x[1]!];
      g[0] = -2 * (1 - a) - 400 * a * (b - a * a);
      g[1] = 200 * (b - a * a);
      return (1 - a) ** 2 + 100 * (b - a * a) ** 2;
    };
    const free = minimizeLbfgs(rosen, Float64Array.from([-1.2, 1]), { maxIterations: 500, gradientTolerance: 1e-8 });
    expect(free.x[0]!).toBeCloseTo(1, 4);
    expect(free.x[1]!).toBeCloseTo(1, 4);
    const boxed = minimizeLbfgs(rosen, Float64Array.from([0.2, 0.2]), { lower: 0, upper: 0.5, maxIterations: 500 });
    expect(boxed.x[0]!).toBeLessThanOrEqual(0.5);
    expect(boxed.x[1]!).toBeCloseTo(0.25, 2);
    expect(boxed.x[0]!).toBeCloseTo(0.5, 4);
  });
});
