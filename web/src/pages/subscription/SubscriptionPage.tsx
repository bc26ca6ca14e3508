// The owner's subscription to StudySpot (docs/subscriptions.md): plan and status
// with what still works, usage against every limit, the plans to change to (an
// upgrade's prorated amount from the API before confirming), checkout through
// Razorpay, and StudySpot's GST invoices as PDF. Nothing here is computed that
// the API does not say, except days left and percentages.
import { Alert, Anchor, Badge, Button, Group, Paper, Progress, SegmentedControl, SimpleGrid, Stack, Table, Text, Title, VisuallyHidden } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, fetchBlob, saveBlob, unwrap } from '../../api/client';
import { CreditNotes } from '../../components/CreditNotes';
import { Money } from '../../components/Money';
import { formatPaise } from '../../lib/money';
import { Pager } from '../../components/Pager';
import { ProblemAlert } from '../../components/ProblemAlert';
import { QueryState } from '../../components/QueryState';
import { payInCheckout } from '../../lib/razorpayCheckout';
import { useI18n } from '../../i18n';
import type { MessageKey } from '../../i18n/en';
import {
  allowance,
  CYCLE_KEYS,
  CYCLES,
  indiaDate,
  indiaDateTime,
  planAction,
  priceOf,
  remainingDays,
  STATUS_KEYS,
  statusNotice,
  trialDaysLeft,
  usageLevel,
  type Cycle,
  type Plan,
  type Subscription,
} from '../../lib/subscription';

const CURRENT = ['subscription', 'current'] as const;
const INVOICE_PAGE = 20;

export default function SubscriptionPage() {
  const { t } = useI18n();
  const current = useQuery({ queryKey: CURRENT, queryFn: () => unwrap(api.GET('/api/v1/subscriptions/current')) });
  const plans = useQuery({ queryKey: ['subscription', 'plans'], queryFn: () => unwrap(api.GET('/api/v1/subscriptions/plans')) });
  return (
    <Stack>
      <Title order={1} size="h2">{t('sub_title')}</Title>
      <QueryState query={current}>
        {(sub) => (
          <>
            <Overview sub={sub} plans={plans.data?.items ?? []} />
            {sub.pending_upgrade && <PendingUpgrade pending={sub.pending_upgrade} plans={plans.data?.items ?? []} />}
            <Usage sub={sub} />
            <QueryState query={plans}>{(p) => <Plans sub={sub} plans={p.items} />}</QueryState>
            <Invoices plans={plans.data?.items ?? []} />
            <CreditNotes
              queryKey={['subscription', 'credit-notes']}
              load={(page, size) => unwrap(api.GET('/api/v1/subscriptions/current/credit-notes', { params: { query: { page, page_size: size } } }))}
              pdf
            />
          </>
        )}
      </QueryState>
    </Stack>
  );
}

function useRefresh() {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: ['subscription'] });
}

function planName(plans: Plan[], code: string | null): string {
  if (!code) return '—';
  // The trial plan is not offered, so not in the public list: its code, capitalised.
  return plans.find((p) => p.code === code)?.name ?? code.charAt(0).toUpperCase() + code.slice(1);
}

