export function accuracyScore(a: unknown, b: unknown): number { throw new Error('pending'); }
