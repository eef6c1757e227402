// The API forks this plain Node process to load a spec's plugins; register tsx so the
// TypeScript module loads without a build step, as the worker's sandboxed processors do.
import { register } from 'tsx/esm/api';

register();
await import('./plugin-check-run.ts');
