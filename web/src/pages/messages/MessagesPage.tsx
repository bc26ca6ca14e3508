// The owner's messages page: the credits wallet (balance and ledger), a broadcast
// composer that shows who it reaches and what it costs before anything is sent, and
// the tenant's templates (preview with sample values, own wording, back to built-in).
import { Alert, Badge, Button, Checkbox, Group, NumberInput, Paper, Select, SimpleGrid, Stack, Table, Text, TextInput, Textarea, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap } from '../../api/client';
import { useLibraries, useShifts } from '../../api/queries';
import type { components } from '../../api/schema';
import { Money } from '../../components/Money';
import { Pager } from '../../components/Pager';
import { ProblemAlert } from '../../components/ProblemAlert';
import { QueryState } from '../../components/QueryState';
import { useI18n } from '../../i18n';
import type { MessageKey } from '../../i18n/en';
import { usePermissions } from '../../lib/usePermissions';
import { AUDIENCE_MAX_DAYS, EXPIRING_MAX_DAYS, NO_CHOICE, audienceBody, dated, withLibrary, type AudienceChoice, type BookingChoice } from './audience';
import { ALL_CHANNELS, moveUp, type Channel } from './order';
import { BuyCredits } from './BuyCredits';
import { SenderAccounts } from './SenderAccounts';

type Template = components['schemas']['TemplateRead'];
type Quote = components['schemas']['BroadcastQuote'];
type BroadcastBody = components['schemas']['BroadcastRequest'];

const LEDGER_PAGE = 20;
// Why the message service would not send to a student (its quote's `skipped`).
const SKIP_REASONS: Partial<Record<string, MessageKey>> = {
  no_address: 'msg_skip_no_address',
  no_consent: 'msg_skip_no_consent',
  suppressed: 'msg_skip_suppressed',
  minor: 'msg_skip_minor',
};
const LEDGER_ENTRIES: Partial<Record<string, MessageKey>> = {
  grant: 'msg_entry_grant',
  reserve: 'msg_entry_reserve',
  capture: 'msg_entry_capture',
  release: 'msg_entry_release',
  purchase: 'msg_entry_purchase',
};

export default function MessagesPage() {
  const { t } = useI18n();
  const may = usePermissions();
  return (
    <Stack maw={960}>
      <Title order={1} size="h2">
        {t('msg_title')}
      </Title>
      {may('messages:manage') && <Credits />}
      {may('messages:send') && <BuyCredits />}
      {may('messages:manage') && <FallbackOrder />}
      {may('messages:manage') && <SenderAccounts />}
      {may('messages:send') && <Composer />}
      {may('messages:manage') && <Templates />}
    </Stack>
  );
}

