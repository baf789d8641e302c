/**
 * The owner's API key and the enrollment key every test collector is started with. Their own
 * module, so a test that drives the shipped collector binary (test/faults) or an agent only
 * imports two strings, not the whole collector (server, OIDC provider, store) that
 * test/support/collector.ts starts in-process: several seconds of import per file.
 */
export const OWNER_TOKEN = 'dtk_test-owner-token-0123456789abcdef';
export const ENROLLMENT_KEY = 'dte_test-enrollment-key-0123456789';
