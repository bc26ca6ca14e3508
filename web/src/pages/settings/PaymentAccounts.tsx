// The business's payment providers (UPI, Razorpay, Cashfree). Secrets are
// write-only: the API never returns one, so the form shows only whether one is
// stored, its secret fields always start empty, and saving means typing them.
import { Badge, Button, Group, Paper, PasswordInput, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, unwrap } from '../../api/client';
import type { components } from '../../api/schema';
import { ProblemAlert } from '../../components/ProblemAlert';
import { QueryState } from '../../components/QueryState';
import { useI18n } from '../../i18n';
import type { MessageKey } from '../../i18n/en';

type Provider = components['schemas']['AccountRead']['provider'];
const PROVIDERS: Provider[] = ['upi', 'razorpay', 'cashfree'];
// The fields each provider's save takes; `secret` ones are never pre-filled.
const FIELDS: Record<Provider, { name: string; label: MessageKey; secret?: boolean }[]> = {
  upi: [
    { name: 'vpa', label: 'pa_vpa' },
    { name: 'payee_name', label: 'pa_payee_name' },
  ],
  razorpay: [
    { name: 'key_id', label: 'pa_key_id' },
    { name: 'key_secret', label: 'pa_key_secret', secret: true },
    { name: 'webhook_secret', label: 'pa_webhook_secret', secret: true },
  ],
  cashfree: [
    { name: 'client_id', label: 'pa_client_id' },
    { name: 'client_secret', label: 'pa_client_secret', secret: true },
  ],
};

export function PaymentAccounts() {
  const { t } = useI18n();
  const qc = useQueryClient();
  const accounts = useQuery({ queryKey: ['payment-accounts'], queryFn: () => unwrap(api.GET('/api/v1/payments/accounts')) });
  const [provider, setProvider] = useState<Provider>('upi');
  const [values, setValues] = useState<Record<string, string>>({});
  const [missing, setMissing] = useState<string[]>([]);

  const save = useMutation({
    mutationFn: () => {
      const body = Object.fromEntries(FIELDS[provider].map((f) => [f.name, (values[f.name] ?? '').trim()]));
      if (provider === 'upi') return unwrap(api.PUT('/api/v1/payments/accounts/upi', { body: body as components['schemas']['UpiAccountSave'] }));
      if (provider === 'razorpay') return unwrap(api.PUT('/api/v1/payments/accounts/razorpay', { body: body as components['schemas']['RazorpayAccountSave'] }));
      return unwrap(api.PUT('/api/v1/payments/accounts/cashfree', { body: body as components['schemas']['CashfreeAccountSave'] }));
    },
    onSuccess: () => {
      // The typed secrets leave the page as soon as the API has them.
      setValues({});
      void qc.invalidateQueries({ queryKey: ['payment-accounts'] });
    },
  });
  const remove = useMutation({
    mutationFn: (p: Provider) => unwrap(api.DELETE('/api/v1/payments/accounts/{provider}', { params: { path: { provider: p } } })),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['payment-accounts'] }),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const empty = FIELDS[provider].filter((f) => !(values[f.name] ?? '').trim()).map((f) => f.name);
    setMissing(empty);
    if (empty.length === 0) save.mutate();
  };
  // The darkest shades: white text on them passes WCAG AA contrast (axe checks it).
  const yesNo = (b: boolean) => <Badge color={b ? 'teal.9' : 'gray.7'} variant="filled">{t(b ? 'pa_set' : 'pa_not_set')}</Badge>;

  return (
    <Paper withBorder p="md" data-testid="payment-accounts">
      <Stack>
        <Title order={2} size="h4">{t('pa_title')}</Title>
        <QueryState query={accounts} isEmpty={(a) => a.length === 0} empty={t('pa_none')}>
          {(list) => (
            <Table.ScrollContainer minWidth={560}>
              <Table>
                <Table.Thead>
                  <Table.Tr><Table.Th>{t('pa_provider')}</Table.Th><Table.Th>{t('pa_public_id')}</Table.Th><Table.Th>{t('pa_secret')}</Table.Th><Table.Th>{t('pa_webhook_secret')}</Table.Th><Table.Th>{t('actions')}</Table.Th></Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {list.map((a) => (
                    <Table.Tr key={a.provider} data-provider={a.provider}>
                      <Table.Td>{t(`pa_p_${a.provider}`)}</Table.Td>
                      <Table.Td>{a.public_id}</Table.Td>
                      <Table.Td>{a.provider === 'upi' ? '—' : yesNo(a.has_secret)}</Table.Td>
                      <Table.Td>{a.provider === 'razorpay' ? yesNo(a.has_webhook_secret) : '—'}</Table.Td>
                      <Table.Td>
                        <Button size="xs" variant="subtle" color="red" onClick={() => remove.mutate(a.provider)} loading={remove.isPending && remove.variables === a.provider}>{t('pa_remove')}</Button>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )}
        </QueryState>
        {remove.isError && <ProblemAlert error={remove.error} />}
        <form onSubmit={submit} noValidate>
          <Stack gap="xs">
            <Select label={t('pa_provider')} data={PROVIDERS.map((p) => ({ value: p, label: t(`pa_p_${p}`) }))} value={provider} onChange={(v) => { if (v) { setProvider(v as Provider); setValues({}); setMissing([]); save.reset(); } }} allowDeselect={false} w={240} />
            <Text size="xs" c="dimmed">{t('pa_secret_hint')}</Text>
            <Group grow align="start">
              {FIELDS[provider].map((f) => {
                const props = {
                  label: t(f.label),
                  value: values[f.name] ?? '',
                  onChange: (e: { currentTarget: { value: string } }) => { const v = e.currentTarget.value; setValues((old) => ({ ...old, [f.name]: v })); },
                  error: missing.includes(f.name) ? t('v_required') : undefined,
                  required: true,
                };
                return f.secret ? <PasswordInput key={f.name} {...props} autoComplete="new-password" /> : <TextInput key={f.name} {...props} autoComplete="off" />;
              })}
            </Group>
            {save.isError && <ProblemAlert error={save.error} />}
            {save.isSuccess && <Text size="sm" c="green.9" role="status" data-testid="provider-saved">{t('pa_saved')}</Text>}
            <Group><Button type="submit" loading={save.isPending}>{t('pa_save')}</Button></Group>
          </Stack>
        </form>
      </Stack>
    </Paper>
  );
}
