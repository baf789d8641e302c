export * from './crypto/canonical.js';
export * from './crypto/device-key.js';
export * from './crypto/secrets.js';
export * from './crypto/mdm-assertion.js';
export * from './crypto/session-mac.js';