function Overview({ sub, plans }: { sub: Subscription; plans: Plan[] }) {
  const { t } = useI18n();
  const refresh = useRefresh();
  const [cancelling, setCancelling] = useState(false);
  const cancel = useMutation({ mutationFn: () => unwrap(api.POST('/api/v1/subscriptions/current/cancel')), onSuccess: () => { setCancelling(false); void refresh(); } });
  const reactivate = useMutation({ mutationFn: () => unwrap(api.POST('/api/v1/subscriptions/current/reactivate')), onSuccess: () => void refresh() });
  const checkout = useMutation({ mutationFn: () => unwrap(api.POST('/api/v1/subscriptions/current/checkout')) });
  const days = sub.status === 'trial' ? trialDaysLeft(sub.trial_ends_at, Date.now()) : null;
  const notice = statusNotice(sub.status);
  const periodEnd = indiaDate(sub.current_period_end);
  const rows: [MessageKey, React.ReactNode][] = [
    ['subscription_plan', planName(plans, sub.plan_code)],
    ['sub_cycle', t(CYCLE_KEYS[sub.billing_cycle])],
    ['sub_price', <Money key="p" paise={sub.price_paise} />],
    ['sub_period', sub.current_period_start ? `${indiaDate(sub.current_period_start)} – ${periodEnd}` : '—'],
  ];
  return (
    <Paper withBorder p="md">
      <Stack>
        <Group justify="space-between">
          <Title order={2} size="h4">{planName(plans, sub.plan_code)}</Title>
          {/* Shade 9 under white text: contrast of at least 4.5:1 (axe checks it). */}
          <Badge variant="filled" color={sub.status === 'active' ? 'teal.9' : sub.status === 'trial' ? 'blue.9' : 'red.9'} data-testid="sub-status">
            {t(STATUS_KEYS[sub.status])}
          </Badge>
        </Group>
        {sub.status === 'trial' && days !== null && (
          <Alert color="blue" data-testid="sub-trial">
            <Text fw={700} size="sm">{t('sub_trial_days', { n: days })}</Text>
            <Text size="sm">{t('sub_banner_trial', { date: indiaDate(sub.trial_ends_at) })}</Text>
          </Alert>
        )}
        {notice && (
          <Alert color={notice.color} data-testid="sub-banner">
            <Text fw={700} size="sm">{t(STATUS_KEYS[sub.status])}</Text>
            <Text size="sm">{t(notice.key)}</Text>
          </Alert>
        )}
        {sub.cancel_at_period_end && (
          <Alert color="yellow" data-testid="sub-scheduled">{t('sub_cancel_scheduled', { date: periodEnd })}</Alert>
        )}
        {sub.status === 'active' && sub.pending_plan_code && (
          <Alert color="yellow" data-testid="sub-scheduled">
            {t('sub_downgrade_scheduled', { plan: planName(plans, sub.pending_plan_code), date: periodEnd })}
          </Alert>
        )}
        {sub.status !== 'active' && sub.pending_plan_code && (
          <Text size="sm" data-testid="sub-chosen">
            {t('sub_chosen', { plan: planName(plans, sub.pending_plan_code), cycle: t(CYCLE_KEYS[sub.pending_billing_cycle ?? 'monthly']) })}
          </Text>
        )}
        <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }} spacing="sm">
          {rows.map(([label, value]) => (
            <div key={label}>
              <Text size="xs" c="dimmed">{t(label)}</Text>
              <Text size="sm">{value}</Text>
            </div>
          ))}
        </SimpleGrid>
        {sub.amount_due_paise > 0 && (
          <Stack gap="xs">
            <Text fw={600} data-testid="sub-due">
              {t('sub_amount_due')}: <Money paise={sub.amount_due_paise} />
            </Text>
            <Group>
              <Button onClick={() => checkout.mutate()} loading={checkout.isPending} data-testid="sub-checkout">
                {t('sub_checkout')}
              </Button>
            </Group>
            <Text size="xs" c="dimmed">{t('sub_checkout_hint')}</Text>
            {checkout.data && (
              <Alert color="teal" data-testid="sub-checkout-link">
                {checkout.data.short_url ? (
                  <Anchor href={checkout.data.short_url} target="_blank" rel="noopener noreferrer">
                    {t('sub_checkout_open')} <Money paise={checkout.data.amount_paise} />
                  </Anchor>
                ) : (
                  <Text size="sm">{t('sub_checkout_no_link', { id: checkout.data.provider_subscription_id })}</Text>
                )}
                <Button size="xs" variant="light" mt="xs" onClick={() => void refresh()}>{t('sub_refresh')}</Button>
              </Alert>
            )}
            {checkout.isError && <ProblemAlert error={checkout.error} />}
          </Stack>
        )}
        <Group>
          {(sub.cancel_at_period_end || (sub.status === 'active' && sub.pending_plan_code)) && (
            <Button variant="light" onClick={() => reactivate.mutate()} loading={reactivate.isPending} data-testid="sub-reactivate">
              {t('sub_reactivate')}
            </Button>
          )}
          {sub.status === 'active' && sub.plan_code !== 'free' && !sub.cancel_at_period_end && !cancelling && (
            <Button variant="subtle" color="red" onClick={() => setCancelling(true)}>{t('sub_cancel')}</Button>
          )}
          {cancelling && (
            <>
              <Text size="sm">{t('sub_cancel_confirm', { date: periodEnd })}</Text>
              <Button color="red" onClick={() => cancel.mutate()} loading={cancel.isPending} data-testid="sub-cancel-confirm">{t('sub_cancel_yes')}</Button>
              <Button variant="default" onClick={() => setCancelling(false)}>{t('cancel')}</Button>
            </>
          )}
        </Group>
        {cancel.isError && <ProblemAlert error={cancel.error} />}
        {reactivate.isError && <ProblemAlert error={reactivate.error} />}
      </Stack>
    </Paper>
  );
}

