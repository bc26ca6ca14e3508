// The seat map of a library and shift on a date, as the booking service's
// availability says. It is read again as soon as the realtime stream says a seat of
// the library changed (`seat_changed` on `library:<id>`), and after any gap in the
// stream; polling remains as the fallback: every 15 s while the stream is down, every
// minute while it is up. A click shows the seat and who holds it. When the API fails,
// the failure is shown, not an empty map.
import { Drawer, Group, Loader, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useRef, useState } from 'react';
import { useSearchParams } from 'react-router';
import { api, unwrap } from '../api/client';
import { useLibraryToday } from '../api/queries';
import { LiveBadge } from '../components/LiveBadge';
import { LibraryShiftPicker } from '../components/LibraryShiftPicker';
import { BookingActions } from '../components/BookingActions';
import { ProblemAlert } from '../components/ProblemAlert';
import { Waitlist } from '../components/Waitlist';
import { QueryState } from '../components/QueryState';
import { Legend, SeatGrid, type SeatAvailability } from '../components/SeatGrid';
import { useI18n } from '../i18n';
import type { LiveStatus } from '../lib/realtime';
import { useLiveEvents } from '../lib/useLiveEvents';

const POLL_OFFLINE_MS = 15_000;
const POLL_LIVE_MS = 60_000;

export function useAvailability(library: string | null, shift: string | null, date: string | null, live: LiveStatus = 'offline') {
  return useQuery({
    queryKey: ['availability', library, shift, date],
    enabled: !!library && !!shift && !!date,
    refetchInterval: live === 'open' ? POLL_LIVE_MS : POLL_OFFLINE_MS,
    queryFn: () =>
      unwrap(
        api.GET('/api/v1/bookings/availability', {
          params: { query: { library_id: library ?? '', shift_id: shift, start_date: date ?? '' } },
        }),
      ),
  });
}

export function SeatMapPage() {
  const { t } = useI18n();
  const [params, setParams] = useSearchParams();
  const library = params.get('library');
  const shift = params.get('shift');
  const today = useLibraryToday(library);
  const date = params.get('date') ?? today;
  const [picked, setSeat] = useState<SeatAvailability | null>(null);
  const onChange = useCallback(
    (v: { library: string | null; shift: string | null; date?: string }) => {
      // The picker settles on a default once the libraries are read: a person who has
      // already clicked to another page must not be brought back to the map.
      if (!window.location.pathname.startsWith('/seat-map')) return;
      const next = new URLSearchParams();
      if (v.library) next.set('library', v.library);
      if (v.shift) next.set('shift', v.shift);
      if (v.date) next.set('date', v.date);
      setParams(next, { replace: true });
    },
    [setParams],
  );
  const qc = useQueryClient();
  const live = useLiveEvents(library ? [`library:${library}`] : [], (e) => {
    if (e.event !== 'seat_changed' && e.event !== 'resync') return;
    void qc.invalidateQueries({ queryKey: ['availability', library] });
    void qc.invalidateQueries({ queryKey: ['seat-bookings'] });
    void qc.invalidateQueries({ queryKey: ['waitlist', library] });
  });
  const availability = useAvailability(library, shift, date, live);
  // The drawer follows the map's refreshes: the seat as last read, not as it was clicked.
  const seat = picked && (availability.data?.seats.find((s) => s.seat_id === picked.seat_id) ?? picked);

  return (
    <Stack>
      <Title order={1} size="h2">{t('nav_seat_map')}</Title>
      <LibraryShiftPicker library={library} shift={shift} date={date ?? ''} onChange={onChange} />
      {library && shift && (
        <QueryState query={availability} isEmpty={(a) => a.seats.length === 0 && a.floating.length === 0} empty={t('no_seats')}>
          {(a) => (
            <Stack>
              <Group justify="space-between">
                <Legend counts={a.counts} />
                <Group gap="xs">
                  <LiveBadge status={live} offline="refreshes" />
                  {availability.isFetching && <Loader size={10} aria-hidden />}
                </Group>
              </Group>
              {a.floating.map((f) => (
                <Text key={f.seat_type} size="sm">
                  {t('floating_left', { type: f.seat_type, left: f.left, capacity: f.capacity })}
                </Text>
              ))}
              <SeatGrid seats={a.seats} onSeat={setSeat} />
              <Waitlist library={library} shift={shift} />
            </Stack>
          )}
        </QueryState>
      )}
      <Drawer opened={!!seat} onClose={() => setSeat(null)} title={seat ? t('seat_details', { label: seat.label }) : ''} position="right" closeButtonProps={{ 'aria-label': t('close') }}>
        {seat && library && date && (
          <SeatDetails
            seat={seat}
            library={library}
            date={date}
            // A transfer goes to a seat that is free in this shift on this date, as the map shows it.
            freeSeats={(availability.data?.seats ?? []).filter((s) => s.state === 'free').map((s) => ({ id: s.seat_id, label: s.label }))}
          />
        )}
      </Drawer>
    </Stack>
  );
}

function SeatDetails({ seat, library, date, freeSeats }: { seat: SeatAvailability; library: string; date: string; freeSeats: { id: string; label: string }[] }) {
  const { t } = useI18n();
  const bookings = useQuery({
    queryKey: ['seat-bookings', seat.seat_id, date],
    enabled: seat.state === 'booked' || seat.state === 'held',
    queryFn: () =>
      unwrap(
        api.GET('/api/v1/bookings', {
          params: { query: { library_id: library, seat_id: seat.seat_id, from_date: date, to_date: date, page_size: 20 } },
        }),
      ),
  });
  const live = (bookings.data?.items ?? []).filter((b) => ['pending_payment', 'confirmed', 'active'].includes(b.status));
  // The booking acted on stays in hand after a transfer or cancel takes it off this seat
  // (the refetch after the action no longer lists it), so that the outcome stays on screen.
  const acted = useRef<(typeof live)[number] | undefined>(undefined);
  if (live[0]) acted.current = live[0];
  const studentId = live[0]?.student_id;
  const student = useQuery({
    queryKey: ['student', studentId],
    enabled: !!studentId,
    queryFn: () => unwrap(api.GET('/api/v1/students/{student_id}', { params: { path: { student_id: studentId ?? '' } } })),
  });
  return (
    <Stack data-testid="seat-details">
      <Table>
        <Table.Tbody>
          <Table.Tr><Table.Th>{t('status')}</Table.Th><Table.Td>{t(seat.state)}</Table.Td></Table.Tr>
          <Table.Tr><Table.Th>{t('seat_type')}</Table.Th><Table.Td>{seat.seat_type}</Table.Td></Table.Tr>
          <Table.Tr><Table.Th>{t('zone')}</Table.Th><Table.Td>{seat.zone ?? '—'}</Table.Td></Table.Tr>
          {live[0] && (
            <>
              <Table.Tr>
                <Table.Th>{t('occupant')}</Table.Th>
                <Table.Td data-testid="occupant">{student.data ? `${student.data.name} (${student.data.enrollment_number})` : '…'}</Table.Td>
              </Table.Tr>
              <Table.Tr><Table.Th>{t('booking_period')}</Table.Th><Table.Td>{live[0].start_date} – {live[0].end_date}</Table.Td></Table.Tr>
            </>
          )}
        </Table.Tbody>
      </Table>
      {acted.current && <BookingActions booking={acted.current} freeSeats={freeSeats} left={!live[0]} />}
      {bookings.isError && <ProblemAlert error={bookings.error} />}
      {student.isError && <ProblemAlert error={student.error} />}
    </Stack>
  );
}
