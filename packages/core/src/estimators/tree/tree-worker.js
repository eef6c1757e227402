// Worker threads start as plain Node processes would: register tsx so the TypeScript
// tree builder loads (the same pattern as apps/worker's sandboxed processors).
import { register } from 'tsx/esm/api';

register();
await import('./tree-worker-main.ts');
