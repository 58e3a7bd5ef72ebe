// A tiny client for the Junction REST API: sends the API key as a bearer token and turns
// problem+json answers into readable errors that name the offending field.
const KEY = 'junction.apiKey';

export function getKey() {
  return sessionStorage.getItem(KEY);
}
export function setKey(key) {
  sessionStorage.setItem(KEY, key);
}
export function clearKey() {
  sessionStorage.removeItem(KEY);
}

export class ApiError extends Error {
  constructor(status, problem) {
    super(describeProblem(status, problem));
    this.name = 'ApiError';
    this.status = status;
    this.code = problem?.code ?? `HTTP_${status}`;
    this.field = problem?.field;
    this.problem = problem;
  }
}

/** "settings.systemKey: Required" style text from a problem document. */
export function describeProblem(status, problem) {
  if (!problem || typeof problem !== 'object') return `The server answered ${status}.`;
  const errors = Array.isArray(problem.errors) ? problem.errors : [];
  if (errors.length > 0) {
    return errors.map((e) => `${e.field ? `Field “${e.field}”: ` : ''}${e.message}`).join('\n');
  }
  const detail = problem.detail || problem.title || `The server answered ${status}.`;
  return problem.field && !detail.includes(problem.field) ? `Field “${problem.field}”: ${detail}` : detail;
}

let onUnauthorized = () => {};
export function whenUnauthorized(handler) {
  onUnauthorized = handler;
}

/** Calls `/api/v1<path>`; resolves to the parsed JSON body (or null for 204). `quiet`: a 401 does not sign out. */
export async function api(method, path, body, { key = getKey(), quiet = false } = {}) {
  const headers = { accept: 'application/json' };
  if (key) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response;
  try {
    response = await fetch(`/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, { code: 'NETWORK', detail: 'The Junction server cannot be reached. Is it running?' });
  }
  const text = await response.text();
  let json = null;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = { detail: text.slice(0, 300) };
    }
  }
  if (!response.ok) {
    const error = new ApiError(response.status, json);
    if (response.status === 401 && !quiet) onUnauthorized(error);
    throw error;
  }
  return json;
}

/** Query string from an object, leaving out empty values. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
