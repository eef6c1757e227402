export { ensureRedis, freePort, type RedisHandle } from './redis-setup.js';
export { serve, type Served } from './commands/serve.js';
