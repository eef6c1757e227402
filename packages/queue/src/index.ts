export * from './names.js';
export * from './store.js';
export * from './flow.js';
export * from './connection.js';
export * from './task-cache.js';
export * from './views.js';
export * from './run-jobs.js';