type Pending = NonNullable<Subscription['pending_upgrade']>;

/** A confirmed upgrade that applies once paid: online (a Razorpay order), or the unpaid
 *  invoice a tenant paying by invoice settles by bank transfer. */
function PendingUpgrade({ pending, plans }: { pending: Pending; plans: Plan[] }) {
  const { t } = useI18n();
  const refresh = useRefresh();
  const vars = { plan: planName(plans, pending.to_plan), amount: formatPaise(pending.amount_paise), time: indiaDateTime(pending.expires_at) };
  // The order (made once; asked again, the same), then Razorpay Checkout, then its signed
  // answer to the API, which fetches the payment from Razorpay before the plan changes.
  const pay = useMutation({
    mutationFn: async () => {
      const order = await unwrap(api.POST('/api/v1/subscriptions/current/upgrade/checkout'));
      const answer = await payInCheckout(order, t('upgrade_pending_title', vars));
      if (!answer) return { order, outcome: null };
      const verified = await unwrap(api.POST('/api/v1/subscriptions/current/upgrade/verify', { body: answer }));
      return { order, outcome: verified.outcome };
    },
    onSuccess: (done) => {
      if (done.outcome) void refresh();
    },
  });
  return (
    <Alert color="yellow" data-testid="sub-pending-upgrade">
      <Text fw={700} size="sm">{t('upgrade_pending_title', vars)}</Text>
      {pending.status === 'invoiced' ? (
        <Text size="sm">{t('upgrade_pending_invoice', vars)}</Text>
      ) : (
        <Stack gap="xs">
          <Text size="sm">{t('upgrade_pending_online', vars)}</Text>
          <Group>
            <Button size="xs" onClick={() => pay.mutate()} loading={pay.isPending} data-testid="upgrade-pay">{t('upgrade_pay', vars)}</Button>
          </Group>
          {pay.data && !pay.data.outcome && (
            <Text size="sm" data-testid="upgrade-order">
              {t('upgrade_order', { id: pay.data.order.provider_order_id, amount: formatPaise(pay.data.order.amount_paise), time: indiaDateTime(pay.data.order.expires_at) })}
            </Text>
          )}
          {pay.data?.outcome === 'refund_due' && <Text size="sm" c="red" role="alert">{t('upgrade_refund_due')}</Text>}
          {pay.isError && <ProblemAlert error={pay.error} />}
        </Stack>
      )}
    </Alert>
  );
}

const INVOICE_STATUS = { paid: 'invoice_paid', unpaid: 'invoice_unpaid', void: 'invoice_void' } as const;

interface LimitRow {
  key: MessageKey;
  used: number | null | undefined;
  limit: number | null;
  hard: boolean;
}

