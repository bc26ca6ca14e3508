// The business's own sender accounts, for owners: its SMTP relay, its SMS account (MSG91
// with DLT, or Twilio) and its WhatsApp number. Secrets are write-only: a field left empty keeps
// the stored secret, and the page never shows one (the API answers only whether one is
// stored). "Use StudySpot's" removes the account: the platform's provider serves again.
// Each WhatsApp, MSG91 or Twilio account shows the addresses (and WhatsApp's verify token)
// the owner pastes into the provider's dashboard, with copy buttons.
import { Badge, Button, CopyButton, Group, NumberInput, Paper, PasswordInput, SegmentedControl, Select, SimpleGrid, Stack, Text, TextInput, Textarea, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { api, unwrap } from '../../api/client';
import type { components } from '../../api/schema';
import { ProblemAlert } from '../../components/ProblemAlert';
import { QueryState } from '../../components/QueryState';
import { useI18n } from '../../i18n';
import { parseFlows, secret, webhookFields, type SmtpSave } from './senders';

type Account = components['schemas']['SenderAccountRead'];
type Channel = Account['channel'];
const KEY = ['sender-accounts'];

function text(account: Account | undefined, field: string): string {
  const v = account?.settings[field];
  return v === null || v === undefined ? '' : String(v);
}

export function SenderAccounts() {
  const { t } = useI18n();
  const accounts = useQuery({ queryKey: KEY, queryFn: () => unwrap(api.GET('/api/messages/sender-accounts')) });
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="senders-title">
      <Title order={2} size="h4" id="senders-title">
        {t('snd_title')}
      </Title>
      <Text size="sm" c="dimmed" mb="xs">
        {t('snd_explain')}
      </Text>
      <QueryState query={accounts}>
        {(list) => {
          const of = (c: Channel) => list.find((a) => a.channel === c);
          return (
            <Stack>
              <SmtpForm account={of('email')} />
              <SmsForms account={of('sms')} />
              <WhatsAppForm account={of('whatsapp')} />
            </Stack>
          );
        }}
      </QueryState>
    </Paper>
  );
}

function useAccountSave<B>(save: (body: B) => Promise<unknown>, done: () => void) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: save,
    onSuccess: () => {
      done();
      void qc.invalidateQueries({ queryKey: KEY });
      void qc.invalidateQueries({ queryKey: ['message-settings'] });
    },
  });
}

function AccountBox({ channel, account, title, children, onSave, saving, error }: {
  channel: Channel;
  account: Account | undefined;
  title: string;
  children: ReactNode;
  onSave: () => void;
  saving: boolean;
  error: unknown;
}) {
  const { t } = useI18n();
  const qc = useQueryClient();
  const remove = useMutation({
    mutationFn: () => unwrap(api.DELETE('/api/messages/sender-accounts/{channel}', { params: { path: { channel } } })),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: KEY });
      void qc.invalidateQueries({ queryKey: ['message-settings'] });
    },
  });
  return (
    <Paper withBorder p="sm" data-testid={`sender-${channel}`}>
      <Group justify="space-between" mb="xs">
        <Text fw={600}>{title}</Text>
        <Group gap="xs">
          {/* Filled: a light badge in teal.9 draws its text in the colour of its own background. */}
          <Badge variant={account ? 'filled' : 'light'} color={account ? 'teal.9' : 'gray'}>
            {t(account ? 'snd_own' : 'snd_platform')}
          </Badge>
          {account && (
            <Badge variant={account.has_secret ? 'filled' : 'light'} color={account.has_secret ? 'teal.9' : 'red'} data-testid={`secret-${channel}`}>
              {t(account.has_secret ? 'snd_secret_stored' : 'snd_secret_missing')}
            </Badge>
          )}
        </Group>
      </Group>
      <Stack gap="xs">
        {children}
        {account && <WebhookAddresses account={account} />}
        {error ? <ProblemAlert error={error} /> : null}
        {remove.error && <ProblemAlert error={remove.error} />}
        <Group>
          <Button size="xs" loading={saving} onClick={onSave}>
            {t('save')}
          </Button>
          {account && (
            <Button size="xs" variant="default" loading={remove.isPending} onClick={() => remove.mutate()}>
              {t('snd_use_platform')}
            </Button>
          )}
        </Group>
      </Stack>
    </Paper>
  );
}