function Credits() {
  const { t } = useI18n();
  const [page, setPage] = useState(1);
  const balance = useQuery({ queryKey: ['credits'], queryFn: () => unwrap(api.GET('/api/messages/credits')) });
  const ledger = useQuery({
    queryKey: ['credits', 'ledger', page],
    queryFn: () => unwrap(api.GET('/api/messages/credits/ledger', { params: { query: { page, page_size: LEDGER_PAGE } } })),
  });
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="credits-title">
      <Title order={2} size="h4" id="credits-title">
        {t('msg_credits')}
      </Title>
      <QueryState query={balance}>
        {(b) => (
          <Text size="xl" fw={700} data-testid="credit-balance">
            <Money paise={b.balance_paise} />
          </Text>
        )}
      </QueryState>
      <Text size="sm" c="dimmed" mb="xs">
        {t('msg_credits_explain')}
      </Text>
      <QueryState query={ledger} isEmpty={(l) => l.items.length === 0} empty={t('msg_ledger_empty')}>
        {(l) => (
          <>
            <Table striped data-testid="ledger">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('msg_when')}</Table.Th>
                  <Table.Th>{t('msg_entry')}</Table.Th>
                  <Table.Th ta="right">{t('msg_amount')}</Table.Th>
                  <Table.Th>{t('msg_note')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {l.items.map((e) => (
                  <Table.Tr key={e.id}>
                    <Table.Td>{new Date(e.created_at).toLocaleString()}</Table.Td>
                    <Table.Td>{LEDGER_ENTRIES[e.entry] ? t(LEDGER_ENTRIES[e.entry] as MessageKey) : e.entry}</Table.Td>
                    <Table.Td ta="right">
                      <Money paise={e.amount_paise} />
                    </Table.Td>
                    <Table.Td>{e.note ?? ''}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
            <Pager page={page} pageSize={LEDGER_PAGE} total={l.total} onPage={setPage} />
          </>
        )}
      </QueryState>
    </Paper>
  );
}

function Composer() {
  const { t } = useI18n();
  const qc = useQueryClient();
  const libraries = useLibraries();
  const [audience, setAudience] = useState<AudienceChoice>(NO_CHOICE);
  const shifts = useShifts(audience.library);
  const [form, setForm] = useState<Omit<BroadcastBody, 'student_ids' | 'audience'>>({ channel: 'email', category: 'promotional', title: '', body: '' });
  // The quote belongs to the exact request it was made for; any change asks for a new one.
  const [quoted, setQuoted] = useState<{ body: BroadcastBody; quote: Quote } | null>(null);
  const chosen = audienceBody(audience);
  const quote = useMutation({
    mutationFn: async () => {
      if (!('audience' in chosen)) throw new Error('audience');
      const body: BroadcastBody = { ...form, title: form.title.trim(), body: form.body.trim(), audience: chosen.audience };
      return { body, quote: await unwrap(api.POST('/api/messages/broadcasts/quote', { body })) };
    },
    onSuccess: (r) => setQuoted(r),
  });
  const change = () => {
    setQuoted(null);
    quote.reset();
  };
  const choose = (next: AudienceChoice) => {
    setAudience(next);
    change();
  };
  const send = useMutation({
    mutationFn: (body: BroadcastBody) => unwrap(api.POST('/api/messages/broadcasts', { body })),
    onSuccess: () => {
      change();
      void qc.invalidateQueries({ queryKey: ['credits'] });
    },
  });
  const report = useQuery({
    queryKey: ['broadcast', send.data?.id],
    enabled: !!send.data,
    refetchInterval: 5_000,
    queryFn: () => unwrap(api.GET('/api/messages/broadcasts/{broadcast_id}', { params: { path: { broadcast_id: send.data?.id ?? '' } } })),
  });
  const ready = form.title.trim().length > 0 && form.body.trim().length > 0 && 'audience' in chosen;
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="broadcast-title">
      <Title order={2} size="h4" id="broadcast-title" mb="xs">
        {t('msg_broadcast')}
      </Title>
      <Stack>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <Select
            label={t('msg_audience_branch')}
            placeholder={t('msg_all_branches')}
            clearable
            data={(libraries.data?.items ?? []).map((l) => ({ value: l.id, label: l.name }))}
            value={audience.library}
            onChange={(v) => choose(withLibrary(audience, v))}
          />
          <Select
            label={t('msg_audience_shift')}
            placeholder={audience.library ? t('msg_all_shifts') : t('msg_shift_needs_branch')}
            clearable
            disabled={!audience.library}
            data={(shifts.data?.items ?? []).map((s) => ({ value: s.id, label: s.name }))}
            value={audience.shift}
            onChange={(v) => choose({ ...audience, shift: v })}
          />
          <Select
            label={t('msg_audience_booking')}
            allowDeselect={false}
            data={[
              { value: 'any', label: t('msg_booking_any') },
              { value: 'active', label: t('msg_booking_active') },
              { value: 'expiring', label: t('msg_booking_expiring') },
            ]}
            value={audience.booking || 'any'}
            onChange={(v) => choose({ ...audience, booking: (v === 'any' || !v ? '' : v) as BookingChoice })}
          />
          {audience.booking === 'expiring' && (
            <NumberInput
              label={t('msg_audience_expiring')}
              min={0}
              max={EXPIRING_MAX_DAYS}
              allowDecimal={false}
              required
              error={'problem' in chosen && chosen.problem === 'days' ? t('msg_expiring_days_range', { max: EXPIRING_MAX_DAYS }) : undefined}
              value={audience.expiringWithin}
              onChange={(v) => choose({ ...audience, expiringWithin: typeof v === 'number' ? v : '' })}
            />
          )}
          {dated(audience) && (
            <>
              <TextInput
                type="date"
                label={t('msg_audience_from')}
                description={t('msg_audience_from_hint')}
                value={audience.fromDate}
                onChange={(e) => choose({ ...audience, fromDate: e.currentTarget.value })}
                data-testid="audience-from"
              />
              <TextInput
                type="date"
                label={t('msg_audience_to')}
                value={audience.toDate}
                min={audience.fromDate || undefined}
                onChange={(e) => choose({ ...audience, toDate: e.currentTarget.value })}
                error={'problem' in chosen && chosen.problem === 'dates' ? t('msg_audience_dates_range', { max: AUDIENCE_MAX_DAYS }) : undefined}
                data-testid="audience-to"
              />
            </>
          )}
          <Checkbox
            mt="xl"
            label={t('msg_audience_dues')}
            checked={audience.withDues}
            onChange={(e) => choose({ ...audience, withDues: e.currentTarget.checked })}
          />
        </SimpleGrid>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <Select
            label={t('msg_channel')}
            allowDeselect={false}
            data={(['email', 'sms', 'whatsapp'] as const).map((c) => ({ value: c, label: t(`msg_channel_${c}`) }))}
            value={form.channel}
            onChange={(v) => {
              if (v) setForm((f) => ({ ...f, channel: v as BroadcastBody['channel'] }));
              change();
            }}
          />
          <Select
            label={t('msg_category')}
            allowDeselect={false}
            data={(['promotional', 'reminders'] as const).map((c) => ({ value: c, label: t(`msg_category_${c}`) }))}
            value={form.category}
            onChange={(v) => {
              if (v) setForm((f) => ({ ...f, category: v as BroadcastBody['category'] }));
              change();
            }}
          />
        </SimpleGrid>
        <TextInput
          label={t('msg_broadcast_title')}
          maxLength={100}
          required
          value={form.title}
          onChange={(e) => {
            const value = e.currentTarget.value;
            setForm((f) => ({ ...f, title: value }));
            change();
          }}
        />
        <Textarea
          label={t('msg_broadcast_body')}
          description={t('msg_broadcast_body_hint')}
          maxLength={1000}
          autosize
          minRows={3}
          required
          value={form.body}
          onChange={(e) => {
            const value = e.currentTarget.value;
            setForm((f) => ({ ...f, body: value }));
            change();
          }}
        />
        {quote.error && <ProblemAlert error={quote.error} />}
        {quoted && quoted.quote.chosen === 0 && <Alert color="yellow">{t('msg_no_audience')}</Alert>}
        {quoted && quoted.quote.chosen > 0 && <QuoteView quote={quoted.quote} />}
        {send.error && <ProblemAlert error={send.error} />}
        <Group>
          <Button variant="light" disabled={!ready} loading={quote.isPending} onClick={() => quote.mutate()}>
            {t('msg_get_quote')}
          </Button>
          <Button
            disabled={!quoted || !quoted.quote.affordable || quoted.quote.reachable === 0}
            loading={send.isPending}
            onClick={() => quoted && send.mutate(quoted.body)}
          >
            {t('msg_send')}
          </Button>
        </Group>
        {send.data && (
          <Alert color="teal" role="status" data-testid="broadcast-sent">
            <Text size="sm">{t('msg_sent', { n: send.data.recipients })}</Text>
            <QueryState query={report}>
              {(r) => (
                <Group gap="xs" mt="xs">
                  {Object.entries(r.report).map(([status, n]) => (
                    <Badge key={status} variant="light" data-testid={`report-${status}`}>
                      {status}: {n}
                    </Badge>
                  ))}
                </Group>
              )}
            </QueryState>
          </Alert>
        )}
      </Stack>
    </Paper>
  );
}

function QuoteView({ quote }: { quote: Quote }) {
  const { t } = useI18n();
  const skipped = Object.entries(quote.skipped).filter(([, n]) => n > 0);
  return (
    <Alert color={quote.affordable ? 'blue' : 'red'} role="status" data-testid="quote">
      <Text size="sm">{t('msg_quote_reach', { reach: quote.reachable, matched: quote.chosen })}</Text>
      {skipped.length > 0 && (
        <Text size="sm">
          {t('msg_quote_skipped')}: {skipped.map(([why, n]) => `${SKIP_REASONS[why] ? t(SKIP_REASONS[why] as MessageKey) : why} ${n}`).join(', ')}
        </Text>
      )}
      <Text size="sm" fw={600}>
        {t('msg_quote_cost')}: <Money paise={quote.cost_paise} /> · {t('msg_quote_balance')}: <Money paise={quote.balance_paise} />
      </Text>
      {!quote.affordable && <Text size="sm">{t('msg_quote_short')}</Text>}
    </Alert>
  );
}

function FallbackOrder() {
  const { t } = useI18n();
  const qc = useQueryClient();
  const settings = useQuery({ queryKey: ['message-settings'], queryFn: () => unwrap(api.GET('/api/messages/settings')) });
  const [draft, setDraft] = useState<Channel[] | null>(null);
  const save = useMutation({
    mutationFn: (order: Channel[]) => unwrap(api.PUT('/api/messages/settings', { body: { fallback_order: order } })),
    onSuccess: (saved) => {
      qc.setQueryData(['message-settings'], saved);
      setDraft(null);
    },
  });
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="fallback-title">
      <Title order={2} size="h4" id="fallback-title">
        {t('msg_fallback')}
      </Title>
      <Text size="sm" c="dimmed" mb="xs">
        {t('msg_fallback_explain')}
      </Text>
      <QueryState query={settings}>
        {(st) => {
          const order = draft ?? st.fallback_order;
          const unused = ALL_CHANNELS.filter((c) => !order.includes(c));
          return (
            <Stack gap="xs" data-testid="fallback-order">
              {order.map((c, i) => (
                <Group key={c} gap="xs" data-testid={`fallback-${c}`}>
                  <Text fw={600} w={24}>
                    {i + 1}.
                  </Text>
                  <Text w={120}>{t(`msg_channel_${c}`)}</Text>
                  <Badge color={st.configured.includes(c) ? 'teal.9' : 'dark.5'} variant="filled">
                    {t(st.configured.includes(c) ? 'msg_configured' : 'msg_not_configured')}
                  </Badge>
                  <Button size="compact-xs" variant="default" disabled={i === 0} onClick={() => setDraft(moveUp(order, c))} aria-label={t('msg_move_up', { channel: t(`msg_channel_${c}`) })}>
                    ↑
                  </Button>
                  <Button size="compact-xs" variant="default" disabled={order.length === 1} onClick={() => setDraft(order.filter((x) => x !== c))}>
                    {t('msg_leave_out')}
                  </Button>
                </Group>
              ))}
              {unused.map((c) => (
                <Group key={c} gap="xs">
                  <Text c="dimmed" w={144}>
                    {t(`msg_channel_${c}`)}
                  </Text>
                  <Button size="compact-xs" variant="default" onClick={() => setDraft([...order, c])}>
                    {t('msg_add_channel')}
                  </Button>
                </Group>
              ))}
              {save.error && <ProblemAlert error={save.error} />}
              <Group>
                <Button size="xs" disabled={!draft} loading={save.isPending} onClick={() => draft && save.mutate(draft)}>
                  {t('save')}
                </Button>
                {!st.chosen && !draft && <Text size="xs" c="dimmed">{t('msg_platform_order')}</Text>}
              </Group>
            </Stack>
          );
        }}
      </QueryState>
    </Paper>
  );
}

