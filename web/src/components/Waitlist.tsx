// Who waits for a place in this library and shift, in queue order, and the
// offer each holds (the booking service offers a freed seat by itself; the
// student accepts by paying the offered booking). Staff may take someone off.
import { Badge, Button, Table, Text, Title } from '@mantine/core';
import { useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../api/client';
import { useI18n } from '../i18n';
import { usePermissions } from '../lib/usePermissions';
import { ProblemAlert } from './ProblemAlert';
import { QueryState } from './QueryState';

export function Waitlist({ library, shift }: { library: string; shift: string }) {
  const { t } = useI18n();
  const may = usePermissions();
  const qc = useQueryClient();
  const list = useQuery({
    queryKey: ['waitlist', library],
    queryFn: () => unwrap(api.GET('/api/v1/bookings/waitlist', { params: { query: { library_id: library, page_size: 100 } } })),
  });
  const cancel = useMutation({
    mutationFn: (id: string) => unwrap(api.POST('/api/v1/bookings/waitlist/{entry_id}/cancel', { params: { path: { entry_id: id } } })),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['waitlist', library] }),
  });
  // Open entries of this shift only (a full-day entry has no shift and waits for any).
  const open = (list.data?.items ?? []).filter((w) => (w.status === 'waiting' || w.status === 'offered') && (w.shift_id === shift || w.shift_id === null));
  // Who each entry is: one read per student (cached), the waitlist carries only ids.
  const studentIds = [...new Set(open.map((w) => w.student_id))];
  const students = useQueries({
    queries: studentIds.map((id) => ({
      queryKey: ['student', id],
      queryFn: () => unwrap(api.GET('/api/v1/students/{student_id}', { params: { path: { student_id: id } } })),
      staleTime: 60_000,
    })),
  });
  const nameOf = (id: string) => {
    const found = students[studentIds.indexOf(id)];
    return found?.data ? `${found.data.name} · ${found.data.enrollment_number}` : found?.isError ? '—' : '…';
  };
  return (
    <section aria-labelledby="waitlist-title" data-testid="waitlist">
      <Title order={2} size="h4" id="waitlist-title" mb="xs">{t('waitlist')}</Title>
      <QueryState query={list} isEmpty={() => open.length === 0} empty={t('waitlist_empty')}>
        {() => (
          <Table.ScrollContainer minWidth={640}>
            <Table>
              <Table.Thead>
                <Table.Tr><Table.Th>{t('wl_position')}</Table.Th><Table.Th>{t('wl_student')}</Table.Th><Table.Th>{t('date')}</Table.Th><Table.Th>{t('status')}</Table.Th><Table.Th>{t('wl_offer_until')}</Table.Th><Table.Th>{t('actions')}</Table.Th></Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {open.map((w) => (
                  <Table.Tr key={w.id}>
                    <Table.Td>{w.position ?? '—'}</Table.Td>
                    <Table.Td data-testid="waitlist-student">{nameOf(w.student_id)}</Table.Td>
                    <Table.Td>{w.start_date}</Table.Td>
                    <Table.Td><Badge color={w.status === 'offered' ? 'teal.9' : 'gray.7'} variant="filled">{t(w.status === 'offered' ? 'wl_offered' : 'wl_waiting')}</Badge></Table.Td>
                    <Table.Td>{w.offer_expires_at ? new Date(w.offer_expires_at).toLocaleString() : '—'}</Table.Td>
                    <Table.Td>
                      {may('bookings:cancel') && (
                        <Button size="xs" variant="subtle" color="red" onClick={() => cancel.mutate(w.id)} loading={cancel.isPending && cancel.variables === w.id}>{t('wl_remove')}</Button>
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </QueryState>
      {cancel.isError && <ProblemAlert error={cancel.error} />}
      {list.isSuccess && <Text size="xs" c="dimmed">{t('wl_hint')}</Text>}
    </section>
  );
}
