// What is waiting on someone else: online payments the provider has not yet
// settled (the payment service asks the provider about them automatically, and
// its last pass is shown first) and UPI transfers waiting for staff to find them
// on the bank statement.
import { Button, Group, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import type { components } from '../../api/schema';
import { Money } from '../../components/Money';
import { ProblemAlert } from '../../components/ProblemAlert';
import { QueryState } from '../../components/QueryState';
import { useI18n } from '../../i18n';
import type { MessageKey } from '../../i18n/en';
import { ageOf, providerQuery, UPI_AWAITING } from '../../lib/reconcile';
import { usePermissions } from '../../lib/usePermissions';
import { ReconcilerStatus } from './ReconcilerStatus';

type Payment = components['schemas']['PaymentRead'];
type Listed = { items: Payment[]; total: number };

const PAGE_SIZE = 50;

function Age({ createdAt }: { createdAt: string }) {
  const { t } = useI18n();
  const age = ageOf(createdAt);
  return <>{'n' in age ? t(age.key, { n: age.n }) : t(age.key)}</>;
}

function More({ shown, total }: { shown: number; total: number }) {
  const { t } = useI18n();
  return total > shown ? <Text size="xs" c="dimmed">{t('rc_showing', { shown, total })}</Text> : null;
}

export function Reconciliation({ library }: { library: string | null }) {
  const { t } = useI18n();
  const may = usePermissions();
  const provider = useQuery({
    queryKey: ['reconciliation', 'provider', library],
    // One call: the list takes several methods and statuses; oldest first.
    queryFn: (): Promise<Listed> =>
      unwrap(api.GET('/api/v1/payments', { params: { query: { library_id: library, ...providerQuery(), page: 1, page_size: PAGE_SIZE, sort: 'created_at' } } })),
  });
  const upi = useQuery({
    queryKey: ['reconciliation', 'upi', library],
    queryFn: () =>
      unwrap(api.GET('/api/v1/payments', { params: { query: { library_id: library, method: [UPI_AWAITING.method], status: [UPI_AWAITING.status], page: 1, page_size: PAGE_SIZE, sort: 'created_at' } } })),
  });
  return (
    <Paper withBorder p="md" data-testid="reconciliation">
      <Stack gap="sm">
        <Title order={2} size="h5">{t('rc_title')}</Title>
        <Text size="sm" c="dimmed">{t('rc_explain')}</Text>
        <ReconcilerStatus library={library} />
        <Title order={3} size="h6">{t('rc_provider_title')}</Title>
        <QueryState query={provider} isEmpty={(p) => p.items.length === 0} empty={t('rc_provider_empty')}>
          {(p) => (
            <>
              <Table.ScrollContainer minWidth={560}>
                <Table striped data-testid="rc-provider">
                  <Table.Thead>
                    <Table.Tr><Table.Th>{t('rc_provider')}</Table.Th><Table.Th>{t('amount')}</Table.Th><Table.Th>{t('status')}</Table.Th><Table.Th>{t('created')}</Table.Th><Table.Th>{t('rc_age')}</Table.Th></Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {p.items.map((x) => (
                      <Table.Tr key={x.id}>
                        <Table.Td>{t(`m_${x.method}` as MessageKey)}</Table.Td>
                        <Table.Td><Money paise={x.amount_paise} /></Table.Td>
                        <Table.Td>{x.status}</Table.Td>
                        <Table.Td>{new Date(x.created_at).toLocaleString()}</Table.Td>
                        <Table.Td><Age createdAt={x.created_at} /></Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
              <More shown={p.items.length} total={p.total} />
            </>
          )}
        </QueryState>
        <Title order={3} size="h6">{t('rc_upi_title')}</Title>
        <QueryState query={upi} isEmpty={(p) => p.items.length === 0} empty={t('rc_upi_empty')}>
          {(p) => (
            <>
              <Table.ScrollContainer minWidth={560}>
                <Table striped data-testid="rc-upi">
                  <Table.Thead>
                    <Table.Tr><Table.Th>{t('upi_utr')}</Table.Th><Table.Th>{t('amount')}</Table.Th><Table.Th>{t('created')}</Table.Th><Table.Th>{t('rc_age')}</Table.Th>{may('payments:verify') && <Table.Th>{t('actions')}</Table.Th>}</Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {p.items.map((x) => (
                      <Table.Tr key={x.id}>
                        <Table.Td>{x.utr ?? '—'}</Table.Td>
                        <Table.Td><Money paise={x.amount_paise} /></Table.Td>
                        <Table.Td>{new Date(x.created_at).toLocaleString()}</Table.Td>
                        <Table.Td><Age createdAt={x.created_at} /></Table.Td>
                        {may('payments:verify') && <Table.Td><VerifyUpiButton payment={x} /></Table.Td>}
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
              <More shown={p.items.length} total={p.total} />
            </>
          )}
        </QueryState>
      </Stack>
    </Paper>
  );
}

/** The same verify action as the desk: the UTR the student submitted was found on the statement. */
function VerifyUpiButton({ payment }: { payment: Payment }) {
  const { t } = useI18n();
  const qc = useQueryClient();
  const verify = useMutation({
    mutationFn: () => unwrap(api.POST('/api/v1/payments/{payment_id}/verify', { params: { path: { payment_id: payment.id } }, body: {} })),
    onSuccess: () => void qc.invalidateQueries(),
  });
  return (
    <Stack gap={4}>
      <Group>
        <Button size="xs" variant="light" onClick={() => verify.mutate()} loading={verify.isPending} aria-label={`${t('upi_verify')} ${payment.utr ?? ''}`.trim()}>
          {t('upi_verify')}
        </Button>
      </Group>
      {verify.error && <ProblemAlert error={verify.error} />}
    </Stack>
  );
}
