// The desk's register of a library, shift and day: who is present, late, absent or
// checked out (as the attendance service says), manual check-in and check-out with a
// reason, corrections with a reason, the CSV export, and the door displays.
import { Anchor, Badge, Button, Group, Modal, Select, Stack, Table, Text, TextInput, Textarea, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api, fetchBlob, unwrap } from '../../api/client';
import { readSession, tokenClaims } from '../../api/session';
import { useLibraries, useLibraryToday, useShifts } from '../../api/queries';
import type { components } from '../../api/schema';
import { ProblemAlert } from '../../components/ProblemAlert';
import { QueryState } from '../../components/QueryState';
import { useI18n } from '../../i18n';
import type { MessageKey } from '../../i18n/en';
import { can } from '../../lib/permissions';
import { DisplayDevices } from './DisplayDevices';
import { ScanDesk } from './ScanDesk';

type Entry = components['schemas']['RegisterEntry'];
type Action = { kind: 'in' | 'out' | 'correct'; entry: Entry };

const STATUS_COLOR: Record<Entry['status'], string> = {
  // Shade 9 (gray 7) under white text: contrast of at least 4.5:1 (axe checks it).
  expected: 'gray.7',
  present: 'teal.9',
  late: 'grape.9',
  checked_out: 'blue.9',
  absent: 'red.9',
  released: 'dark.6',
};

function clock(iso: string | null | undefined): string {
  return iso ? new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : '—';
}

