import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { components } from '../api/schema';
import { writeSession } from '../api/session';
import { stubMatchMedia } from '../testing/dom';
import { I18nProvider } from '../i18n';
import { BookingActions } from './BookingActions';

type Booking = components['schemas']['BookingRead'];

beforeAll(stubMatchMedia);
afterEach(() => {
  cleanup();
  writeSession(null);
});

/** A session whose access token claims `permissions` (the console only reads the claims). */
function signedInWith(permissions: string[]) {
  const claims = btoa(JSON.stringify({ permissions, roles: ['staff'] })).replace(/=+$/, '');
  writeSession({ access_token: `e30.${claims}.sig`, refresh_token: 'r', user: {} as components['schemas']['UserSummary'] });
}

const booking = { id: '6f1b2c9e-0000-4000-8000-000000000001', start_date: '2026-12-06', end_date: '2026-12-12', status: 'confirmed' } as Booking;

function show(left: boolean) {
  render(
    <MantineProvider>
      <QueryClientProvider client={new QueryClient()}>
        <I18nProvider>
          <BookingActions booking={booking} freeSeats={[{ id: 's2', label: 'A2' }]} left={left} />
        </I18nProvider>
      </QueryClientProvider>
    </MantineProvider>,
  );
}

describe('booking actions', () => {
  it('offers renew, transfer, pause and cancel to staff who may change and cancel bookings', () => {
    signedInWith(['bookings:update', 'bookings:cancel']);
    show(false);
    for (const name of ['Renew', 'Transfer', 'Pause', 'Cancel booking']) expect(screen.getByRole('button', { name })).toBeTruthy();
  });
  it('offers nothing the token does not allow', () => {
    signedInWith(['bookings:read']);
    show(false);
    expect(screen.queryAllByRole('button')).toHaveLength(0);
  });
  it('offers no action once the booking has left the seat (moved or cancelled)', () => {
    signedInWith(['bookings:update', 'bookings:cancel']);
    show(true);
    expect(screen.queryAllByRole('button')).toHaveLength(0);
  });
});
