// Buying credits from StudySpot (managers and owners): a pack or an amount of one's own,
// an order on StudySpot's Razorpay or Cashfree account (a choice only when the platform has
// both), the provider's checkout, then the API checks the payment with the provider before
// the credits are added (once, with StudySpot's GST invoice): Razorpay Checkout's signed
// answer, or for Cashfree the order asked of Cashfree. Closing the checkout, or a failed
// payment, adds nothing. Below, the purchases: provider and status (an unpaid one is
// abandoned after a day; paid later after all, it is still credited).
import { Alert, Badge, Button, Group, NumberInput, Paper, SegmentedControl, Stack, Table, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, idempotencyKey, unwrap } from '../../api/client';
import type { components } from '../../api/schema';
import { Money } from '../../components/Money';
import { ProblemAlert } from '../../components/ProblemAlert';
import { QueryState } from '../../components/QueryState';
import { useI18n } from '../../i18n';
import { payInCashfree } from '../../lib/cashfreeCheckout';
import { formatPaise } from '../../lib/money';
import { payInCheckout } from '../../lib/razorpayCheckout';
import { amountOf } from './credits';

type Provider = components['schemas']['CreditPurchaseCreate']['provider'] & string;
type Status = components['schemas']['CreditPurchaseRead']['status'];

// Filled, dark shades: their white text keeps its contrast (axe-core).
const STATUS_COLOURS: Record<Status, string> = { ordered: 'blue.9', paid: 'teal.9', abandoned: 'dark.5' };

export function BuyCredits() {
  const { t } = useI18n();
  const qc = useQueryClient();
  const packs = useQuery({ queryKey: ['credits', 'packs'], queryFn: () => unwrap(api.GET('/api/messages/credits/packs')) });
  const [rupees, setRupees] = useState<number | string>('');
  const [chosenProvider, setProvider] = useState<Provider | null>(null);
  const buy = useMutation({
    mutationFn: async ({ paise, provider }: { paise: number; provider: Provider }) => {
      // One key per click: the API answers a retried request with the same order.
      const order = await unwrap(api.POST('/api/messages/credits/purchases', { params: { header: { 'Idempotency-Key': idempotencyKey() } }, body: { amount_paise: paise, provider } }));
      void qc.invalidateQueries({ queryKey: ['credits', 'purchases'] });
      const verify = { params: { path: { purchase_id: order.id } } };
      if (order.provider === 'cashfree') {
        if (!(await payInCashfree(order))) return null;
        return unwrap(api.POST('/api/messages/credits/purchases/{purchase_id}/verify', verify));
      }
      const answer = await payInCheckout(order, t('msg_buy_description', { amount: formatPaise(paise) }));
      if (!answer) return null;
      return unwrap(api.POST('/api/messages/credits/purchases/{purchase_id}/verify', { ...verify, body: answer }));
    },
    onSuccess: (paid) => {
      if (paid) void qc.invalidateQueries({ queryKey: ['credits'] });
    },
  });
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="buy-credits-title">
      <Title order={2} size="h4" id="buy-credits-title">
        {t('msg_buy_title')}
      </Title>
      <QueryState query={packs}>
        {(p) => {
          const chosen = amountOf(rupees, p);
          const problem = 'problem' in chosen && rupees !== '' ? chosen.problem : null;
          const provider = chosenProvider && p.providers.includes(chosenProvider) ? chosenProvider : p.providers[0];
          return (
            <Stack gap="xs">
              <Text size="sm" c="dimmed">
                {t('msg_buy_explain', { min: formatPaise(p.min_paise), max: formatPaise(p.max_paise) })}
              </Text>
              {p.providers.length === 0 && (
                <Alert color="yellow" data-testid="buy-unavailable">
                  {t('msg_buy_unavailable')}
                </Alert>
              )}
              {p.providers.length > 1 && (
                <Group gap="xs">
                  <Text size="sm" id="buy-provider">
                    {t('msg_buy_via')}
                  </Text>
                  <SegmentedControl
                    aria-labelledby="buy-provider"
                    value={provider}
                    onChange={(v) => setProvider(v as Provider)}
                    data={p.providers.map((m) => ({ value: m, label: t(`m_${m}`) }))}
                    data-testid="buy-provider"
                  />
                </Group>
              )}
              <Group gap="xs">
                {p.packs_paise.map((paise) => (
                  <Button key={paise} size="xs" variant={'paise' in chosen && chosen.paise === paise ? 'filled' : 'default'} onClick={() => setRupees(paise / 100)} data-testid={`credit-pack-${paise}`}>
                    {formatPaise(paise)}
                  </Button>
                ))}
              </Group>
              <Group align="flex-end">
                <NumberInput
                  label={t('msg_buy_amount')}
                  prefix="₹"
                  min={p.min_paise / 100}
                  max={p.max_paise / 100}
                  allowDecimal={false}
                  value={rupees}
                  onChange={setRupees}
                  error={problem === 'range' ? t('msg_buy_range', { min: formatPaise(p.min_paise), max: formatPaise(p.max_paise) }) : problem === 'whole_rupees' ? t('msg_buy_whole') : undefined}
                  data-testid="credit-amount"
                />
                <Button onClick={() => 'paise' in chosen && provider && buy.mutate({ paise: chosen.paise, provider })} disabled={!('paise' in chosen) || !provider} loading={buy.isPending} data-testid="buy-credits">
                  {t('msg_buy')}
                </Button>
              </Group>
              {buy.isSuccess && buy.data === null && (
                <Text size="sm" data-testid="buy-closed">
                  {t('msg_buy_closed')}
                </Text>
              )}
              {buy.data && (
                <Alert color="teal" role="status" data-testid="buy-done">
                  <Text size="sm">{t('msg_buy_done', { amount: formatPaise(buy.data.amount_paise), invoice: buy.data.invoice_number ?? '' })}</Text>
                </Alert>
              )}
              {buy.isError && <ProblemAlert error={buy.error} />}
            </Stack>
          );
        }}
      </QueryState>
      <Purchases />
    </Paper>
  );
}

function Purchases() {
  const { t } = useI18n();
  const purchases = useQuery({
    queryKey: ['credits', 'purchases'],
    queryFn: () => unwrap(api.GET('/api/messages/credits/purchases', { params: { query: { page: 1, page_size: 10 } } })),
  });
  return (
    <Stack gap={4} mt="md">
      <Title order={3} size="h5">
        {t('msg_purchases_title')}
      </Title>
      <QueryState query={purchases} isEmpty={(l) => l.items.length === 0} empty={t('msg_purchases_none')}>
        {(l) => (
          <Table striped data-testid="credit-purchases">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('msg_when')}</Table.Th>
                <Table.Th ta="right">{t('msg_amount')}</Table.Th>
                <Table.Th>{t('msg_purchase_provider')}</Table.Th>
                <Table.Th>{t('msg_purchase_status')}</Table.Th>
                <Table.Th>{t('msg_purchase_invoice')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {l.items.map((p) => (
                <Table.Tr key={p.id} data-testid={`purchase-${p.id}`}>
                  <Table.Td>{new Date(p.created_at).toLocaleString()}</Table.Td>
                  <Table.Td ta="right">
                    <Money paise={p.amount_paise} />
                  </Table.Td>
                  <Table.Td>{t(`m_${p.provider}`)}</Table.Td>
                  <Table.Td>
                    <Badge variant="filled" color={STATUS_COLOURS[p.status]}>
                      {t(`msg_purchase_s_${p.status}`)}
                    </Badge>
                  </Table.Td>
                  <Table.Td>{p.invoice_number ?? '—'}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </QueryState>
    </Stack>
  );
}
