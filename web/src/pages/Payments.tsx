// Payment history and the day's collection by method.
import { Group, Paper, Select, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap } from '../api/client';
import { useLibraries, useLibraryToday } from '../api/queries';
import { Money } from '../components/Money';
import { Pager } from '../components/Pager';
import { QueryState } from '../components/QueryState';
import { useI18n } from '../i18n';
import type { MessageKey } from '../i18n/en';
import { formatPaise } from '../lib/money';
import { usePermissions } from '../lib/usePermissions';
import { Reconciliation } from './payments/Reconciliation';
import { RefundButton } from './payments/RefundButton';

const PAGE_SIZE = 50;

export default function Payments() {
  const { t } = useI18n();
  const may = usePermissions();
  const libs = useLibraries();
  const [library, setLibrary] = useState<string | null>(null);
  const today = useLibraryToday(library);
  const [picked, setDate] = useState<string | null>(null);
  const date = picked ?? today ?? '';
  const [page, setPage] = useState(1);
  const summary = useQuery({
    queryKey: ['daily-summary', library, date],
    enabled: !!date,
    queryFn: () => unwrap(api.GET('/api/v1/payments/summary/daily', { params: { query: { date, library_id: library } } })),
  });
  const payments = useQuery({
    queryKey: ['payments', library, page],
    queryFn: () => unwrap(api.GET('/api/v1/payments', { params: { query: { library_id: library, page, page_size: PAGE_SIZE, sort: '-created_at' } } })),
  });
  return (
    <Stack>
      <Title order={1} size="h2">{t('payments_title')}</Title>
      <Group align="end">
        <Select label={t('library')} placeholder={t('any')} clearable data={(libs.data?.items ?? []).map((l) => ({ value: l.id, label: l.name }))} value={library} onChange={(v) => { setLibrary(v); setPage(1); }} w={240} />
        <TextInput label={t('date')} type="date" value={date} onChange={(e) => setDate(e.currentTarget.value)} w={170} />
      </Group>
      <QueryState query={summary}>
        {(s) => (
          <Paper withBorder p="md">
            <Title order={2} size="h5" mb="xs">{t('daily_summary', { date: s.date })}</Title>
            <SimpleGrid cols={{ base: 1, sm: 3 }}>
              <Text>{t('collected')}: <Money paise={s.collected_paise} /></Text>
              <Text>{t('refunded')}: <Money paise={s.refunded_paise} /></Text>
              <Text>{t('net')}: <Money paise={s.net_paise} /></Text>
            </SimpleGrid>
            <Text size="sm" c="dimmed" mt="xs" data-testid="by-method">
              {s.methods.map((m) => `${t(`m_${m.method}` as MessageKey)}: ${formatPaise(m.amount_paise)} (${m.count})`).join(' · ')}
            </Text>
          </Paper>
        )}
      </QueryState>
      <Reconciliation library={library} />
      <QueryState query={payments} isEmpty={(p) => p.items.length === 0}>
        {(p) => (
          <>
            <Table.ScrollContainer minWidth={700}>
              <Table striped>
                <Table.Thead>
                  <Table.Tr><Table.Th>{t('created')}</Table.Th><Table.Th>{t('method')}</Table.Th><Table.Th>{t('status')}</Table.Th><Table.Th>{t('amount')}</Table.Th><Table.Th>{t('refunded')}</Table.Th><Table.Th>{t('invoice', { number: '' })}</Table.Th>{may('payments:refund') && <Table.Th>{t('actions')}</Table.Th>}</Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {p.items.map((x) => (
                    <Table.Tr key={x.id}>
                      <Table.Td>{new Date(x.created_at).toLocaleString()}</Table.Td>
                      <Table.Td>{x.method}</Table.Td>
                      <Table.Td>{x.status}</Table.Td>
                      <Table.Td><Money paise={x.amount_paise} /></Table.Td>
                      <Table.Td><Money paise={x.refunded_paise} /></Table.Td>
                      <Table.Td>{x.invoice_number ?? '—'}</Table.Td>
                      {may('payments:refund') && <Table.Td><RefundButton payment={x} /></Table.Td>}
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
            <Pager page={page} pageSize={PAGE_SIZE} total={p.total} onPage={setPage} />
          </>
        )}
      </QueryState>
    </Stack>
  );
}
