/**
 * The vendor kit: what every inventory source (MDM and EDR alike) builds on. The HTTP
 * client (retries, Retry-After, token refresh, credential scrubbing, no redirects, no
 * other hosts), OAuth and Basic auth, vendor rate-limit headers, per-call timeouts, the
 * URL and credential rules of config fields, readers for loosely typed vendor JSON, and
 * paging helpers. Vendor folders import the kit from here; only the sync engine reaches
 * into its files.
 */
export { basicAuth, ClientCredentialsToken } from './auth.js';
export { baseUrlInput, credential, pageSizeField, publicCredential, pageSizeInput, textInput, vendorUrl } from './config-fields.js';
export { clientOptions, DEFAULT_EDR_INTERVAL_MINUTES, EDR_COMMON_CONFIG, freshnessInput } from './edr.js';
export { bool, lookup, requireArray, text, timestamp, vendorRecord } from './fields.js';
export { mappedPages, vendorTest } from './pages.js';
export { withVendorRetryAfter } from './rate-limit.js';
export { VendorClient, type VendorClientOptions, type VendorRequest, type VendorResponse } from './vendor-client.js';
export { VendorError } from './vendor-error.js';
