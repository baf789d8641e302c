// The identity barrel. Modules without zod (normalize, platforms, unsafe-text, storable-text,
// mdm-device-id) can also be imported one by one, as the agent does to stay small.
export * from './identity/normalize.js';
export * from './identity/platforms.js';
export * from './identity/device.js';
export * from './identity/unsafe-text.js';
export * from './identity/display-text.js';
export * from './identity/storable-text.js';
export * from './identity/mdm-device-id.js';
