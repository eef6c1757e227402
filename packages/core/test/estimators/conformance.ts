import { describe, expect, it } from 'vitest';
import { Matrix, type Target } from '../../src/matrix.js';
import { clone, Estimator, InvalidParameterError, NotFittedError, type Params } from '../../src/estimators/base.js';
import { cloneTransformer, Transformer } from '../../src/estimators/transformer.js';

/** Anything the shared contract covers: estimators and transformers. */
export type Conformant = Estimator | Transformer;

/** Data to fit on; `y` may be omitted for transformers. */
export interface ConformanceData {
  X: Matrix;
  y?: Target;
}

export interface ConformanceOptions {
  /** A valid change of params, for the setParams round trip. */
  paramChange: Params;
  /** Params the constructor and setParams must reject; the message must name the offending value. */
  invalidParams: Params;
}

/**
 * The contract every estimator and transformer passes (STYLE.md, after scikit-learn's
 * check_estimator): fit returns this; clone keeps params and is unfitted; getParams and
 * setParams round-trip; seeded runs are deterministic; using it before fit throws
 * NotFittedError; a bad param throws InvalidParameterError naming the value.
 * @param make - builds the estimator under test; `params` are given to its constructor
 */
export function describeConformance(name: string, make: (params?: Params) => Conformant, makeData: () => ConformanceData, options: ConformanceOptions): void {
  describe(`${name} conformance`, () => {
    it('fit returns this', async () => {
      const e = make();
      const { X, y } = makeData();
      expect(await fit(e, X, y)).toBe(e);
      expect(e.fitted).toBe(true);
    });

    it('clone keeps params and is unfitted', async () => {
      const e = make(options.paramChange);
      const { X, y } = makeData();
      await fit(e, X, y);
      const c = cloneAny(e);
      expect(c).not.toBe(e);
      expect(c.getParams()).toEqual(e.getParams());
      expect(c.fitted).toBe(false);
      await expect(output(c, X)).rejects.toThrow(NotFittedError);
    });

    it('getParams and setParams round-trip', () => {
      const e = make();
      const before = e.getParams();
      e.setParams(before as never);
      expect(e.getParams()).toEqual(before);
      e.setParams(options.paramChange as never);
      expect(e.getParams()).toEqual({ ...before, ...options.paramChange });
      const copy = e.getParams();
      for (const key of Object.keys(copy)) copy[key] = 'changed';
      expect(e.getParams()).toEqual({ ...before, ...options.paramChange });
    });

    it('seeded runs are deterministic', async () => {
      const { X, y } = makeData();
      const [a, b] = [make(options.paramChange), make(options.paramChange)];
      await fit(a, X, y);
      await fit(b, X, y);
      expect(await outputs(b, X)).toEqual(await outputs(a, X));
    });

    it('throws NotFittedError before fit', async () => {
      const { X } = makeData();
      await expect(output(make(), X)).rejects.toThrow(NotFittedError);
    });

    it('rejects an invalid param, naming the value', () => {
      const [key, value] = Object.entries(options.invalidParams)[0];
      const expectRejected = (act: () => unknown): void => {
        let error: unknown;
        try {
          act();
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(InvalidParameterError);
        expect((error as Error).message).toContain(key);
        expect((error as Error).message).toContain(JSON.stringify(value));
      };
      expectRejected(() => make(options.invalidParams));
      const e = make();
      const before = e.getParams();
      expectRejected(() => e.setParams(options.invalidParams as never));
      expect(e.getParams()).toEqual(before);
      expect(() => make({ no_such_param: 1 })).toThrow(InvalidParameterError);
    });
  });
}

function fit(e: Conformant, X: Matrix, y?: Target): Promise<Conformant> {
  if (e instanceof Transformer) return e.fit(X, y);
  if (y === undefined) throw new Error('conformance data for an estimator needs y');
  return e.fit(X, y);
}

function cloneAny(e: Conformant): Conformant {
  return e instanceof Transformer ? cloneTransformer(e) : clone(e);
}

function output(e: Conformant, X: Matrix): Promise<unknown> {
  return e instanceof Transformer ? e.transform(X) : e.predict(X);
}

/** Everything the estimator answers, so determinism covers scores as well as labels. */
async function outputs(e: Conformant, X: Matrix): Promise<unknown[]> {
  const out: unknown[] = [await output(e, X)];
  for (const method of ['decisionFunction', 'predictProba'] as const) {
    const fn = (e as unknown as Record<string, ((X: Matrix) => Promise<unknown>) | undefined>)[method];
    if (typeof fn === 'function') out.push(await fn.call(e, X).catch((err: Error) => err.message));
  }
  return out;
}

/** A matrix from nested rows. */
export function matrixOf(rows: number[][]): Matrix<Float64Array> {
  return new Matrix(Float64Array.from(rows.flat()), rows.length, rows[0].length);
}
