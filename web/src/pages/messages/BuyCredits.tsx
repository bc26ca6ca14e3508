// Buying credits from StudySpot (managers and owners): a pack or an amount of one's own,
// a Razorpay order on StudySpot's account, Razorpay Checkout, then Checkout's signed answer
// to the API, which checks the payment with Razorpay before the credits are added (once,
// with StudySpot's GST invoice). Closing Checkout, or a failed payment, adds nothing.
import { Alert, Button, Group, NumberInput, Paper, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, idempotencyKey, unwrap } from '../../api/client';
import { ProblemAlert } from '../../components/ProblemAlert';
import { QueryState } from '../../components/QueryState';
import { useI18n } from '../../i18n';
import { formatPaise } from '../../lib/money';
import { payInCheckout } from '../../lib/razorpayCheckout';
import { amountOf } from './credits';

export function BuyCredits() {
  const { t } = useI18n();
  const qc = useQueryClient();
  const packs = useQuery({ queryKey: ['credits', 'packs'], queryFn: () => unwrap(api.GET('/api/messages/credits/packs')) });
  const [rupees, setRupees] = useState<number | string>('');
  const buy = useMutation({
    mutationFn: async (paise: number) => {
      // One key per click: the API answers a retried request with the same order.
      const order = await unwrap(api.POST('/api/messages/credits/purchases', { params: { header: { 'Idempotency-Key': idempotencyKey() } }, body: { amount_paise: paise } }));
      const answer = await payInCheckout(order, t('msg_buy_description', { amount: formatPaise(paise) }));
      if (!answer) return null;
      return unwrap(
        api.POST('/api/messages/credits/purchases/{purchase_id}/verify', {
          params: { path: { purchase_id: order.id } },
          body: answer,
        }),
      );
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
          return (
            <Stack gap="xs">
              <Text size="sm" c="dimmed">
                {t('msg_buy_explain', { min: formatPaise(p.min_paise), max: formatPaise(p.max_paise) })}
              </Text>
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
                <Button onClick={() => 'paise' in chosen && buy.mutate(chosen.paise)} disabled={!('paise' in chosen)} loading={buy.isPending} data-testid="buy-credits">
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
    </Paper>
  );
}