/** Where the provider calls back for this account, to paste into its dashboard. */
function WebhookAddresses({ account }: { account: Account }) {
  const { t } = useI18n();
  const fields = webhookFields(account);
  if (fields === null) return null;
  if (fields.length === 0) {
    return (
      <Text size="sm" c="dimmed" data-testid={`hooks-${account.channel}`}>
        {t('snd_hooks_missing')}
      </Text>
    );
  }
  return (
    <Stack gap={4} data-testid={`hooks-${account.channel}`}>
      <Text size="sm" fw={600}>
        {t('snd_hooks_title')}
      </Text>
      {fields.map(({ key, value }) => (
        <Group key={key} gap="xs" align="flex-end" wrap="nowrap">
          <TextInput
            label={t(`snd_hook_${key}`)}
            value={value}
            readOnly
            style={{ flex: 1 }}
            styles={{ input: { fontFamily: 'monospace' } }}
            data-testid={`hook-${key}`}
          />
          <CopyButton value={value}>
            {({ copied, copy }) => (
              <Button size="xs" variant="default" onClick={copy} aria-label={t('snd_hook_copy', { what: t(`snd_hook_${key}`) })}>
                {copied ? t('snd_copied') : t('snd_copy')}
              </Button>
            )}
          </CopyButton>
        </Group>
      ))}
    </Stack>
  );
}

function SecretInput({ label, value, onChange, stored }: { label: string; value: string; onChange: (v: string) => void; stored: boolean }) {
  const { t } = useI18n();
  return (
    <PasswordInput
      label={label}
      autoComplete="new-password"
      placeholder={stored ? t('snd_keep_secret') : undefined}
      description={t('snd_write_only')}
      value={value}
      onChange={(e) => onChange(e.currentTarget.value)}
    />
  );
}

function SmtpForm({ account }: { account: Account | undefined }) {
  const { t } = useI18n();
  const [f, setF] = useState({
    host: text(account, 'host'),
    port: Number(text(account, 'port') || 587),
    security: (text(account, 'security') || 'starttls') as SmtpSave['security'],
    username: text(account, 'username'),
    password: '',
    from_address: text(account, 'from_address'),
  });
  const save = useAccountSave(
    (body: SmtpSave) => unwrap(api.PUT('/api/messages/sender-accounts/smtp', { body })),
    () => setF((x) => ({ ...x, password: '' })),
  );
  return (
    <AccountBox
      channel="email"
      account={account}
      title={t('snd_smtp')}
      saving={save.isPending}
      error={save.error}
      onSave={() =>
        save.mutate({
          host: f.host.trim(),
          port: f.port,
          security: f.security,
          username: f.username.trim() || undefined,
          password: secret(f.password),
          from_address: f.from_address.trim(),
        })
      }
    >
      <SimpleGrid cols={{ base: 1, sm: 3 }}>
        <TextInput label={t('snd_host')} required value={f.host} onChange={(e) => setF({ ...f, host: e.currentTarget.value })} />
        <NumberInput label={t('snd_port')} min={1} max={65535} allowDecimal={false} value={f.port} onChange={(v) => setF({ ...f, port: typeof v === 'number' ? v : 587 })} />
        <Select
          label={t('snd_security')}
          allowDeselect={false}
          data={['starttls', 'tls', 'none']}
          value={f.security}
          onChange={(v) => v && setF({ ...f, security: v as SmtpSave['security'] })}
        />
        <TextInput label={t('snd_username')} autoComplete="off" value={f.username} onChange={(e) => setF({ ...f, username: e.currentTarget.value })} />
        <SecretInput label={t('snd_password')} value={f.password} stored={!!account?.has_secret} onChange={(v) => setF({ ...f, password: v })} />
        <TextInput label={t('snd_from')} required placeholder="Lakshya Library <hello@lakshya.in>" value={f.from_address} onChange={(e) => setF({ ...f, from_address: e.currentTarget.value })} />
      </SimpleGrid>
    </AccountBox>
  );
}

type SmsProvider = 'msg91' | 'twilio';

/** One SMS account per business, MSG91's or Twilio's: the form of the provider in use opens
 * first, and the other's form never shows the stored account as its own. */
function SmsForms({ account }: { account: Account | undefined }) {
  const { t } = useI18n();
  const inUse: SmsProvider | null = account ? (account.provider === 'twilio' ? 'twilio' : 'msg91') : null;
  const [provider, setProvider] = useState<SmsProvider>(inUse ?? 'msg91');
  const mine = (p: SmsProvider) => (inUse === p ? account : undefined);
  return (
    <Stack gap={4}>
      <Group gap="sm">
        <SegmentedControl
          size="xs"
          aria-label={t('snd_sms_provider')}
          value={provider}
          onChange={(v) => setProvider(v as SmsProvider)}
          data={[
            { value: 'msg91', label: 'MSG91' },
            { value: 'twilio', label: 'Twilio' },
          ]}
        />
        <Text size="sm" c="dimmed" data-testid="sms-in-use">
          {inUse ? t('snd_sms_in_use', { provider: inUse === 'twilio' ? 'Twilio' : 'MSG91' }) : t('snd_sms_platform')}
        </Text>
      </Group>
      {provider === 'twilio' ? <TwilioForm account={mine('twilio')} /> : <Msg91Form account={mine('msg91')} />}
    </Stack>
  );
}

