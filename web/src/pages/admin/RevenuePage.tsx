// Platform admin: what StudySpot earns (GET /api/v1/subscriptions/revenue): MRR and ARR now,
// tenants by status, and by month (India time) the MRR movements and trials.
import { Group, Paper, Select, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap } from '../../api/client';
import { Money } from '../../components/Money';
import { QueryState } from '../../components/QueryState';
import { useI18n } from '../../i18n';
import type { MessageKey } from '../../i18n/en';
import { MOVEMENTS, STATUS_KEYS } from '../../lib/subscription';

const MOVEMENT_KEYS: Record<(typeof MOVEMENTS)[number], MessageKey> = {
  new_mrr_paise: 'rev_new',
  expansion_mrr_paise: 'rev_expansion',
  contraction_mrr_paise: 'rev_contraction',
  churned_mrr_paise: 'rev_churned',
  reactivation_mrr_paise: 'rev_reactivation',
  net_new_mrr_paise: 'rev_net_new',
};

export default function RevenuePage() {
  const { t } = useI18n();
  const [months, setMonths] = useState('12');
  const revenue = useQuery({
    queryKey: ['admin', 'revenue', months],
    queryFn: () => unwrap(api.GET('/api/v1/subscriptions/revenue', { params: { query: { months: Number(months) } } })),
  });
  return (
    <Stack>
      <Group justify="space-between" align="end">
        <Title order={1} size="h2">{t('admin_revenue_title')}</Title>
        <Select label={t('rev_months')} data={['3', '6', '12', '24', '36']} value={months} onChange={(v) => setMonths(v ?? '12')} w={120} allowDeselect={false} />
      </Group>
      <QueryState query={revenue}>
        {(r) => (
          <>
            <SimpleGrid cols={{ base: 2, md: 4 }}>
              {(
                [
                  ['rev_mrr', <Money key="m" paise={r.mrr_paise} />],
                  ['rev_arr', <Money key="a" paise={r.arr_paise} />],
                  ['rev_trials', r.trials],
                  ['rev_past_due', r.past_due],
                ] as [MessageKey, React.ReactNode][]
              ).map(([label, value]) => (
                <Paper withBorder p="md" key={label} data-testid={`rev-${label}`}>
                  <Text size="xs" c="dimmed">{t(label)}</Text>
                  <Text size="xl" fw={700}>{value}</Text>
                </Paper>
              ))}
            </SimpleGrid>
            <Paper withBorder p="md">
              <Title order={2} size="h4" mb="sm">{t('rev_by_status')}</Title>
              <Group gap="lg">
                {Object.entries(r.tenants_by_status).map(([status, n]) => (
                  <Text size="sm" key={status}>
                    {status in STATUS_KEYS ? t(STATUS_KEYS[status as keyof typeof STATUS_KEYS]) : status}: <b>{n}</b>
                  </Text>
                ))}
              </Group>
            </Paper>
            <Paper withBorder p="md">
              <Title order={2} size="h4" mb="sm">{t('rev_by_month')}</Title>
              <Table.ScrollContainer minWidth={860}>
                <Table striped>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>{t('rev_month')}</Table.Th>
                      {MOVEMENTS.map((m) => <Table.Th key={m} ta="right">{t(MOVEMENT_KEYS[m])}</Table.Th>)}
                      <Table.Th ta="right">{t('rev_trials_started')}</Table.Th>
                      <Table.Th ta="right">{t('rev_trials_converted')}</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {r.months.map((m) => (
                      <Table.Tr key={m.month} data-testid="rev-month">
                        <Table.Td>{m.month}</Table.Td>
                        {MOVEMENTS.map((k) => <Table.Td key={k} ta="right"><Money paise={m[k]} /></Table.Td>)}
                        <Table.Td ta="right">{m.trials_started}</Table.Td>
                        <Table.Td ta="right">{m.trials_converted}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            </Paper>
          </>
        )}
      </QueryState>
    </Stack>
  );
}
