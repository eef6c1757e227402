// A fit of known length for bench/huge-sweep.ts: spins for `ms` milliseconds of wall time
// (CPU-bound, as a real fit is), then returns a score that depends on the parameters alone.
import type { Params } from '@gridfold/core';

export function busy(params: Params): number {
  const until = performance.now() + Number(params.ms ?? 100);
  while (performance.now() < until);
  const a = Number(params.a);
  const b = Number(params.b);
  return 1 - ((a - 37) ** 2 + (b - 11) ** 2) / 1e5;
}