function templateKey(tp: Template): string {
  return `${tp.kind}/${tp.channel}/${tp.language}`;
}

function Templates() {
  const { t } = useI18n();
  const templates = useQuery({ queryKey: ['templates'], queryFn: () => unwrap(api.GET('/api/messages/templates')) });
  const [chosen, setChosen] = useState<string | null>(null);
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="templates-title">
      <Title order={2} size="h4" id="templates-title">
        {t('msg_templates')}
      </Title>
      <Text size="sm" c="dimmed" mb="xs">
        {t('msg_templates_explain')}
      </Text>
      <QueryState query={templates} isEmpty={(ts) => ts.length === 0}>
        {(ts) => {
          const current = ts.find((tp) => templateKey(tp) === chosen) ?? null;
          return (
            <Stack>
              <Select
                label={t('msg_template')}
                searchable
                data={ts.map((tp) => ({ value: templateKey(tp), label: `${tp.kind} · ${tp.channel} · ${tp.language}${tp.overridden ? ` (${t('msg_own_wording')})` : ''}` }))}
                value={chosen}
                onChange={setChosen}
              />
              {current && <TemplateEditor key={`${templateKey(current)}:${current.updated_at ?? ''}`} template={current} />}
            </Stack>
          );
        }}
      </QueryState>
    </Paper>
  );
}

