/**
 * The normal distribution's tails and the truncated normal that Optuna 3.1's TPE samples
 * from and scores with (optuna/samplers/_tpe/_truncnorm.py, itself after SciPy): `erf` and
 * `erfc` by fdlibm's rational approximations (s_erf.c, as glibc's libm that Python's
 * `math.erf` calls), log-CDF with an asymptotic series in the far left tail, the log of a
 * Gaussian's mass over an interval computed in whichever tail is accurate, and the inverse
 * CDF of the truncated normal by bisection of the log-CDF, as Optuna does.
 */

// fdlibm s_erf.c coefficients (public domain, Sun Microsystems 1993).
const ERX = 8.45062911510467529297e-1;
const EFX = 1.28379167095512586316e-1;
const PP = [1.28379167095512558561e-1, -3.25042107247001499370e-1, -2.84817495755985104766e-2, -5.77027029648944159157e-3, -2.37630166566501626084e-5];
const QQ = [3.97917223959155352819e-1, 6.50222499887672944485e-2, 5.08130628187576562776e-3, 1.32494738004321644526e-4, -3.96022827877536812320e-6];
const PA = [-2.36211856075265944077e-3, 4.14856118683748331666e-1, -3.72207876035701323847e-1, 3.18346619901161753674e-1, -1.10894694282396677476e-1, 3.54783043256182359371e-2, -2.16637559486879084300e-3];
const QA = [1.06420880400844228286e-1, 5.40397917702171048937e-1, 7.18286544141962662868e-2, 1.26171219808761642112e-1, 1.36370839120290507362e-2, 1.19844998467991074170e-2];
const RA = [-9.86494403484714822705e-3, -6.93858572707181764372e-1, -1.05586262253232909814e1, -6.23753324503260060396e1, -1.62396669462573470355e2, -1.84605092906711035994e2, -8.12874355063065934246e1, -9.81432934416914548592];
const SA = [1.96512716674392571292e1, 1.37657754143519042600e2, 4.34565877475229228821e2, 6.45387271733267880336e2, 4.29008140027567833386e2, 1.08635005541779435134e2, 6.57024977031928170135, -6.04244152148580987438e-2];
const RB = [-9.86494292470009928597e-3, -7.99283237680523006574e-1, -1.77579549177547519889e1, -1.60636384855821916062e2, -6.37566443368389627722e2, -1.02509513161107724954e3, -4.83519191608651397019e2];
const SB = [3.03380607434824582924e1, 3.25792512996573918826e2, 1.53672958608443695994e3, 3.19985821950859553908e3, 2.55305040643316442583e3, 4.74528541206955367215e2, -2.24409524465858183362e1];

/** c[0] + s*c[1] + s^2*c[2] + ... (Horner). */
function poly(c: readonly number[], s: number): number {
  let r = c[c.length - 1];
  for (let i = c.length - 2; i >= 0; i--) r = c[i] + s * r;
  return r;
}

/** 1 + s*c[0] + s^2*c[1] + ... */
function poly1(c: readonly number[], s: number): number {
  return 1 + s * poly(c, s);
}

const wordView = new DataView(new ArrayBuffer(8));
/** x with the low 32 bits of its representation cleared (fdlibm's SET_LOW_WORD(z, 0)). */
function clearLowWord(x: number): number {
  wordView.setFloat64(0, x, true);
  wordView.setUint32(0, 0, true);
  return wordView.getFloat64(0, true);
}

/** exp(-x^2 - 0.5625 + R/S) split as fdlibm does, so the large exponent loses no bits. */
function tailExp(ax: number, rOverS: number): number {
  const z = clearLowWord(ax);
  return Math.exp(-z * z - 0.5625) * Math.exp((z - ax) * (z + ax) + rOverS);
}

/** The tail rational R/S for 1.25 <= |x| < 28. */
function tailRatio(ax: number): number {
  const s = 1 / (ax * ax);
  return ax < 1 / 0.35 ? poly(RA, s) / poly1(SA, s) : poly(RB, s) / poly1(SB, s);
}

/** The error function. */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax >= 6) return x > 0 ? 1 : -1;
  if (ax < 0.84375) {
    if (ax < 2 ** -28) return x + EFX * x;
    const z = x * x;
    return x + x * (poly(PP, z) / poly1(QQ, z));
  }
  if (ax < 1.25) {
    const s = ax - 1;
    const v = ERX + poly(PA, s) / poly1(QA, s);
    return x >= 0 ? v : -v;
  }
  const v = 1 - tailExp(ax, tailRatio(ax)) / ax;
  return x >= 0 ? v : -v;
}

