export * from './create-worker.js';
export * from './main.js';
