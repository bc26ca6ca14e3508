// The business as the tenant service knows it: name, contact email, phone and
// GSTIN (checked here with the same checksum as the API), and what the owner
// cannot change here (the login slug; the plan and its limits, from the subscription
// service) shown read-only.
import { Button, Group, Paper, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap } from '../../api/client';
import { ProblemAlert } from '../../components/ProblemAlert';
import { QueryState } from '../../components/QueryState';
import { useI18n } from '../../i18n';
import { usePermissions } from '../../lib/usePermissions';
import { PaymentAccounts } from './PaymentAccounts';
import { formOf, tenantChanges, validateTenant, type OwnTenant, type TenantErrors, type TenantForm } from './tenantForm';

export default function SettingsPage() {
  const { t } = useI18n();
  const may = usePermissions();
  const tenant = useQuery({
    queryKey: ['tenant', 'me'],
    queryFn: () => unwrap(api.GET('/api/v1/tenants/me')),
  });
  return (
    <Stack maw={760}>
      <Title order={1} size="h2">{t('settings_title')}</Title>
      <QueryState query={tenant}>
        {(tn) => (
          <>
            <BusinessForm tenant={tn} />
            <Account tenant={tn} />
          </>
        )}
      </QueryState>
      {may('payments:configure') && <PaymentAccounts />}
    </Stack>
  );
}

function BusinessForm({ tenant }: { tenant: OwnTenant }) {
  const { t } = useI18n();
  const may = usePermissions();
  const qc = useQueryClient();
  const editable = may('tenant:update');
  const [form, setForm] = useState<TenantForm>(() => formOf(tenant));
  const [errors, setErrors] = useState<TenantErrors>({});
  const save = useMutation({
    mutationFn: () => unwrap(api.PATCH('/api/v1/tenants/me', { body: tenantChanges(tenant, form) })),
    // The form restarts from what the API saved (it may normalise what was typed).
    onSuccess: (saved) => {
      qc.setQueryData(['tenant', 'me'], saved);
      setForm(formOf(saved));
    },
  });
  const changes = tenantChanges(tenant, form);
  const dirty = Object.keys(changes).length > 0;
  const set = (change: Partial<TenantForm>) => {
    setForm((f) => ({ ...f, ...change }));
    save.reset();
  };
  const err = (k: keyof TenantForm) => (errors[k] ? t(errors[k]) : undefined);
  return (
    <Paper withBorder p="md">
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          const found = validateTenant(form);
          setErrors(found);
          if (Object.keys(found).length === 0 && dirty) save.mutate();
        }}
      >
        <Stack>
          <Title order={2} size="h4">{t('business_details')}</Title>
          <TextInput label={t('trade_name')} required value={form.name} onChange={(e) => set({ name: e.currentTarget.value })} error={err('name')} maxLength={120} readOnly={!editable} />
          <TextInput label={t('contact_email')} type="email" required value={form.contactEmail} onChange={(e) => set({ contactEmail: e.currentTarget.value })} error={err('contactEmail')} maxLength={254} readOnly={!editable} />
          <TextInput label={t('business_phone')} type="tel" value={form.phone} onChange={(e) => set({ phone: e.currentTarget.value })} error={err('phone')} maxLength={20} readOnly={!editable} />
          <TextInput
            label={t('gstin_optional')}
            description={t('gstin_hint')}
            value={form.gstin}
            onChange={(e) => set({ gstin: e.currentTarget.value.toUpperCase() })}
            error={err('gstin')}
            maxLength={15}
            readOnly={!editable}
            data-testid="tenant-gstin"
          />
          {save.isError && <ProblemAlert error={save.error} />}
          {save.isSuccess && <Text size="sm" fw={600} role="status">{t('saved')}</Text>}
          {editable && (
            <Group>
              <Button type="submit" disabled={!dirty} loading={save.isPending}>{t('save')}</Button>
            </Group>
          )}
        </Stack>
      </form>
    </Paper>
  );
}

function Account({ tenant }: { tenant: OwnTenant }) {
  const { t } = useI18n();
  const may = usePermissions();
  // The plan and its limits belong to the subscription service (issue 15), not the tenant row.
  const subscription = useQuery({
    queryKey: ['subscription', 'current'],
    queryFn: () => unwrap(api.GET('/api/v1/subscriptions/current')),
    enabled: may('subscriptions:read'),
  });
  const sub = subscription.data;
  const limit = (value: number | null | undefined) => (value == null ? t('unlimited') : String(value));
  const rows: [string, string][] = [
    [t('login_slug'), tenant.slug],
    [t('tenant_status'), tenant.status],
  ];
  if (sub) {
    rows.push(
      [t('subscription_plan'), sub.plan_code],
      [t('subscription_status'), sub.status],
      [t('trial_ends'), sub.status === 'trial' && sub.trial_ends_at ? sub.trial_ends_at.slice(0, 10) : '—'],
      [t('limit_libraries'), limit(sub.max_libraries)],
      [t('limit_seats'), limit(sub.max_seats)],
      [t('limit_students'), limit(sub.max_students)],
    );
  }
  return (
    <Paper withBorder p="md">
      <Title order={2} size="h4" mb="sm">{t('account')}</Title>
      <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="sm">
        {rows.map(([label, value]) => (
          <div key={label} data-testid="account-row">
            <Text size="xs" c="dimmed">{label}</Text>
            <Text size="sm">{value}</Text>
          </div>
        ))}
      </SimpleGrid>
      {subscription.isError && <ProblemAlert error={subscription.error} />}
      <Text size="xs" c="dimmed" mt="sm">{t('login_slug_hint')}</Text>
    </Paper>
  );
}