function Usage({ sub }: { sub: Subscription }) {
  const { t } = useI18n();
  // Counted by the services that enforce each limit, the way their checks count.
  const library = useQuery({ queryKey: ['subscription', 'usage', 'library'], queryFn: () => unwrap(api.GET('/api/v1/libraries/usage')) });
  const students = useQuery({ queryKey: ['subscription', 'usage', 'students'], queryFn: () => unwrap(api.GET('/api/v1/students/analytics', { params: { query: { months: 1 } } })) });
  // The message service's own counter, the one its limit check moves (a hard limit).
  const credits = useQuery({ queryKey: ['subscription', 'usage', 'credits'], queryFn: () => unwrap(api.GET('/api/messages/credits/month')) });
  const rows: LimitRow[] = [
    { key: 'usage_libraries', used: library.data?.libraries, limit: sub.max_libraries, hard: false },
    { key: 'usage_seats', used: library.data?.seats, limit: sub.max_seats, hard: false },
    { key: 'usage_students', used: students.data?.total, limit: sub.max_students, hard: false },
    { key: 'usage_staff', used: library.data?.staff, limit: sub.max_staff, hard: false },
    { key: 'usage_message_credits', used: credits.data?.used, limit: sub.monthly_message_credits, hard: true },
  ];
  return (
    <Paper withBorder p="md">
      <Title order={2} size="h4" mb="sm">{t('usage_title')}</Title>
      <Stack gap="sm">
        {rows.map((r) => {
          const { level, percent } = usageLevel(r.used, r.limit);
          const color = level === 'full' ? 'red' : level === 'warn' ? 'yellow' : 'teal';
          return (
            <div key={r.key} data-testid="usage-row" data-level={level}>
              <Group justify="space-between" gap="xs">
                <Text size="sm" fw={500}>{t(r.key)}</Text>
                <Text size="sm">
                  {r.limit === null
                    ? t('usage_unlimited', { used: r.used ?? '—' })
                    : t('usage_of', { used: r.used ?? '—', limit: r.limit })}
                </Text>
              </Group>
              {percent !== null && <Progress value={Math.min(percent, 100)} color={color} aria-label={t(r.key)} mt={4} />}
              {level === 'warn' && <Text size="xs" fw={600}>{t('usage_warn', { percent: percent ?? 0 })}</Text>}
              {level === 'full' && r.limit !== null && (
                <Text size="xs" c="red.9">
                  {r.hard || sub.overage_percent === 0
                    ? t('usage_full')
                    : t('usage_full_overage', { percent: sub.overage_percent, most: allowance(r.limit, sub.overage_percent, r.hard) })}
                </Text>
              )}
              {r.hard && credits.data && <Text size="xs" c="dimmed">{t('usage_credits_month', { month: credits.data.month })}</Text>}
            </div>
          );
        })}
        {library.isError && <ProblemAlert error={library.error} />}
        {students.isError && <ProblemAlert error={students.error} />}
        {credits.isError && <ProblemAlert error={credits.error} />}
      </Stack>
    </Paper>
  );
}

