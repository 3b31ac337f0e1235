/** The standard normal distribution's functions, shared by TPE, Sobol's mapping and the GP's acquisition. */

/** Complementary error function, through `erfcx` (Numerical Recipes' erfcc: relative error below 1.2e-7). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const r = Math.exp(-z * z) * erfcx(z);
  return x >= 0 ? r : 2 - r;
}

export const normalCdf = (z: number): number => 0.5 * erfc(-z / Math.SQRT2);

export const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

export const normalPdf = (z: number): number => Math.exp(-0.5 * z * z - LOG_SQRT_2PI);

/**
 * The standard normal quantile: a logistic first guess refined by Newton steps on `normalCdf`
 * (enough for mapping quasi-random points through a prior; accuracy is that of `erfc`).
 */
export function normalQuantile(p: number): number {
  if (p <= 0) return Number.NEGATIVE_INFINITY;
  if (p >= 1) return Number.POSITIVE_INFINITY;
  let z = Math.log(p / (1 - p)) / 1.702;
  for (let i = 0; i < 30; i++) {
    const step = (normalCdf(z) - p) / Math.max(normalPdf(z), 1e-300);
    z -= Math.max(-2, Math.min(2, step));
    if (Math.abs(step) < 1e-10) break;
  }
  return z;
}

/** Scaled complementary error function e^(x^2) erfc(x), without overflow for large x. */
export function erfcx(x: number): number {
  if (x < 0) return 2 * Math.exp(x * x) - erfcx(-x);
  const t = 1 / (1 + 0.5 * x);
  return (
    t *
    Math.exp(
      -1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    )
  );
}

/**
 * log h(z) and its derivative, where h(z) = phi(z) + z Phi(z) is expected improvement in units of the
 * standard deviation (EI = sigma h(z), z = (best - mean) / sigma). Computed without underflow for very
 * negative z, where plain EI is zero in floating point and gives the optimizer no gradient.
 */
export function logH(z: number): { value: number; derivative: number } {
  if (z > 0) {
    const cdf = normalCdf(z);
    const h = normalPdf(z) + z * cdf;
    return { value: Math.log(h), derivative: cdf / h };
  }
  // h(z) = e^(-z^2/2) [1/sqrt(2 pi) + z/2 erfcx(-z/sqrt2)]; the bracket cancels for very negative z,
  // where its asymptotic series takes over.
  const mills = 0.5 * erfcx(-z / Math.SQRT2);
  const z2 = z * z;
  const bracket =
    z > -8 ? Math.exp(-LOG_SQRT_2PI) + z * mills : Math.exp(-LOG_SQRT_2PI) * (1 / z2 - 3 / z2 ** 2 + 15 / z2 ** 3 - 105 / z2 ** 4);
  return { value: -0.5 * z2 + Math.log(bracket), derivative: mills / bracket };
}
