import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { authFetch } from './client';
import { readSession, writeSession } from './session';

const user = { id: 'u', email: 'o@example.in', name: 'Owner', user_type: 'library_owner', tenant_id: 't', roles: [] } as never;

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

describe('authFetch: a session that expires refreshes once, then returns to login', () => {
  beforeEach(() => writeSession({ access_token: 'old', refresh_token: 'refresh-old-123456', user }));
  afterEach(() => {
    vi.unstubAllGlobals();
    localStorage.clear();
  });

  it('refreshes once and retries the call with the new token', async () => {
    const seen: string[] = [];
    vi.stubGlobal('fetch', vi.fn(async (input: RequestInfo, init?: RequestInit) => {
      const req = input instanceof Request ? input : new Request(String(input), init);
      const path = new URL(req.url).pathname;
      seen.push(`${path} ${req.headers.get('authorization') ?? ''}`);
      if (path === '/api/auth/refresh') return json(200, { access_token: 'new', refresh_token: 'refresh-new-123456', user });
      return req.headers.get('authorization') === 'Bearer new' ? json(200, { ok: true }) : json(401, { detail: 'expired' });
    }));
    const res = await authFetch(new Request('http://localhost/api/v1/students'));
    expect(res.status).toBe(200);
    expect(seen).toEqual(['/api/v1/students Bearer old', '/api/auth/refresh ', '/api/v1/students Bearer new']);
    expect(readSession()?.refresh_token).toBe('refresh-new-123456');
  });

  it('ends the session when the refresh is refused (never loops)', async () => {
    const calls = vi.fn(async (input: RequestInfo) => {
      const path = new URL(input instanceof Request ? input.url : String(input)).pathname;
      return path === '/api/auth/refresh' ? json(401, { detail: 'reused' }) : json(401, { detail: 'expired' });
    });
    vi.stubGlobal('fetch', calls);
    const res = await authFetch(new Request('http://localhost/api/v1/students'));
    expect(res.status).toBe(401);
    expect(calls).toHaveBeenCalledTimes(2);
    expect(readSession()).toBeNull();
  });

  it('one refresh serves calls that fail together', async () => {
    let refreshes = 0;
    vi.stubGlobal('fetch', vi.fn(async (input: RequestInfo) => {
      const req = input as Request;
      if (new URL(req.url).pathname === '/api/auth/refresh') {
        refreshes += 1;
        return json(200, { access_token: 'new', refresh_token: 'refresh-new-123456', user });
      }
      return req.headers.get('authorization') === 'Bearer new' ? json(200, {}) : json(401, {});
    }));
    const all = await Promise.all([1, 2, 3].map(() => authFetch(new Request('http://localhost/api/v1/bookings'))));
    expect(all.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(refreshes).toBe(1);
  });
});
