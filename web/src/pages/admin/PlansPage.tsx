// Platform admin: StudySpot's plans. Every edit is a new version (the API says how many
// subscriptions stay on the older one until their renewal); creating adds version 1.
import { Alert, Badge, Button, Checkbox, Group, NumberInput, Paper, SimpleGrid, Stack, Table, Text, TextInput, Textarea, Title, VisuallyHidden } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, unwrap } from '../../api/client';
import { Money } from '../../components/Money';
import { ProblemAlert } from '../../components/ProblemAlert';
import { QueryState } from '../../components/QueryState';
import { useI18n } from '../../i18n';
import type { MessageKey } from '../../i18n/en';
import { fieldsOf, formOf, LIMIT_KEYS, LIMITS, PRICE_KEYS, PRICES, type Fields, type Form } from '../../lib/planForm';
import { changedFields, type Plan } from '../../lib/subscription';

export default function PlansPage() {
  const { t } = useI18n();
  const plans = useQuery({
    queryKey: ['admin', 'plans'],
    queryFn: () => unwrap(api.GET('/api/v1/subscriptions/plans', { params: { query: { include_hidden: true } } })),
  });
  const [editing, setEditing] = useState<Plan | 'new' | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const limit = (v: number | null) => (v === null ? t('unlimited') : String(v));
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1} size="h2">{t('admin_plans_title')}</Title>
        <Button onClick={() => { setEditing('new'); setNote(null); }} data-testid="plan-new">{t('admin_plan_new')}</Button>
      </Group>
      {note && <Alert color="teal" role="status" data-testid="plan-note">{note}</Alert>}
      {editing && (
        <PlanForm
          plan={editing === 'new' ? null : editing}
          onDone={(message) => { setEditing(null); setNote(message); }}
          onCancel={() => setEditing(null)}
        />
      )}
      <QueryState query={plans} isEmpty={(d) => d.items.length === 0}>
        {(d) => (
          <Table.ScrollContainer minWidth={760}>
            <Table>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('admin_plan_code')}</Table.Th>
                  <Table.Th>{t('admin_plan_name')}</Table.Th>
                  <Table.Th>{t('admin_plan_version')}</Table.Th>
                  <Table.Th ta="right">{t('cycle_monthly')}</Table.Th>
                  <Table.Th ta="right">{t('cycle_annual')}</Table.Th>
                  <Table.Th>{t('admin_plan_limits_col')}</Table.Th>
                  <Table.Th><VisuallyHidden>{t('actions')}</VisuallyHidden></Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {d.items.map((p) => (
                  <Table.Tr key={p.code} data-testid={`admin-plan-${p.code}`}>
                    <Table.Td>{p.code} {!p.is_public && <Badge size="xs" variant="filled" color="gray.7">{t('admin_plan_hidden')}</Badge>}</Table.Td>
                    <Table.Td>{p.name}</Table.Td>
                    <Table.Td>{p.version}</Table.Td>
                    <Table.Td ta="right"><Money paise={p.monthly_price_paise} /></Table.Td>
                    <Table.Td ta="right"><Money paise={p.annual_price_paise} /></Table.Td>
                    <Table.Td>
                      <Text size="xs">{t('plan_limits_line', { libraries: limit(p.max_libraries), seats: limit(p.max_seats), students: limit(p.max_students), staff: limit(p.max_staff) })}</Text>
                    </Table.Td>
                    <Table.Td>
                      <Button size="xs" variant="light" onClick={() => { setEditing(p); setNote(null); }} data-testid="plan-edit">{t('edit')}</Button>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </QueryState>
    </Stack>
  );
}

function PlanForm({ plan, onDone, onCancel }: { plan: Plan | null; onDone: (note: string) => void; onCancel: () => void }) {
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const [form, setForm] = useState<Form>(() => formOf(plan));
  const [errors, setErrors] = useState<Record<string, MessageKey>>({});
  const save = useMutation({
    mutationFn: async (fields: Fields): Promise<string> => {
      if (!plan) {
        const made = await unwrap(api.POST('/api/v1/subscriptions/plans', { body: { ...fields, code: form.code!.trim() } }));
        return t('admin_plan_created', { code: made.code });
      }
      const { fields: before } = fieldsOf(formOf(plan));
      const revised = await unwrap(
        api.PATCH('/api/v1/subscriptions/plans/{code}', { params: { path: { code: plan.code } }, body: changedFields(before ?? fields, fields) }),
      );
      return revised.note;
    },
    onSuccess: (message) => {
      void queryClient.invalidateQueries({ queryKey: ['admin', 'plans'] });
      void queryClient.invalidateQueries({ queryKey: ['subscription'] });
      onDone(message);
    },
  });
  const set = (key: string) => (e: { currentTarget: { value: string } }) => {
    const value = e.currentTarget.value;
    setForm((f) => ({ ...f, [key]: value }));
  };
  const err = (key: string) => (errors[key] ? t(errors[key]) : undefined);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const { fields, errors: found } = fieldsOf(form);
    if (!plan && !/^[a-z][a-z0-9_]{0,31}$/.test(form.code ?? '')) found.code = 'v_plan_code';
    setErrors(found);
    if (fields && Object.keys(found).length === 0) save.mutate(fields);
  };
  return (
    <Paper withBorder p="md" component="form" onSubmit={submit} noValidate data-testid="plan-form">
      <Stack>
        <Title order={2} size="h4">{plan ? t('admin_plan_edit', { code: plan.code, version: plan.version }) : t('admin_plan_new')}</Title>
        {plan && <Text size="sm" c="dimmed">{t('admin_plan_version_hint')}</Text>}
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          {!plan && <TextInput label={t('admin_plan_code')} value={form.code} onChange={set('code')} error={err('code')} required data-testid="plan-code" />}
          <TextInput label={t('admin_plan_name')} value={form.name} onChange={set('name')} error={err('name')} required data-testid="plan-name" />
        </SimpleGrid>
        <Textarea label={t('admin_plan_description')} value={form.description} onChange={set('description')} maxLength={500} autosize minRows={1} />
        <Checkbox label={t('admin_plan_public')} checked={form.is_public === 'true'} onChange={(e) => { const v = e.currentTarget.checked; setForm((f) => ({ ...f, is_public: String(v) })); }} />
        <Text size="sm" fw={600}>{t('admin_plan_prices')}</Text>
        <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }}>
          {PRICES.map((p) => (
            <TextInput key={p} label={t(PRICE_KEYS[p])} leftSection="₹" value={form[p]} onChange={set(p)} error={err(p)} inputMode="decimal" data-testid={`plan-${p}`} />
          ))}
        </SimpleGrid>
        <Text size="sm" fw={600}>{t('admin_plan_limits')}</Text>
        <SimpleGrid cols={{ base: 1, xs: 2, md: 5 }}>
          {LIMITS.map((l) => (
            <TextInput key={l} label={t(LIMIT_KEYS[l])} placeholder={t('unlimited')} value={form[l]} onChange={set(l)} error={err(l)} inputMode="numeric" data-testid={`plan-${l}`} />
          ))}
        </SimpleGrid>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <NumberInput label={t('admin_plan_overage')} min={0} max={100} value={Number(form.overage_percent)} onChange={(v) => setForm((f) => ({ ...f, overage_percent: String(v) }))} error={err('overage_percent')} />
          <TextInput label={t('admin_plan_features')} description={t('admin_plan_features_hint')} value={form.features} onChange={set('features')} />
        </SimpleGrid>
        {save.isError && <ProblemAlert error={save.error} />}
        <Group>
          <Button type="submit" loading={save.isPending} data-testid="plan-save">{plan ? t('admin_plan_save_version') : t('admin_plan_create')}</Button>
          <Button variant="default" onClick={onCancel}>{t('cancel')}</Button>
        </Group>
      </Stack>
    </Paper>
  );
}
