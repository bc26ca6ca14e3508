// Platform: every tenant with its subscription (GET /api/v1/subscriptions/tenants):
// plan, status, period end, past due and invoices waiting for a bank transfer; search,
// filter by status or past due, and open one tenant to manage its subscription.
import { Anchor, Badge, Checkbox, Group, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { api, unwrap } from '../../api/client';
import { Money } from '../../components/Money';
import { Pager } from '../../components/Pager';
import { QueryState } from '../../components/QueryState';
import { useI18n } from '../../i18n';
import { indiaDate, STATUS_KEYS, type Status } from '../../lib/subscription';

const PAGE = 50;

export default function TenantsPage() {
  const { t } = useI18n();
  const [q, setQ] = useState('');
  const [search] = useDebouncedValue(q.trim(), 300);
  const [status, setStatus] = useState<Status | null>(null);
  const [pastDue, setPastDue] = useState(false);
  const [page, setPage] = useState(1);
  const tenants = useQuery({
    queryKey: ['admin', 'tenants', search, status, pastDue, page],
    queryFn: () =>
      unwrap(
        api.GET('/api/v1/subscriptions/tenants', {
          params: {
            query: {
              page,
              page_size: PAGE,
              ...(search ? { q: search.slice(0, 100) } : {}),
              ...(status ? { status: [status] } : {}),
              ...(pastDue ? { past_due: true } : {}),
            },
          },
        }),
      ),
  });
  const filter = <T,>(set: (v: T) => void) => (v: T) => {
    set(v);
    setPage(1);
  };
  return (
    <Stack>
      <Title order={1} size="h2">{t('admin_tenants_title')}</Title>
      <Group align="end">
        <TextInput label={t('admin_tenants_search')} value={q} onChange={(e) => filter(setQ)(e.currentTarget.value)} maxLength={100} w={280} data-testid="tenants-search" />
        <Select
          label={t('invoice_status')}
          placeholder={t('admin_tenants_any_status')}
          data={(Object.keys(STATUS_KEYS) as Status[]).map((s) => ({ value: s, label: t(STATUS_KEYS[s]) }))}
          value={status}
          onChange={(v) => filter(setStatus)(v as Status | null)}
          clearable
          w={200}
        />
        <Checkbox label={t('admin_tenants_past_due_only')} checked={pastDue} onChange={(e) => filter(setPastDue)(e.currentTarget.checked)} mb={8} />
      </Group>
      <QueryState query={tenants} isEmpty={(d) => d.items.length === 0}>
        {(d) => (
          <>
            <Table.ScrollContainer minWidth={760}>
              <Table>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('admin_tenant')}</Table.Th>
                    <Table.Th>{t('subscription_plan')}</Table.Th>
                    <Table.Th>{t('invoice_status')}</Table.Th>
                    <Table.Th>{t('admin_period_end')}</Table.Th>
                    <Table.Th ta="right">{t('sub_price')}</Table.Th>
                    <Table.Th>{t('admin_tenants_owes')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {d.items.map((row) => (
                    <Table.Tr key={row.tenant_id} data-testid="tenant-row">
                      <Table.Td>
                        <Anchor component={Link} to={`/admin/tenants/${row.tenant_id}`}>{row.tenant_name}</Anchor>
                        <Text size="xs" c="dimmed">{row.tenant_slug}{row.tenant_status !== 'active' ? ` · ${row.tenant_status}` : ''}</Text>
                      </Table.Td>
                      <Table.Td>{row.plan_code ?? '—'}</Table.Td>
                      <Table.Td>{row.status ? t(STATUS_KEYS[row.status]) : t('admin_not_opened')}</Table.Td>
                      <Table.Td>{indiaDate(row.status === 'trial' ? row.trial_ends_at : row.current_period_end)}</Table.Td>
                      <Table.Td ta="right">{row.price_paise === null ? '—' : <Money paise={row.price_paise} />}</Table.Td>
                      <Table.Td>
                        <Group gap={4}>
                          {row.past_due && <Badge variant="filled" color="red.9">{t('sub_status_past_due')}</Badge>}
                          {row.unpaid_invoices > 0 && <Badge variant="filled" color="grape.9">{t('admin_unpaid_invoices', { n: row.unpaid_invoices })}</Badge>}
                        </Group>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
            <Pager page={page} pageSize={PAGE} total={d.total} onPage={setPage} />
          </>
        )}
      </QueryState>
    </Stack>
  );
}
