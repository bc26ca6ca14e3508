// The typed API client (openapi-fetch over the generated schema) and the one
// place that knows about tokens: every call carries the access token; a 401
// refreshes the session once (one refresh in flight for all callers) and
// retries the call; a second 401 or a failed refresh ends the session, which
// sends the console back to the login page.
import createClient from 'openapi-fetch';
import type { paths } from './schema';
import { readSession, writeSession } from './session';

export interface Problem {
  status: number;
  code: string;
  title: string;
  detail: string;
  request_id: string;
  errors: { field: string; message: string }[];
}

export class ApiError extends Error {
  readonly problem: Problem;
  constructor(problem: Problem) {
    super(problem.detail);
    this.problem = problem;
  }
}

let refreshing: Promise<boolean> | null = null;

async function refreshOnce(): Promise<boolean> {
  const session = readSession();
  if (!session) return false;
  refreshing ??= (async () => {
    try {
      const res = await fetch(
        new Request(new URL('/api/auth/refresh', window.location.origin), {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ refresh_token: session.refresh_token }),
        }),
      );
      if (!res.ok) return false;
      const body = (await res.json()) as { access_token: string; refresh_token: string; user: typeof session.user };
      writeSession({ access_token: body.access_token, refresh_token: body.refresh_token, user: body.user });
      return true;
    } catch {
      return false;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

function withToken(req: Request): Request {
  const token = readSession()?.access_token;
  if (!token) return req;
  const headers = new Headers(req.headers);
  headers.set('authorization', `Bearer ${token}`);
  return new Request(req, { headers });
}

/** fetch with the session's token; one refresh and retry on 401, then logout. */
export async function authFetch(input: Request): Promise<Response> {
  const retry = input.clone();
  const res = await fetch(withToken(input));
  if (res.status !== 401 || !readSession() || new URL(input.url).pathname.startsWith('/api/auth/')) {
    return res;
  }
  if (!(await refreshOnce())) {
    writeSession(null);
    return res;
  }
  const again = await fetch(withToken(retry));
  if (again.status === 401) writeSession(null);
  return again;
}

export const api = createClient<paths>({
  baseUrl: typeof window === 'undefined' ? 'http://localhost' : window.location.origin,
  fetch: authFetch,
});

/** A problem from a failed response (the API's own, or one made from what we got). */
export async function problemOf(res: Response, body?: unknown): Promise<Problem> {
  const rid = res.headers.get('x-request-id') ?? '';
  let data = body;
  if (data === undefined) {
    try {
      data = await res.clone().json();
    } catch {
      data = null;
    }
  }
  const p = (data ?? {}) as Partial<Problem>;
  return {
    status: p.status ?? res.status,
    code: p.code ?? `http_${res.status}`,
    title: p.title ?? res.statusText,
    detail: p.detail ?? `The server answered ${res.status} ${res.statusText}`.trim(),
    request_id: p.request_id ?? rid,
    errors: Array.isArray(p.errors) ? p.errors : [],
  };
}

type Result<T> = { data?: T; error?: unknown; response: Response };

/** The problem of a call that got no answer at all (offline, refused, aborted). */
export function networkError(e: unknown): ApiError {
  return new ApiError({
    status: 0,
    code: 'network_error',
    title: 'Network error',
    detail: e instanceof Error ? e.message : 'The server could not be reached',
    request_id: '',
    errors: [],
  });
}

/** The data of a successful call, or throws ApiError with the API's problem. */
export async function unwrap<T>(call: Promise<Result<T>>): Promise<T> {
  let result: Result<T>;
  try {
    result = await call;
  } catch (e) {
    throw networkError(e);
  }
  if (result.response.ok) return result.data as T;
  throw new ApiError(await problemOf(result.response, result.error));
}

/** A binary document (PDF, QR) through the same token handling. */
export async function fetchBlob(path: string): Promise<Blob> {
  let res: Response;
  try {
    res = await authFetch(new Request(new URL(path, window.location.origin)));
  } catch (e) {
    throw networkError(e);
  }
  if (!res.ok) throw new ApiError(await problemOf(res));
  return res.blob();
}

/** Hand a fetched document to the browser as a download named `filename`. */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A fresh Idempotency-Key for a POST that creates money or a booking. */
export function idempotencyKey(): string {
  return crypto.randomUUID();
}
