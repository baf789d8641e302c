/* global sessionStorage */
// The admin REST API client. The key lives in sessionStorage only: it is gone when the tab
// closes and is never written to localStorage or a cookie.

const STORAGE_KEY = 'devtrust.console.apiKey';

export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = field ?? null;
  }
}

export const storedKey = () => sessionStorage.getItem(STORAGE_KEY);
export const storeKey = (key) => sessionStorage.setItem(STORAGE_KEY, key);
export const forgetKey = () => sessionStorage.removeItem(STORAGE_KEY);

/** Called on any 401 so the app can return to sign-in; set by app.js. */
let onUnauthorized = () => undefined;
export function setUnauthorizedHandler(handler) {
  onUnauthorized = handler;
}

/**
 * One request. `body` is JSON unless `contentType` says otherwise. Resolves to the parsed
 * answer (null for 204); rejects with ApiError carrying the API's code, message and field.
 */
export async function api(method, path, { body, contentType, signal, key } = {}) {
  // Labels the request as the console's in the admin log (the key stays the actor).
  const headers = { accept: 'application/json', 'x-devtrust-client': 'console' };
  const token = key ?? storedKey();
  if (token) headers.authorization = `Bearer ${token}`;
  let payload;
  if (body !== undefined) {
    headers['content-type'] = contentType ?? 'application/json';
    payload = contentType ? body : JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, { method, headers, body: payload, signal, cache: 'no-store', credentials: 'omit' });
  } catch (error) {
    if (error?.name === 'AbortError') throw error;
    throw new ApiError(0, 'NETWORK', 'The collector did not answer. Check your connection and try again.');
  }
  const text = await response.text();
  let data = null;
  try {
    data = text === '' ? null : JSON.parse(text);
  } catch {
    data = null;
  }
  if (response.ok) return data;
  const error = data?.error ?? {};
  const failure = new ApiError(
    response.status,
    error.code ?? `HTTP_${response.status}`,
    error.message ?? `The collector answered ${response.status} ${response.statusText}.`,
    error.field,
  );
  // The sign-in check passes its own key and handles its own 401.
  if (response.status === 401 && key === undefined) onUnauthorized(failure);
  throw failure;
}

export const get = (path, options) => api('GET', path, options);

/**
 * A file answer (an export) as a Blob and the file name the collector suggested. The key
 * travels in a header, so a plain link cannot fetch it; the file is held in this tab's memory.
 */
async function download(path, { signal } = {}) {
  const headers = { authorization: `Bearer ${storedKey()}` };
  let response;
  try {
    response = await fetch(path, { headers, signal, cache: 'no-store', credentials: 'omit' });
  } catch (error) {
    if (error?.name === 'AbortError') throw error;
    throw new ApiError(0, 'NETWORK', 'The collector did not answer. Check your connection and try again.');
  }
  if (!response.ok) {
    const error = (await response.json().catch(() => null))?.error ?? {};
    const failure = new ApiError(
      response.status,
      error.code ?? `HTTP_${response.status}`,
      error.message ?? `The collector answered ${response.status}.`,
    );
    if (response.status === 401) onUnauthorized(failure);
    throw failure;
  }
  const name = /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '')?.[1] ?? 'export.csv';
  return { blob: await response.blob(), name };
}

/**
 * Saves what a GET answers (a CSV template, an export) as a file through the browser's
 * download; the file is named `filename`, else as the collector suggested. Returns that name.
 */
export async function saveDownload(path, { filename, signal } = {}) {
  const { blob, name } = await download(path, { signal });
  const url = URL.createObjectURL(blob);
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = filename ?? name;
  anchor.hidden = true;
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return anchor.download;
}

/** Query strings without empty values. */
export function withQuery(path, params) {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') query.set(k, String(v));
  const qs = query.toString();
  return qs ? `${path}?${qs}` : path;
}

export const enc = encodeURIComponent;
