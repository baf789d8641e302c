// The protocol barrel. Modules without zod (limits, errors, key-kinds, signing,
// transaction-text, server-frame, collector-address) can also be imported one by one, as the agent
// and the installers do to stay small.
export * from './protocol/limits.js';
export * from './protocol/errors.js';
export * from './protocol/key-kinds.js';
export * from './protocol/messages.js';
export * from './protocol/signing.js';
export * from './protocol/transaction-text.js';
export * from './protocol/server-frame.js';
export * from './protocol/parse.js';
export * from './protocol/plain-issues.js';
export * from './protocol/collector-address.js';
