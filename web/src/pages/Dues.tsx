// What each booking still owes, with ageing, filtered by library, overdue days and status.
import { Badge, Group, NumberInput, Select, Stack, Table, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap } from '../api/client';
import { useLibraries } from '../api/queries';
import { Money } from '../components/Money';
import { Pager } from '../components/Pager';
import { QueryState } from '../components/QueryState';
import { useI18n } from '../i18n';
import { ageBucket } from '../lib/ageing';

const PAGE_SIZE = 50;

export default function Dues() {
  const { t } = useI18n();
  const libs = useLibraries();
  const [library, setLibrary] = useState<string | null>(null);
  const [status, setStatus] = useState<'open' | 'cancelled' | 'expired' | null>(null);
  const [overdue, setOverdue] = useState<number | null>(null);
  const [page, setPage] = useState(1);
  const dues = useQuery({
    queryKey: ['dues', library, status, overdue, page],
    queryFn: () =>
      unwrap(api.GET('/api/v1/payments/dues', { params: { query: { library_id: library, status, overdue_days: overdue, page, page_size: PAGE_SIZE } } })),
  });
  const names = new Map((libs.data?.items ?? []).map((l) => [l.id, l.name]));
  return (
    <Stack>
      <Title order={1} size="h2">{t('dues_title')}</Title>
      <Group align="end">
        <Select label={t('library')} placeholder={t('any')} clearable data={(libs.data?.items ?? []).map((l) => ({ value: l.id, label: l.name }))} value={library} onChange={(v) => { setLibrary(v); setPage(1); }} w={240} />
        <Select label={t('status')} placeholder={t('any')} clearable data={['open', 'cancelled', 'expired']} value={status} onChange={(v) => { setStatus(v as typeof status); setPage(1); }} w={160} />
        <NumberInput label={t('overdue_days_min')} min={0} max={3650} value={overdue ?? ''} onChange={(v) => { setOverdue(v === '' ? null : Number(v)); setPage(1); }} w={200} />
      </Group>
      <QueryState query={dues} isEmpty={(d) => d.items.length === 0} empty={t('nothing_owed')}>
        {(d) => (
          <>
            <Table.ScrollContainer minWidth={700}>
              <Table striped data-testid="dues-table">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('library')}</Table.Th><Table.Th>{t('due_date')}</Table.Th><Table.Th>{t('status')}</Table.Th>
                    <Table.Th>{t('charged')}</Table.Th><Table.Th>{t('paid')}</Table.Th><Table.Th>{t('balance')}</Table.Th><Table.Th>{t('ageing')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {d.items.map((due) => (
                    <Table.Tr key={due.booking_id}>
                      <Table.Td>{names.get(due.library_id) ?? '—'}</Table.Td>
                      <Table.Td>{due.due_date}</Table.Td>
                      <Table.Td>{due.status}</Table.Td>
                      <Table.Td><Money paise={due.charged_paise} /></Table.Td>
                      <Table.Td><Money paise={due.paid_paise} /></Table.Td>
                      <Table.Td><Money paise={due.balance_paise} /></Table.Td>
                      <Table.Td><Badge variant="light">{t(ageBucket(due.overdue_days, due.balance_paise))}</Badge></Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
            <Pager page={page} pageSize={PAGE_SIZE} total={d.total} onPage={setPage} />
          </>
        )}
      </QueryState>
    </Stack>
  );
}
