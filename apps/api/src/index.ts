export * from './create-app.js';
export * from './main.js';
export * from './listen-policy.js';
export * from './reaper.js';
