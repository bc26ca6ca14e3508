import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, render, screen } from '@testing-library/react';
import { StrictMode } from 'react';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { components } from '../../api/schema';
import { type Session } from '../../api/session';
import { I18nProvider } from '../../i18n';
import { stubMatchMedia } from '../../testing/dom';
import CheckIn from './CheckIn';

const CODE = 'd.0f0e.1a2b.59000000.k1.mac';
const student: Session = {
  access_token: 'e30.e30.sig',
  refresh_token: 'r',
  user: { name: 'Priya Sharma', user_type: 'student' } as components['schemas']['UserSummary'],
};

function answer(status: number, body: unknown) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': status < 300 ? 'application/json' : 'application/problem+json', 'x-request-id': 'rid-1' },
  });
}

function show(session: Session | null) {
  // StrictMode runs effects twice, as the development build does: still one POST.
  render(
    <StrictMode>
      <MantineProvider>
        <QueryClientProvider client={new QueryClient()}>
          <I18nProvider>
            <CheckIn session={session} />
          </I18nProvider>
        </QueryClientProvider>
      </MantineProvider>
    </StrictMode>,
  );
}

let calls: Request[] = [];
function serve(...answers: Response[]) {
  calls = [];
  vi.stubGlobal('fetch', vi.fn(async (req: Request) => {
    calls.push(req);
    return answers.shift() ?? answer(500, {});
  }));
}

beforeAll(stubMatchMedia);
beforeEach(() => window.history.replaceState(null, '', `/attendance/check-in#code=${CODE}`));
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('the check-in page', () => {
  it("posts the door's code once and confirms, offering the check-out", async () => {
    serve(answer(201, { checked_in_at: '2026-12-06T00:40:00Z', seat_label: 'A1', late: false, checked_out_at: null, minutes_present: null }));
    show(student);
    expect(await screen.findByText('Check-in confirmed')).toBeTruthy();
    expect(screen.getByText(/seat A1/)).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Check out' })).toBeTruthy();
    expect(calls).toHaveLength(1);
    expect(new URL(calls[0]!.url).pathname).toBe('/api/attendance/check-in');
    expect(await calls[0]!.json()).toEqual({ code: CODE });
  });

  it('says in words why a code was refused, and offers no check-out', async () => {
    serve(answer(410, { status: 410, code: 'code_expired', title: 'Gone', detail: 'expired', request_id: 'rid-1', errors: [] }));
    show(student);
    expect(await screen.findByText('This code has expired. Scan the code on the door again.')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Check out' })).toBeNull();
  });

  it('lets a student already in check out with the same scan', async () => {
    serve(answer(409, { status: 409, code: 'already_checked_in', title: 'Conflict', detail: 'in', request_id: 'rid-1', errors: [] }));
    show(student);
    expect(await screen.findByText('You are already checked in.')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Check out' })).toBeTruthy();
  });

  it('asks for a student login first and keeps the code in the address', () => {
    serve();
    show(null);
    expect(screen.getByLabelText(/Business login name/)).toBeTruthy();
    expect(window.location.hash).toBe(`#code=${CODE}`);
    expect(calls).toHaveLength(0);
  });
});
