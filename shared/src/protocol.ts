export * from './protocol/limits.js';
export * from './protocol/errors.js';
export * from './protocol/messages.js';
export * from './protocol/parse.js';