function TwilioForm({ account }: { account: Account | undefined }) {
  const { t } = useI18n();
  const [f, setF] = useState({ account_sid: text(account, 'account_sid'), auth_token: '', sender: text(account, 'sender') });
  const save = useAccountSave(
    (body: components['schemas']['TwilioAccountSave']) => unwrap(api.PUT('/api/messages/sender-accounts/twilio', { body })),
    () => setF((x) => ({ ...x, auth_token: '' })),
  );
  return (
    <AccountBox
      channel="sms"
      account={account}
      title={t('snd_twilio')}
      saving={save.isPending}
      error={save.error}
      onSave={() => save.mutate({ account_sid: f.account_sid.trim(), auth_token: secret(f.auth_token), sender: f.sender.trim() })}
    >
      <SimpleGrid cols={{ base: 1, sm: 3 }}>
        <TextInput label={t('snd_account_sid')} required placeholder="AC…" value={f.account_sid} onChange={(e) => setF({ ...f, account_sid: e.currentTarget.value })} />
        <SecretInput label={t('snd_auth_token')} value={f.auth_token} stored={!!account?.has_secret} onChange={(v) => setF({ ...f, auth_token: v })} />
        <TextInput label={t('snd_twilio_sender')} required value={f.sender} onChange={(e) => setF({ ...f, sender: e.currentTarget.value })} />
      </SimpleGrid>
    </AccountBox>
  );
}

function Msg91Form({ account }: { account: Account | undefined }) {
  const { t } = useI18n();
  const [f, setF] = useState({ auth_key: '', sender: text(account, 'sender'), entity_id: text(account, 'entity_id'), flows: '' });
  const [badLine, setBadLine] = useState<number | null>(null);
  const save = useAccountSave(
    (body: components['schemas']['Msg91AccountSave']) => unwrap(api.PUT('/api/messages/sender-accounts/msg91', { body })),
    () => setF((x) => ({ ...x, auth_key: '' })),
  );
  const kinds = text(account, 'flow_kinds');
  return (
    <AccountBox
      channel="sms"
      account={account}
      title={t('snd_msg91')}
      saving={save.isPending}
      error={save.error}
      onSave={() => {
        const parsed = parseFlows(f.flows);
        if ('badLine' in parsed) {
          setBadLine(parsed.badLine);
          return;
        }
        setBadLine(null);
        save.mutate({ auth_key: secret(f.auth_key), sender: f.sender.trim(), entity_id: f.entity_id.trim(), flows: parsed.flows });
      }}
    >
      <SimpleGrid cols={{ base: 1, sm: 3 }}>
        <SecretInput label={t('snd_auth_key')} value={f.auth_key} stored={!!account?.has_secret} onChange={(v) => setF({ ...f, auth_key: v })} />
        <TextInput label={t('snd_sender')} required maxLength={6} value={f.sender} onChange={(e) => setF({ ...f, sender: e.currentTarget.value.toUpperCase() })} />
        <TextInput label={t('snd_entity')} required value={f.entity_id} onChange={(e) => setF({ ...f, entity_id: e.currentTarget.value })} />
      </SimpleGrid>
      <Textarea
        label={t('snd_flows')}
        description={kinds ? t('snd_flows_stored', { kinds }) : t('snd_flows_hint')}
        autosize
        minRows={2}
        error={badLine !== null ? t('snd_flows_bad', { line: badLine }) : undefined}
        value={f.flows}
        onChange={(e) => setF({ ...f, flows: e.currentTarget.value })}
      />
    </AccountBox>
  );
}

function WhatsAppForm({ account }: { account: Account | undefined }) {
  const { t } = useI18n();
  const [f, setF] = useState({ phone_number_id: text(account, 'phone_number_id'), access_token: '', app_secret: '' });
  const save = useAccountSave(
    (body: components['schemas']['WhatsAppAccountSave']) => unwrap(api.PUT('/api/messages/sender-accounts/whatsapp', { body })),
    () => setF((x) => ({ ...x, access_token: '', app_secret: '' })),
  );
  return (
    <AccountBox
      channel="whatsapp"
      account={account}
      title={t('snd_whatsapp')}
      saving={save.isPending}
      error={save.error}
      onSave={() =>
        save.mutate({ phone_number_id: f.phone_number_id.trim(), access_token: secret(f.access_token), app_secret: secret(f.app_secret) })
      }
    >
      <SimpleGrid cols={{ base: 1, sm: 3 }}>
        <TextInput label={t('snd_phone_id')} required value={f.phone_number_id} onChange={(e) => setF({ ...f, phone_number_id: e.currentTarget.value })} />
        <SecretInput label={t('snd_access_token')} value={f.access_token} stored={!!account?.has_secret} onChange={(v) => setF({ ...f, access_token: v })} />
        <SecretInput label={t('snd_app_secret')} value={f.app_secret} stored={!!account?.has_webhook_secret} onChange={(v) => setF({ ...f, app_secret: v })} />
      </SimpleGrid>
    </AccountBox>
  );
}