/** `YYYY-MM-DDTHH:MM` in the browser's zone, for a datetime-local input. */
function localInput(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export default function RegisterPage() {
  const { t } = useI18n();
  const [params, setParams] = useSearchParams();
  const library = params.get('library');
  // No shift chosen: every shift of the day, full-day bookings included.
  const shift = params.get('shift');
  const today = useLibraryToday(library);
  const date = params.get('date') ?? today ?? '';
  const permissions = tokenClaims(readSession()?.access_token ?? '').permissions;
  const libs = useLibraries();
  const shifts = useShifts(library);
  const set = (v: { library?: string | null; shift?: string | null; date?: string }) => {
    const next = { library, shift, date, ...v };
    const q = new URLSearchParams();
    if (next.library) q.set('library', next.library);
    if (next.shift) q.set('shift', next.shift);
    if (next.date || today) q.set('date', next.date || today || '');
    setParams(q, { replace: true });
  };
  const firstLibrary = libs.data?.items[0]?.id;
  useEffect(() => {
    if (!library && firstLibrary && date) setParams({ library: firstLibrary, date }, { replace: true });
  }, [library, firstLibrary, date, setParams]);
  const shiftNames = new Map((shifts.data?.items ?? []).map((s) => [s.id, s.name]));
  const register = useQuery({
    queryKey: ['attendance-register', library, shift, date],
    enabled: !!library && !!date,
    queryFn: () =>
      unwrap(
        api.GET('/api/attendance/libraries/{library_id}/register', {
          params: { path: { library_id: library ?? '' }, query: { date, shift_id: shift ?? undefined } },
        }),
      ),
    refetchInterval: 30_000,
  });
  const students = useQuery({
    queryKey: ['students-of', library],
    enabled: !!library && can(permissions, 'students:read'),
    queryFn: () => unwrap(api.GET('/api/v1/students', { params: { query: { library_id: library, page_size: 200 } } })),
  });
  const names = new Map((students.data?.items ?? []).map((s) => [s.id, s.name]));
  const [action, setAction] = useState<Action | null>(null);
  const canDesk = can(permissions, 'attendance:create');

  return (
    <Stack>
      <Title order={1} size="h2">{t('att_register_title')}</Title>
      {libs.isError && <ProblemAlert error={libs.error} onRetry={() => void libs.refetch()} />}
      <Group align="end" wrap="wrap">
        <Select
          label={t('library')}
          data={(libs.data?.items ?? []).map((l) => ({ value: l.id, label: `${l.name} (${l.city})` }))}
          value={library}
          onChange={(v) => set({ library: v, shift: null })}
          allowDeselect={false}
          w={260}
        />
        <Select
          label={t('shift')}
          placeholder={t('att_all_shifts')}
          clearable
          data={(shifts.data?.items ?? []).map((s) => ({ value: s.id, label: s.is_full_day ? `${s.name} (${t('full_day')})` : `${s.name} ${s.start_time}–${s.end_time}` }))}
          value={shift}
          onChange={(v) => set({ shift: v })}
          w={240}
        />
        <TextInput label={t('date')} type="date" value={date} onChange={(e) => set({ date: e.currentTarget.value })} w={170} />
      </Group>
      {library && (
        <Group>
          <Anchor component={Link} to={`/attendance/display/${library}`} target="_blank" data-testid="open-display">
            {t('att_open_display')}
          </Anchor>
          <ExportCsv library={library} date={date} />
        </Group>
      )}
      <QueryState query={register} isEmpty={(d) => d.items.length === 0} empty={t('att_register_empty')}>
        {(d) => (
          <>
            <Counts items={d.items} />
            <Table.ScrollContainer minWidth={720}>
              <Table striped data-testid="register-table">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('student')}</Table.Th>
                    <Table.Th>{t('shift')}</Table.Th>
                    <Table.Th>{t('seat')}</Table.Th>
                    <Table.Th>{t('status')}</Table.Th>
                    <Table.Th>{t('att_checked_in')}</Table.Th>
                    <Table.Th>{t('att_checked_out')}</Table.Th>
                    {canDesk && <Table.Th>{t('actions')}</Table.Th>}
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {d.items.map((e) => {
                    const inside = e.status === 'present' || e.status === 'late';
                    return (
                      <Table.Tr key={e.booking_id} data-student={e.student_id} data-status={e.status}>
                        <Table.Td>
                          <Anchor component={Link} to={`/students/${e.student_id}`}>{names.get(e.student_id) ?? e.student_id.slice(0, 8)}</Anchor>
                        </Table.Td>
                        <Table.Td>{e.shift_id ? shiftNames.get(e.shift_id) ?? '—' : t('full_day')}</Table.Td>
                        <Table.Td>{e.seat_label ?? t('att_floating')}</Table.Td>
                        <Table.Td>
                          <Badge color={STATUS_COLOR[e.status]} variant="filled" data-testid="register-status">{t(`att_s_${e.status}` as MessageKey)}</Badge>
                          {e.attendance?.corrected && <Text size="xs" c="dimmed">{t('att_corrected')}</Text>}
                        </Table.Td>
                        <Table.Td>{clock(e.attendance?.checked_in_at)}</Table.Td>
                        <Table.Td>{clock(e.attendance?.checked_out_at)}</Table.Td>
                        {canDesk && (
                          <Table.Td>
                            <Group gap="xs" wrap="nowrap">
                              {!inside && (
                                <Button size="xs" variant="light" onClick={() => setAction({ kind: 'in', entry: e })}>{t('att_manual_in')}</Button>
                              )}
                              {inside && (
                                <Button size="xs" variant="light" onClick={() => setAction({ kind: 'out', entry: e })}>{t('att_manual_out')}</Button>
                              )}
                              {e.attendance && (
                                <Button size="xs" variant="subtle" onClick={() => setAction({ kind: 'correct', entry: e })}>{t('att_correct')}</Button>
                              )}
                            </Group>
                          </Table.Td>
                        )}
                      </Table.Tr>
                    );
                  })}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          </>
        )}
      </QueryState>
      {action && library && <ActionModal action={action} library={library} name={names.get(action.entry.student_id)} onClose={() => setAction(null)} />}
      {library && canDesk && <ScanDesk library={library} names={names} />}
      {library && can(permissions, 'attendance:manage') && <DisplayDevices library={library} />}
    </Stack>
  );
}