function TemplateEditor({ template }: { template: Template }) {
  const { t } = useI18n();
  const qc = useQueryClient();
  const [subject, setSubject] = useState(template.subject);
  const [body, setBody] = useState(template.body);
  const path = { kind: template.kind, channel: template.channel, language: template.language };
  const preview = useMutation({
    mutationFn: () => unwrap(api.POST('/api/messages/templates/{kind}/{channel}/{language}/preview', { params: { path }, body: { subject, body } })),
  });
  const refresh = () => void qc.invalidateQueries({ queryKey: ['templates'] });
  const save = useMutation({
    mutationFn: () => unwrap(api.PUT('/api/messages/templates/{kind}/{channel}/{language}', { params: { path }, body: { subject, body } })),
    onSuccess: refresh,
  });
  const reset = useMutation({
    mutationFn: () => unwrap(api.DELETE('/api/messages/templates/{kind}/{channel}/{language}', { params: { path } })),
    onSuccess: refresh,
  });
  return (
    <Stack data-testid="template-editor">
      <Group gap="xs">
        <Badge variant="light">{template.category}</Badge>
        {template.overridden && <Badge color="grape">{t('msg_own_wording')}</Badge>}
      </Group>
      <Text size="sm">
        {t('msg_variables')}:{' '}
        {Object.entries(template.variables)
          .map(([name, type]) => `${name} (${type})`)
          .join(', ')}
      </Text>
      <TextInput label={t('msg_subject')} maxLength={200} value={subject} onChange={(e) => setSubject(e.currentTarget.value)} />
      <Textarea label={t('msg_body')} maxLength={5000} autosize minRows={4} value={body} onChange={(e) => setBody(e.currentTarget.value)} />
      {(preview.error || save.error || reset.error) && <ProblemAlert error={preview.error ?? save.error ?? reset.error} />}
      {save.isSuccess && <Alert color="teal">{t('msg_template_saved')}</Alert>}
      <Group>
        <Button variant="light" loading={preview.isPending} onClick={() => preview.mutate()}>
          {t('msg_preview')}
        </Button>
        <Button loading={save.isPending} onClick={() => save.mutate()}>
          {t('save')}
        </Button>
        {template.overridden && (
          <Button variant="subtle" color="red" loading={reset.isPending} onClick={() => reset.mutate()}>
            {t('msg_back_to_builtin')}
          </Button>
        )}
      </Group>
      {preview.data && (
        <Paper withBorder p="sm" data-testid="template-preview">
          <Text fw={600}>{preview.data.subject}</Text>
          <Text size="sm" style={{ whiteSpace: 'pre-line' }}>
            {preview.data.text}
          </Text>
        </Paper>
      )}
    </Stack>
  );
}