function Plans({ sub, plans }: { sub: Subscription; plans: Plan[] }) {
  const { t } = useI18n();
  const refresh = useRefresh();
  // A running subscription keeps its cycle on upgrade; a new choice picks one.
  const [cycle, setCycle] = useState<Cycle>(sub.status === 'active' ? sub.billing_cycle : (sub.pending_billing_cycle ?? 'monthly'));
  const [downgradeTo, setDowngradeTo] = useState<string | null>(null);
  const choose = useMutation({
    mutationFn: (code: string) => unwrap(api.POST('/api/v1/subscriptions/current/plan', { body: { plan_code: code, billing_cycle: cycle } })),
    onSuccess: () => void refresh(),
  });
  const quote = useMutation({
    mutationFn: (code: string) => unwrap(api.POST('/api/v1/subscriptions/current/upgrade/quote', { body: { plan_code: code } })),
  });
  const upgrade = useMutation({
    mutationFn: (q: { to_plan: string; amount_due_paise: number; quoted_at: string }) =>
      unwrap(api.POST('/api/v1/subscriptions/current/upgrade', { body: { plan_code: q.to_plan, expected_amount_paise: q.amount_due_paise, quoted_at: q.quoted_at } })),
    onSuccess: () => { quote.reset(); void refresh(); },
  });
  const downgrade = useMutation({
    mutationFn: (code: string) => unwrap(api.POST('/api/v1/subscriptions/current/downgrade', { body: { plan_code: code, billing_cycle: cycle } })),
    onSuccess: () => { setDowngradeTo(null); void refresh(); },
  });
  const shown = sub.status === 'active' ? sub.billing_cycle : cycle;
  const limit = (v: number | null) => (v === null ? t('unlimited') : String(v));
  const q = quote.data;
  return (
    <Paper withBorder p="md">
      <Group justify="space-between" mb="sm">
        <Title order={2} size="h4">{t('plans_title')}</Title>
        {sub.status !== 'active' && (
          <SegmentedControl
            size="xs"
            aria-label={t('sub_cycle')}
            value={cycle}
            onChange={(v) => setCycle(v as Cycle)}
            data={CYCLES.map((c) => ({ value: c, label: t(CYCLE_KEYS[c]) }))}
          />
        )}
      </Group>
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 4 }} spacing="sm">
        {plans.map((p) => {
          const action = planAction(sub, p, cycle);
          return (
            <Paper key={p.code} withBorder p="sm" data-testid={`plan-${p.code}`}>
              <Stack gap={4}>
                <Text fw={700}>{p.name}</Text>
                <Text size="lg"><Money paise={priceOf(p, shown)} /> <Text span size="xs" c="dimmed">/ {t(CYCLE_KEYS[shown])}</Text></Text>
                {p.description && <Text size="xs" c="dimmed">{p.description}</Text>}
                <Text size="xs">
                  {t('plan_limits_line', { libraries: limit(p.max_libraries), seats: limit(p.max_seats), students: limit(p.max_students), staff: limit(p.max_staff) })}
                </Text>
                {p.features.length > 0 && <Text size="xs" c="dimmed">{p.features.join(', ')}</Text>}
                {action === 'current' && <Badge variant="filled" color="blue.9">{t('plan_current')}</Badge>}
                {action === 'chosen' && <Badge variant="filled" color="teal.9">{t('plan_chosen')}</Badge>}
                {action === 'scheduled' && <Badge variant="filled" color="grape.9">{t('plan_scheduled')}</Badge>}
                {action === 'choose' && (
                  <Button size="xs" onClick={() => choose.mutate(p.code)} loading={choose.isPending && choose.variables === p.code} data-testid="plan-choose">{t('plan_choose')}</Button>
                )}
                {action === 'upgrade' && (
                  <Button size="xs" onClick={() => quote.mutate(p.code)} loading={quote.isPending && quote.variables === p.code} data-testid="plan-quote">{t('plan_upgrade')}</Button>
                )}
                {action === 'downgrade' && (
                  <Button size="xs" variant="light" onClick={() => setDowngradeTo(p.code)} data-testid="plan-downgrade">{t('plan_downgrade')}</Button>
                )}
              </Stack>
            </Paper>
          );
        })}
      </SimpleGrid>
      {choose.isError && <ProblemAlert error={choose.error} />}
      {quote.isError && <ProblemAlert error={quote.error} />}
      {q && (
        <Paper withBorder p="md" mt="md" data-testid="upgrade-quote">
          <Title order={3} size="h5" mb="xs">{t('quote_title', { from: planName(plans, q.from_plan), to: planName(plans, q.to_plan) })}</Title>
          <Text size="sm" mb="xs">{t('quote_explain', { days: remainingDays(q.remaining_seconds), end: indiaDate(q.period_end) })}</Text>
          <Table withRowBorders={false} maw={420}>
            <Table.Tbody>
              <Table.Tr><Table.Td>{t('quote_charge', { plan: planName(plans, q.to_plan) })}</Table.Td><Table.Td ta="right"><Money paise={q.charge_paise} /></Table.Td></Table.Tr>
              <Table.Tr><Table.Td>{t('quote_credit', { plan: planName(plans, q.from_plan) })}</Table.Td><Table.Td ta="right"><Money paise={-q.credit_paise} /></Table.Td></Table.Tr>
              <Table.Tr><Table.Td fw={700}>{t('quote_due')}</Table.Td><Table.Td ta="right" fw={700} data-testid="quote-amount"><Money paise={q.amount_due_paise} /></Table.Td></Table.Tr>
            </Table.Tbody>
          </Table>
          <Text size="xs" c="dimmed" mt="xs">{t('quote_renewal')} <Money paise={q.new_price_paise} /></Text>
          <Text size="xs" c="dimmed" mb="xs">{t('quote_not_charged')}</Text>
          <Group>
            <Button onClick={() => upgrade.mutate(q)} loading={upgrade.isPending} data-testid="upgrade-confirm">
              {t('quote_confirm')}
            </Button>
            <Button variant="default" onClick={() => quote.reset()}>{t('cancel')}</Button>
          </Group>
        </Paper>
      )}
      {upgrade.isError && <ProblemAlert error={upgrade.error} />}
      {upgrade.isSuccess && <Text size="sm" fw={600} role="status" mt="sm" data-testid="upgrade-done">{t('upgrade_done')}</Text>}
      {downgradeTo && (
        <Alert color="yellow" mt="md" data-testid="downgrade-confirm-box">
          <Text size="sm" mb="xs">{t('downgrade_confirm', { plan: planName(plans, downgradeTo), date: indiaDate(sub.current_period_end) })}</Text>
          <Group>
            <Button size="xs" onClick={() => downgrade.mutate(downgradeTo)} loading={downgrade.isPending} data-testid="downgrade-confirm">{t('plan_downgrade')}</Button>
            <Button size="xs" variant="default" onClick={() => setDowngradeTo(null)}>{t('cancel')}</Button>
          </Group>
        </Alert>
      )}
      {downgrade.isError && <ProblemAlert error={downgrade.error} />}
    </Paper>
  );
}