function Counts({ items }: { items: Entry[] }) {
  const { t } = useI18n();
  const count = (s: Entry['status']) => items.filter((e) => e.status === s).length;
  return (
    <Group gap="xs" data-testid="register-counts">
      {(['present', 'late', 'checked_out', 'absent', 'released', 'expected'] as const).map((s) => (
        <Badge key={s} color={STATUS_COLOR[s]} variant="filled" size="lg">
          {t(`att_s_${s}` as MessageKey)}: {count(s)}
        </Badge>
      ))}
    </Group>
  );
}

function ExportCsv({ library, date }: { library: string; date: string }) {
  const { t } = useI18n();
  const [range, setRange] = useState({ from: date, to: date });
  const download = useMutation({
    mutationFn: async () => {
      const q = new URLSearchParams({ from: range.from || date, to: range.to || date });
      const blob = await fetchBlob(`/api/attendance/libraries/${library}/export?${q.toString()}`);
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = `attendance-${q.get('from')}-${q.get('to')}.csv`;
      a.click();
      URL.revokeObjectURL(url);
    },
  });
  return (
    <Group align="end" gap="xs">
      <TextInput size="xs" type="date" label={t('att_export_from')} value={range.from} onChange={(e) => setRange({ ...range, from: e.currentTarget.value })} />
      <TextInput size="xs" type="date" label={t('att_export_to')} value={range.to} onChange={(e) => setRange({ ...range, to: e.currentTarget.value })} />
      <Button size="xs" variant="light" onClick={() => download.mutate()} loading={download.isPending} data-testid="export-csv">
        {t('att_export_csv')}
      </Button>
      {download.error && <ProblemAlert error={download.error} />}
    </Group>
  );
}

function ActionModal({ action, library, name, onClose }: { action: Action; library: string; name?: string; onClose: () => void }) {
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const record = action.entry.attendance;
  const [reason, setReason] = useState('');
  const [times, setTimes] = useState({ in: localInput(record?.checked_in_at), out: localInput(record?.checked_out_at) });
  const save = useMutation({
    mutationFn: () => {
      const who = { library_id: library, student_id: action.entry.student_id, reason: reason.trim() };
      if (action.kind === 'in') return unwrap(api.POST('/api/attendance/manual-check-in', { body: who }));
      if (action.kind === 'out') return unwrap(api.POST('/api/attendance/manual-check-out', { body: who }));
      return unwrap(
        api.POST('/api/attendance/records/{record_id}/correct', {
          params: { path: { record_id: record?.id ?? '' } },
          body: {
            reason: reason.trim(),
            checked_in_at: times.in ? new Date(times.in).toISOString() : null,
            checked_out_at: times.out ? new Date(times.out).toISOString() : null,
          },
        }),
      );
    },
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['attendance-register'] });
      onClose();
    },
  });
  const tooShort = reason.trim().length < 3;
  const title: MessageKey = action.kind === 'in' ? 'att_manual_in' : action.kind === 'out' ? 'att_manual_out' : 'att_correct';
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!tooShort) save.mutate();
  };
  return (
    <Modal opened onClose={onClose} title={`${t(title)}: ${name ?? action.entry.student_id.slice(0, 8)}`}>
      <form onSubmit={submit} noValidate>
        <Stack>
          {action.kind === 'correct' && (
            <>
              <TextInput type="datetime-local" label={t('att_checked_in')} value={times.in} onChange={(e) => setTimes({ ...times, in: e.currentTarget.value })} />
              <TextInput type="datetime-local" label={t('att_checked_out')} value={times.out} onChange={(e) => setTimes({ ...times, out: e.currentTarget.value })} />
            </>
          )}
          <Textarea label={t('reason')} description={t('att_reason_hint')} value={reason} onChange={(e) => setReason(e.currentTarget.value)} required maxLength={500} minRows={2} />
          {save.error && <ProblemAlert error={save.error} />}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>{t('cancel')}</Button>
            <Button type="submit" disabled={tooShort} loading={save.isPending} data-testid="att-action-save">{t('save')}</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
