// Platform: one tenant's subscription (docs/subscriptions.md). Its plan, status, period
// and what is due; its invoices and credit notes; recording a payment received outside
// Razorpay (the amount due, or an unpaid invoice: exactly its total, with the bank
// reference); overriding its limits until its next renewal; and the history of every
// change (the audit rows). Each change is confirmed first and the API's problem is shown
// as it answered. Staff read; admins record payments and override limits.
import { Alert, Anchor, Badge, Button, Group, Paper, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import { api, unwrap } from '../../api/client';
import { CreditNotes } from '../../components/CreditNotes';
import { Money } from '../../components/Money';
import { Pager } from '../../components/Pager';
import { ProblemAlert } from '../../components/ProblemAlert';
import { QueryState } from '../../components/QueryState';
import { useI18n } from '../../i18n';
import type { MessageKey } from '../../i18n/en';
import { formatPaise, parseRupees } from '../../lib/money';
import { LIMIT_KEYS, LIMITS } from '../../lib/planForm';
import { CYCLE_KEYS, indiaDate, indiaDateTime, STATUS_KEYS, type Subscription } from '../../lib/subscription';
import { actionLabel, changeSummary, limitsChanges, limitsFormOf, limitsKey, type LimitsForm, type LimitsOverride } from '../../lib/tenantAdmin';
import { usePermissions } from '../../lib/usePermissions';

const PAGE = 20;
const INVOICE_STATUS = { paid: 'invoice_paid', unpaid: 'invoice_unpaid', void: 'invoice_void' } as const;

export default function TenantPage() {
  const { t } = useI18n();
  const { tenantId = '' } = useParams();
  const path = { params: { path: { tenant_id: tenantId } } };
  const tenant = useQuery({ queryKey: ['admin', 'tenant', tenantId, 'row'], queryFn: () => unwrap(api.GET('/api/v1/tenants/{tenant_id}', path)) });
  const sub = useQuery({ queryKey: ['admin', 'tenant', tenantId, 'subscription'], queryFn: () => unwrap(api.GET('/api/v1/subscriptions/tenants/{tenant_id}', path)) });
  // Kept here, not in the form: the save itself changes the limits and so the form's key,
  // and a remounted form would forget that it had just saved.
  const [savedKey, setSavedKey] = useState<string | null>(null);
  return (
    <Stack>
      <Anchor component={Link} to="/admin/tenants" size="sm">← {t('admin_tenants_title')}</Anchor>
      <Title order={1} size="h2" data-testid="tenant-name">{tenant.data?.name ?? t('admin_tenant')}</Title>
      {tenant.isError && <ProblemAlert error={tenant.error} />}
      <QueryState query={sub}>
        {(s) => (
          <>
            <Overview sub={s} />
            {/* A new form whenever the limits change (a payment applied a plan): the form
                starts from what the tenant has now, never from what it had. */}
            <Limits key={limitsKey(s)} sub={s} saved={savedKey === limitsKey(s)} onSaved={setSavedKey} />
          </>
        )}
      </QueryState>
      <Invoices tenantId={tenantId} />
      <CreditNotes
        queryKey={['admin', 'tenant', tenantId, 'credit-notes']}
        load={(page, size) => unwrap(api.GET('/api/v1/subscriptions/tenants/{tenant_id}/credit-notes', { params: { path: { tenant_id: tenantId }, query: { page, page_size: size } } }))}
        pdf={false}
      />
      <History tenantId={tenantId} />
    </Stack>
  );
}

function useRefresh(tenantId: string) {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: ['admin', 'tenant', tenantId] });
}

