// Worker threads start as plain Node processes would: register tsx so the TypeScript SGD
// loop loads (the same pattern as the tree workers and apps/worker's sandboxed processors).
import { register } from 'tsx/esm/api';

register();
await import('./sgd-worker-main.ts');
