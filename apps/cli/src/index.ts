export { ensureRedis, freePort, type RedisHandle } from './redis-setup.js';
export { serve, type Served } from './commands/serve.js';
export { uploadArtifact, type UploadedArtifact } from './upload-artifact.js';