/** The complementary error function 1 - erf(x), accurate where erf(x) is near 1. */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax < 0.84375) {
    if (ax < 2 ** -56) return 1 - x;
    const z = x * x;
    const y = poly(PP, z) / poly1(QQ, z);
    if (x < 0.25) return 1 - (x + x * y);
    return 0.5 - (x * y + (x - 0.5));
  }
  if (ax < 1.25) {
    const s = ax - 1;
    const pq = poly(PA, s) / poly1(QA, s);
    return x >= 0 ? 1 - ERX - pq : 1 + (ERX + pq);
  }
  if (ax < 28) {
    if (x < -6) return 2;
    const r = tailExp(ax, tailRatio(ax));
    return x > 0 ? r / ax : 2 - r / ax;
  }
  return x > 0 ? 0 : 2;
}

const SQRT1_2 = Math.SQRT1_2;
const LOG_SQRT_2PI = Math.log(Math.sqrt(2 * Math.PI));

/** The standard normal CDF, from whichever of erf / erfc keeps its bits (Optuna's `_ndtr_single`). */
export function ndtr(a: number): number {
  const x = a * SQRT1_2;
  if (x < -SQRT1_2) return 0.5 * erfc(-x);
  if (x < SQRT1_2) return 0.5 + 0.5 * erf(x);
  return 1 - 0.5 * erfc(x);
}

/** log of the standard normal CDF; an asymptotic series below -20, where the CDF underflows. */
export function logNdtr(a: number): number {
  if (a > 6) return -ndtr(-a);
  if (a > -20) return Math.log(ndtr(a));
  const logLhs = -0.5 * a * a - Math.log(-a) - LOG_SQRT_2PI;
  let last = 0;
  let rhs = 1;
  let numerator = 1;
  let denomFactor = 1;
  const denomCons = 1 / (a * a);
  let sign = 1;
  for (let i = 1; Math.abs(last - rhs) > Number.EPSILON; i++) {
    last = rhs;
    sign = -sign;
    denomFactor *= denomCons;
    numerator *= 2 * i - 1;
    rhs += sign * numerator * denomFactor;
  }
  return logLhs + Math.log(rhs);
}

/** log(exp(p) - exp(q)) for p >= q. */
function logDiff(p: number, q: number): number {
  return p + Math.log1p(-Math.exp(q - p));
}

function logAddExp(p: number, q: number): number {
  if (p === -Infinity) return q;
  if (q === -Infinity) return p;
  const m = Math.max(p, q);
  return m + Math.log1p(Math.exp(-Math.abs(p - q)));
}

/**
 * log of the standard normal's mass on [a, b]: computed in the left tail (the right tail by
 * symmetry), and as log1p of the two tails' complement when the interval straddles 0.
 */
export function logGaussMass(a: number, b: number): number {
  if (b <= 0) return logDiff(logNdtr(b), logNdtr(a));
  if (a > 0) return logDiff(logNdtr(-a), logNdtr(-b));
  // Optuna's vectorised _ndtr here is 0.5 + 0.5 erf(x / sqrt 2), for a <= 0 and -b < 0 alike.
  return Math.log1p(-(0.5 + 0.5 * erf(a * SQRT1_2)) - (0.5 + 0.5 * erf(-b * SQRT1_2)));
}

/** The x with logNdtr(x) = y, by 100 bisections of [-100, 100] (Optuna's `_ndtri_exp_single`). */
function ndtriExp(y: number): number {
  let lo = -100;
  let hi = 100;
  if (logNdtr(lo) > y) [lo, hi] = [hi, lo];
  let m = 0;
  for (let i = 0; i < 100; i++) {
    m = (lo + hi) / 2;
    if (logNdtr(m) < y) lo = m;
    else hi = m;
  }
  return m;
}

/** The q-quantile of the standard normal truncated to [a, b], in log space on the accurate side. */
export function truncnormPpf(q: number, a: number, b: number): number {
  if (a === b) return NaN;
  if (q === 0) return a;
  if (q === 1) return b;
  if (a < 0) return ndtriExp(logAddExp(logNdtr(a), Math.log(q) + logGaussMass(a, b)));
  return -ndtriExp(logAddExp(logNdtr(-b), Math.log1p(-q) + logGaussMass(a, b)));
}

/** log density of the standard normal at z. */
export function normLogPdf(z: number): number {
  return -(z * z) / 2 - LOG_SQRT_2PI;
}
