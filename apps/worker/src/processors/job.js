// BullMQ forks a plain Node process for sandboxed processors; register tsx there so the
// TypeScript processor loads without a build step.
import { register } from 'tsx/esm/api';

register();
const { default: processor } = await import('./job-processor.ts');
export default processor;