function Overview({ sub }: { sub: Subscription }) {
  const { t } = useI18n();
  const may = usePermissions();
  const rows: [MessageKey, React.ReactNode][] = [
    ['subscription_plan', sub.plan_code],
    ['sub_cycle', t(CYCLE_KEYS[sub.billing_cycle])],
    ['sub_price', <Money key="p" paise={sub.price_paise} />],
    ['sub_period', sub.current_period_start ? `${indiaDate(sub.current_period_start)} – ${indiaDate(sub.current_period_end)}` : '—'],
  ];
  if (sub.status === 'trial') rows.push(['admin_trial_ends', indiaDate(sub.trial_ends_at)]);
  // The message service's own count of this month's paid messages (its limit check's).
  const credits = useQuery({
    queryKey: ['admin', 'tenant', sub.tenant_id, 'credits'],
    queryFn: () => unwrap(api.GET('/api/messages/credits/{tenant_id}/month', { params: { path: { tenant_id: sub.tenant_id } } })),
  });
  if (credits.data) {
    const { used, limit, month } = credits.data;
    rows.push(['usage_message_credits', `${limit === null ? t('usage_unlimited', { used }) : t('usage_of', { used, limit })} (${month})`]);
  }
  return (
    <Paper withBorder p="md">
      <Stack>
        <Group justify="space-between">
          <Title order={2} size="h4">{t('admin_subscription')}</Title>
          <Badge variant="filled" color={sub.status === 'active' ? 'teal.9' : sub.status === 'trial' ? 'blue.9' : 'red.9'} data-testid="tenant-sub-status">
            {t(STATUS_KEYS[sub.status])}
          </Badge>
        </Group>
        <SimpleGrid cols={{ base: 1, xs: 2, md: 5 }} spacing="sm">
          {rows.map(([label, value]) => (
            <div key={label}>
              <Text size="xs" c="dimmed">{t(label)}</Text>
              <Text size="sm" data-testid={`tenant-${label}`}>{value}</Text>
            </div>
          ))}
        </SimpleGrid>
        {credits.isError && <ProblemAlert error={credits.error} />}
        {sub.pending_upgrade && (
          <Text size="sm" data-testid="tenant-pending-upgrade">
            {t('admin_pending_upgrade', { plan: sub.pending_upgrade.to_plan, amount: formatPaise(sub.pending_upgrade.amount_paise), time: indiaDateTime(sub.pending_upgrade.expires_at) })}
          </Text>
        )}
        {sub.amount_due_paise > 0 && (
          <Stack gap="xs">
            <Text fw={600} data-testid="tenant-due">
              {t('sub_amount_due')}: <Money paise={sub.amount_due_paise} /> ({sub.pending_plan_code ?? sub.plan_code})
            </Text>
            {may('platform_payments:write') && <PaymentForm tenantId={sub.tenant_id} amount={sub.amount_due_paise} invoice={null} />}
          </Stack>
        )}
      </Stack>
    </Paper>
  );
}

/** A payment received outside Razorpay: of the amount due (it starts a paid period) or of
 *  an unpaid invoice (what it bought applies). The API takes exactly the amount. */
