export * from './create-worker.js';
export * from './main.js';
export * from './artifact-cache.js';
