export * from './identity/normalize.js';
export * from './identity/device.js';
