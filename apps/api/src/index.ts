export * from './create-app.js';
export * from './main.js';
export * from './reaper.js';