function Invoices({ plans }: { plans: Plan[] }) {
  const { t } = useI18n();
  const [page, setPage] = useState(1);
  const invoices = useQuery({
    queryKey: ['subscription', 'invoices', page],
    queryFn: () => unwrap(api.GET('/api/v1/subscriptions/current/invoices', { params: { query: { page, page_size: INVOICE_PAGE } } })),
  });
  const download = useMutation({
    mutationFn: async (inv: { id: string; invoice_number: string }) => {
      const blob = await fetchBlob(`/api/v1/subscriptions/current/invoices/${inv.id}?format=pdf`);
      saveBlob(blob, `${inv.invoice_number.replace(/[^A-Za-z0-9-]/g, '-')}.pdf`);
    },
  });
  return (
    <Paper withBorder p="md">
      <Title order={2} size="h4" mb="sm">{t('sub_invoices')}</Title>
      <QueryState query={invoices} isEmpty={(d) => d.items.length === 0} empty={t('sub_invoices_empty')}>
        {(d) => (
          <>
            <Table.ScrollContainer minWidth={560}>
              <Table>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('invoice_number')}</Table.Th>
                    <Table.Th>{t('date')}</Table.Th>
                    <Table.Th>{t('subscription_plan')}</Table.Th>
                    <Table.Th>{t('sub_period')}</Table.Th>
                    <Table.Th ta="right">{t('amount')}</Table.Th>
                    <Table.Th>{t('invoice_status')}</Table.Th>
                    <Table.Th><VisuallyHidden>{t('actions')}</VisuallyHidden></Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {d.items.map((inv) => (
                    <Table.Tr key={inv.id} data-testid="sub-invoice">
                      <Table.Td>{inv.invoice_number}</Table.Td>
                      <Table.Td>{indiaDate(inv.issued_at)}</Table.Td>
                      <Table.Td>{planName(plans, inv.plan_code)}</Table.Td>
                      <Table.Td>{indiaDate(inv.period_start)} – {indiaDate(inv.period_end)}</Table.Td>
                      <Table.Td ta="right"><Money paise={inv.total_paise} /></Table.Td>
                      <Table.Td>
                        <Badge variant="filled" color={inv.status === 'paid' ? 'teal.9' : inv.status === 'unpaid' ? 'red.9' : 'gray.9'} data-testid="sub-invoice-status">
                          {t(INVOICE_STATUS[inv.status])}
                        </Badge>
                      </Table.Td>
                      <Table.Td>
                        <Button size="xs" variant="light" onClick={() => download.mutate(inv)} loading={download.isPending && download.variables?.id === inv.id} data-testid="sub-invoice-pdf">
                          {t('download_pdf')}
                        </Button>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
            <Pager page={page} pageSize={INVOICE_PAGE} total={d.total} onPage={setPage} />
          </>
        )}
      </QueryState>
      {download.isError && <ProblemAlert error={download.error} />}
    </Paper>
  );
}
