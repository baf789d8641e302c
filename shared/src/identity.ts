export * from './identity/normalize.js';
export * from './identity/device.js';
export * from './identity/display-text.js';
export * from './identity/storable-text.js';
export * from './identity/mdm-device-id.js';
