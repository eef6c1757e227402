export * from './create-app.js';
export * from './main.js';