function PaymentForm({ tenantId, amount, invoice }: { tenantId: string; amount: number; invoice: { id: string; invoice_number: string } | null }) {
  const { t } = useI18n();
  const refresh = useRefresh(tenantId);
  const [rupees, setRupees] = useState(formatPaise(amount).replace('₹', ''));
  const [reference, setReference] = useState('');
  // The day the money arrived (India); the API takes today when none is given.
  const [receivedOn, setReceivedOn] = useState(indiaDate(new Date().toISOString()));
  const [asked, setAsked] = useState<{ amount_paise: number; reference: string; received_on: string } | null>(null);
  const [errors, setErrors] = useState<{ amount?: MessageKey; reference?: MessageKey }>({});
  const record = useMutation({
    mutationFn: async (body: { amount_paise: number; reference: string; received_on: string }) => {
      const tenant = { tenant_id: tenantId };
      if (invoice) {
        await unwrap(api.POST('/api/v1/subscriptions/tenants/{tenant_id}/invoices/{invoice_id}/payment', { params: { path: { ...tenant, invoice_id: invoice.id } }, body }));
      } else {
        await unwrap(api.POST('/api/v1/subscriptions/tenants/{tenant_id}/payments', { params: { path: tenant }, body }));
      }
    },
    onSuccess: () => {
      setAsked(null);
      void refresh();
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const paise = parseRupees(rupees);
    const found = { amount: paise === null || paise <= 0 ? ('v_amount' as const) : undefined, reference: reference.trim() ? undefined : ('v_required' as const) };
    setErrors(found);
    if (!found.amount && !found.reference && paise !== null) setAsked({ amount_paise: paise, reference: reference.trim(), received_on: receivedOn });
  };
  const target = invoice ? invoice.invoice_number : t('sub_amount_due');
  return (
    <Paper withBorder p="sm" component="form" onSubmit={submit} noValidate data-testid="payment-form">
      <Stack gap="xs">
        <Group align="end">
          <TextInput label={t('amount')} leftSection="₹" value={rupees} onChange={(e) => setRupees(e.currentTarget.value)} error={errors.amount && t(errors.amount)} inputMode="decimal" w={160} data-testid="payment-amount" />
          <TextInput label={t('admin_payment_reference')} value={reference} onChange={(e) => setReference(e.currentTarget.value)} error={errors.reference && t(errors.reference)} maxLength={100} w={240} data-testid="payment-reference" />
          <TextInput label={t('admin_payment_received_on')} type="date" value={receivedOn} onChange={(e) => setReceivedOn(e.currentTarget.value)} required w={170} data-testid="payment-received-on" />
          <Button type="submit" data-testid="payment-record">{t('admin_record_payment')}</Button>
        </Group>
        <Text size="xs" c="dimmed">{t('admin_payment_hint')}</Text>
        {asked && (
          <Alert color="yellow" data-testid="payment-confirm-box">
            <Text size="sm" mb="xs">{t('admin_payment_confirm', { amount: formatPaise(asked.amount_paise), reference: asked.reference, date: asked.received_on, target })}</Text>
            <Group>
              <Button size="xs" onClick={() => record.mutate(asked)} loading={record.isPending} data-testid="payment-confirm">{t('admin_record_payment')}</Button>
              <Button size="xs" variant="default" onClick={() => setAsked(null)}>{t('cancel')}</Button>
            </Group>
          </Alert>
        )}
        {record.isError && <ProblemAlert error={record.error} />}
      </Stack>
    </Paper>
  );
}

function Limits({ sub, saved, onSaved }: { sub: Subscription; saved: boolean; onSaved: (key: string | null) => void }) {
  const { t } = useI18n();
  const may = usePermissions();
  const refresh = useRefresh(sub.tenant_id);
  const [form, setForm] = useState<LimitsForm>(() => limitsFormOf(sub));
  const [asked, setAsked] = useState<LimitsOverride | null>(null);
  const [errors, setErrors] = useState<Partial<Record<keyof LimitsForm, MessageKey>>>({});
  const save = useMutation({
    mutationFn: (body: LimitsOverride) => unwrap(api.PATCH('/api/v1/subscriptions/tenants/{tenant_id}/limits', { params: { path: { tenant_id: sub.tenant_id } }, body })),
    onSuccess: (updated) => {
      setAsked(null);
      onSaved(limitsKey(updated));
      setForm(limitsFormOf(updated));
      void refresh();
    },
  });
  const editable = may('platform_plans:write');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const { changes, errors: found } = limitsChanges(sub, form);
    setErrors(found);
    onSaved(null);
    if (Object.keys(found).length === 0 && Object.keys(changes).length > 0) setAsked(changes);
  };
  const shown = (v: number | null | undefined) => (v === null || v === undefined ? t('unlimited') : String(v));
  return (
    <Paper withBorder p="md" component="form" onSubmit={submit} noValidate data-testid="limits-form">
      <Stack gap="sm">
        <Title order={2} size="h4">{t('admin_limits')}</Title>
        <Text size="sm" c="dimmed">{t('admin_limits_hint')}</Text>
        <SimpleGrid cols={{ base: 1, xs: 2, md: 6 }}>
          {LIMITS.map((l) => (
            <TextInput key={l} label={t(LIMIT_KEYS[l])} placeholder={t('unlimited')} value={form[l]} onChange={(e) => { const v = e.currentTarget.value; setForm((f) => ({ ...f, [l]: v })); }} error={errors[l] && t(errors[l]!)} inputMode="numeric" disabled={!editable} data-testid={`limit-${l}`} />
          ))}
          <TextInput label={t('admin_plan_overage')} value={form.overage_percent} onChange={(e) => { const v = e.currentTarget.value; setForm((f) => ({ ...f, overage_percent: v })); }} error={errors.overage_percent && t(errors.overage_percent)} inputMode="numeric" disabled={!editable} />
        </SimpleGrid>
        {editable && (
          <Group>
            <Button type="submit" data-testid="limits-save">{t('admin_limits_save')}</Button>
          </Group>
        )}
        {asked && (
          <Alert color="yellow" data-testid="limits-confirm-box">
            <Text size="sm" mb="xs">{t('admin_limits_confirm')}</Text>
            <Stack gap={2} mb="xs">
              {(Object.keys(asked) as (keyof LimitsOverride)[]).map((k) => (
                <Text size="sm" key={k}>
                  {k === 'overage_percent' ? t('admin_plan_overage') : t(LIMIT_KEYS[k])}: {shown(sub[k])} → <b>{shown(asked[k])}</b>
                </Text>
              ))}
            </Stack>
            <Group>
              <Button size="xs" onClick={() => save.mutate(asked)} loading={save.isPending} data-testid="limits-confirm">{t('admin_limits_save')}</Button>
              <Button size="xs" variant="default" onClick={() => setAsked(null)}>{t('cancel')}</Button>
            </Group>
          </Alert>
        )}
        {saved && <Text size="sm" fw={600} role="status" data-testid="limits-saved">{t('admin_limits_saved')}</Text>}
        {save.isError && <ProblemAlert error={save.error} />}
      </Stack>
    </Paper>
  );
}

function Invoices({ tenantId }: { tenantId: string }) {
  const { t } = useI18n();
  const may = usePermissions();
  const [page, setPage] = useState(1);
  const [paying, setPaying] = useState<string | null>(null);
  const invoices = useQuery({
    queryKey: ['admin', 'tenant', tenantId, 'invoices', page],
    queryFn: () => unwrap(api.GET('/api/v1/subscriptions/tenants/{tenant_id}/invoices', { params: { path: { tenant_id: tenantId }, query: { page, page_size: PAGE } } })),
  });
  return (
    <Paper withBorder p="md">
      <Title order={2} size="h4" mb="sm">{t('sub_invoices')}</Title>
      <QueryState query={invoices} isEmpty={(d) => d.items.length === 0} empty={t('sub_invoices_empty')}>
        {(d) => (
          <>
            <Table.ScrollContainer minWidth={640}>
              <Table>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('invoice_number')}</Table.Th>
                    <Table.Th>{t('date')}</Table.Th>
                    <Table.Th>{t('subscription_plan')}</Table.Th>
                    <Table.Th ta="right">{t('amount')}</Table.Th>
                    <Table.Th>{t('invoice_status')}</Table.Th>
                    <Table.Th>{t('admin_payment_reference')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {d.items.map((inv) => (
                    <Table.Tr key={inv.id} data-testid="tenant-invoice">
                      <Table.Td>{inv.invoice_number}</Table.Td>
                      <Table.Td>{indiaDate(inv.issued_at)}</Table.Td>
                      <Table.Td>{inv.plan_code}</Table.Td>
                      <Table.Td ta="right"><Money paise={inv.total_paise} /></Table.Td>
                      <Table.Td>
                        <Badge variant="filled" color={inv.status === 'paid' ? 'teal.9' : inv.status === 'unpaid' ? 'red.9' : 'gray.9'} data-testid="tenant-invoice-status">
                          {t(INVOICE_STATUS[inv.status])}
                        </Badge>
                        {inv.payment_received_on && <Text size="xs" c="dimmed">{t('admin_received_on', { date: inv.payment_received_on })}</Text>}
                      </Table.Td>
                      <Table.Td>
                        {inv.status === 'unpaid' && may('platform_payments:write') ? (
                          <Button size="xs" variant="light" onClick={() => setPaying(paying === inv.id ? null : inv.id)} data-testid="invoice-pay">{t('admin_record_payment')}</Button>
                        ) : (
                          <Text size="xs">{inv.payment_reference ?? ''}</Text>
                        )}
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
            {d.items.filter((inv) => inv.id === paying && inv.status === 'unpaid').map((inv) => (
              <PaymentForm key={inv.id} tenantId={tenantId} amount={inv.total_paise} invoice={inv} />
            ))}
            <Pager page={page} pageSize={PAGE} total={d.total} onPage={setPage} />
          </>
        )}
      </QueryState>
    </Paper>
  );
}

function History({ tenantId }: { tenantId: string }) {
  const { t } = useI18n();
  const [page, setPage] = useState(1);
  const history = useQuery({
    queryKey: ['admin', 'tenant', tenantId, 'history', page],
    queryFn: () => unwrap(api.GET('/api/v1/subscriptions/tenants/{tenant_id}/history', { params: { path: { tenant_id: tenantId }, query: { page, page_size: PAGE } } })),
  });
  return (
    <Paper withBorder p="md">
      <Title order={2} size="h4" mb="sm">{t('admin_history')}</Title>
      <QueryState query={history} isEmpty={(d) => d.items.length === 0}>
        {(d) => (
          <>
            <Table.ScrollContainer minWidth={640}>
              <Table>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('admin_history_when')}</Table.Th>
                    <Table.Th>{t('admin_history_change')}</Table.Th>
                    <Table.Th>{t('admin_history_by')}</Table.Th>
                    <Table.Th>{t('admin_history_details')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {d.items.map((c) => (
                    <Table.Tr key={c.id} data-testid="tenant-history">
                      <Table.Td>{indiaDateTime(c.created_at)}</Table.Td>
                      <Table.Td>{actionLabel(c.action)}</Table.Td>
                      <Table.Td>{c.actor_type ?? '—'}</Table.Td>
                      <Table.Td><Text size="xs">{changeSummary(c)}</Text></Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
            <Pager page={page} pageSize={PAGE} total={d.total} onPage={setPage} />
          </>
        )}
      </QueryState>
    </Paper>
  );
}
