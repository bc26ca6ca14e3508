// What the desk does with a live booking: renew it, move it to another free
// seat, pause it or cancel it. Each is the booking API's own verb
// (POST /api/v1/bookings/{id}/<verb>); the API decides what is allowed and a
// refusal is shown as its problem, never guessed here.
import { Button, Group, NumberInput, Select, Stack, Text, TextInput } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { api, idempotencyKey, unwrap } from '../api/client';
import type { components } from '../api/schema';
import { useLibraryToday } from '../api/queries';
import { useI18n } from '../i18n';
import { usePermissions } from '../lib/usePermissions';
import { ProblemAlert } from './ProblemAlert';

type Booking = components['schemas']['BookingRead'];
type Action = 'renew' | 'transfer' | 'pause' | 'cancel';

/** `left`: the booking is no longer on this seat (moved or cancelled): only the outcome is shown. */
export function BookingActions({ booking, freeSeats, left = false }: { booking: Booking; freeSeats: { id: string; label: string }[]; left?: boolean }) {
  const { t } = useI18n();
  const may = usePermissions();
  const qc = useQueryClient();
  const [action, setAction] = useState<Action | null>(null);
  const [seat, setSeat] = useState<string | null>(null);
  const today = useLibraryToday(booking.library_id);
  const [picked, setStart] = useState<string | null>(null);
  const start = picked ?? today ?? '';
  const [days, setDays] = useState<number | ''>(7);
  const [reason, setReason] = useState('');
  const [done, setDone] = useState<string | null>(null);
  // One key per attempt: a double click renews once; a new action gets a new key.
  const key = useRef(idempotencyKey());
  const path = { params: { path: { booking_id: booking.id } } };

  const run = useMutation({
    mutationFn: async (a: Action): Promise<string> => {
      if (a === 'renew') {
        const r = await unwrap(api.POST('/api/v1/bookings/{booking_id}/renew', { ...path, params: { ...path.params, header: { 'Idempotency-Key': key.current } }, body: {} }));
        return t('renewed', { from: r.start_date, to: r.end_date });
      }
      if (a === 'transfer') {
        const r = await unwrap(api.POST('/api/v1/bookings/{booking_id}/transfer', { ...path, body: { seat_id: seat } }));
        return t('transferred', { seat: r.booking.seat_label ?? '—', date: r.effective_date });
      }
      if (a === 'pause') {
        const r = await unwrap(api.POST('/api/v1/bookings/{booking_id}/pause', { ...path, body: { start_date: start, days: Number(days), reason: reason.trim() || null } }));
        return t('paused', { to: r.end_date });
      }
      await unwrap(api.POST('/api/v1/bookings/{booking_id}/cancel', { ...path, body: { reason: reason.trim() } }));
      return t('bs_cancelled');
    },
    onSuccess: (message) => {
      setDone(message);
      setAction(null);
      key.current = idempotencyKey();
      void qc.invalidateQueries();
    },
  });

  const choose = (a: Action) => {
    setAction(a);
    setDone(null);
    run.reset();
    key.current = idempotencyKey();
  };
  const ready =
    action === 'renew' ||
    (action === 'transfer' && !!seat) ||
    (action === 'pause' && !!start && typeof days === 'number' && days >= 1) ||
    (action === 'cancel' && reason.trim().length > 0);

  if (left) {
    return (
      <Stack gap="xs" data-testid="booking-actions">
        {done && <Text size="sm" c="teal.9" role="status" data-testid="booking-action-done">{done}</Text>}
      </Stack>
    );
  }
  return (
    <Stack gap="xs" data-testid="booking-actions">
      <Group gap="xs">
        {may('bookings:update') && (
          <>
            <Button size="xs" variant={action === 'renew' ? 'filled' : 'light'} onClick={() => choose('renew')}>{t('renew')}</Button>
            <Button size="xs" variant={action === 'transfer' ? 'filled' : 'light'} onClick={() => choose('transfer')}>{t('transfer')}</Button>
            <Button size="xs" variant={action === 'pause' ? 'filled' : 'light'} onClick={() => choose('pause')}>{t('pause')}</Button>
          </>
        )}
        {may('bookings:cancel') && (
          <Button size="xs" color="red" variant={action === 'cancel' ? 'filled' : 'light'} onClick={() => choose('cancel')}>{t('cancel_booking')}</Button>
        )}
      </Group>
      {action === 'transfer' && (
        <Select label={t('transfer_to')} data={freeSeats.map((s) => ({ value: s.id, label: s.label }))} value={seat} onChange={setSeat} nothingFoundMessage={t('no_free_seat')} searchable />
      )}
      {action === 'pause' && (
        <Group grow>
          <TextInput label={t('pause_from')} type="date" value={start} onChange={(e) => setStart(e.currentTarget.value)} />
          <NumberInput label={t('days')} min={1} max={365} hideControls value={days} onChange={(v) => setDays(v === '' ? '' : Number(v))} />
        </Group>
      )}
      {(action === 'pause' || action === 'cancel') && (
        <TextInput label={t('reason')} value={reason} onChange={(e) => setReason(e.currentTarget.value)} required={action === 'cancel'} maxLength={500} />
      )}
      {action && (
        <Button size="sm" onClick={() => run.mutate(action)} loading={run.isPending} disabled={!ready} data-testid="booking-action-confirm">
          {t('confirm_action', { action: t(action === 'cancel' ? 'cancel_booking' : action) })}
        </Button>
      )}
      {run.isError && <ProblemAlert error={run.error} />}
      {done && <Text size="sm" c="teal.9" role="status" data-testid="booking-action-done">{done}</Text>}
    </Stack>
  );
}
