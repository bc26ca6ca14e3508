// Recovering a login without a session: ask for a reset link (/forgot-password), and
// the pages the e-mailed links open: /reset-password (a reset) and /set-password (an
// invite). Both links carry a single-use token for POST /api/auth/reset-password, which
// answers 204 and ends every session of that login; the person then logs in.
import { Alert, Anchor, Button, Center, Paper, PasswordInput, SegmentedControl, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent, type ReactNode } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { api, unwrap } from '../api/client';
import { ProblemAlert } from '../components/ProblemAlert';
import { useI18n } from '../i18n';
import type { MessageKey } from '../i18n/en';
import { EMAIL, passwordProblem } from '../lib/validation';

/** Why the two typed passwords cannot be sent, or null (the API's rules, then equality). */
export function newPasswordProblem(password: string, repeated: string): { password?: MessageKey; repeated?: MessageKey } | null {
  const problem = passwordProblem(password);
  if (problem) return { password: problem };
  if (password !== repeated) return { repeated: 'v_password_mismatch' };
  return null;
}

function Card({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Center mih="100vh" p="md" component="main">
      <Paper withBorder shadow="sm" p="xl" w={420} maw="100%">
        <Stack>
          <Title order={1} size="h3">
            {title}
          </Title>
          {children}
        </Stack>
      </Paper>
    </Center>
  );
}

export function ForgotPasswordPage() {
  const { t } = useI18n();
  const [who, setWho] = useState<'library_owner' | 'library_staff'>('library_owner');
  const [email, setEmail] = useState('');
  const [slug, setSlug] = useState('');
  const [errors, setErrors] = useState<{ email?: MessageKey; slug?: MessageKey }>({});
  const ask = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/auth/forgot-password', {
          body: {
            email: email.trim(),
            user_type: who,
            ...(who === 'library_staff' ? { tenant_slug: slug.trim().toLowerCase() } : {}),
          } as never,
        }),
      ),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const found: typeof errors = {};
    if (!EMAIL.test(email.trim())) found.email = 'v_email';
    if (who === 'library_staff' && !slug.trim()) found.slug = 'v_required';
    setErrors(found);
    if (Object.keys(found).length === 0) ask.mutate();
  };
  return (
    <Card title={t('forgot_title')}>
      {ask.isSuccess ? (
        <Alert color="teal" role="status" data-testid="forgot-sent">
          {t('forgot_sent', { email: email.trim() })}
        </Alert>
      ) : (
        <form onSubmit={submit} noValidate>
          <Stack>
            <Text size="sm">{t('forgot_explain')}</Text>
            <SegmentedControl
              aria-label={t('login_as')}
              value={who}
              onChange={(v) => setWho(v as typeof who)}
              data={[
                { value: 'library_owner', label: t('login_as_owner') },
                { value: 'library_staff', label: t('login_as_staff') },
              ]}
            />
            {who === 'library_staff' && (
              <TextInput label={t('login_slug_staff')} value={slug} onChange={(e) => setSlug(e.currentTarget.value)} error={errors.slug && t(errors.slug)} required autoComplete="organization" />
            )}
            <TextInput label={t('email')} value={email} onChange={(e) => setEmail(e.currentTarget.value)} error={errors.email && t(errors.email)} required type="email" autoComplete="email" />
            {ask.error && <ProblemAlert error={ask.error} />}
            <Button type="submit" loading={ask.isPending}>
              {t('forgot_button')}
            </Button>
          </Stack>
        </form>
      )}
      <Anchor component={Link} to="/login" size="sm">
        {t('back_to_login')}
      </Anchor>
    </Card>
  );
}

/** The page a reset or invite link opens: the new password twice, then on to the login page. */
export function PasswordLinkPage({ purpose }: { purpose: 'reset' | 'invite' }) {
  const { t } = useI18n();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const [password, setPassword] = useState('');
  const [repeated, setRepeated] = useState('');
  const [errors, setErrors] = useState<{ password?: MessageKey; repeated?: MessageKey }>({});
  const save = useMutation({
    mutationFn: () => unwrap(api.POST('/api/auth/reset-password', { body: { token, new_password: password } })),
    onSuccess: () => navigate('/login', { replace: true, state: { notice: 'password_saved' } }),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const found = newPasswordProblem(password, repeated);
    setErrors(found ?? {});
    if (!found) save.mutate();
  };
  return (
    <Card title={t(purpose === 'invite' ? 'invite_title' : 'reset_title')}>
      {purpose === 'invite' && <Text size="sm">{t('invite_explain')}</Text>}
      {!token ? (
        <Alert color="yellow" role="alert" data-testid="link-missing">
          {t('link_missing')}
        </Alert>
      ) : (
        <form onSubmit={submit} noValidate>
          <Stack>
            <PasswordInput
              label={t('new_password')}
              description={t('password_rules')}
              value={password}
              onChange={(e) => setPassword(e.currentTarget.value)}
              error={errors.password && t(errors.password)}
              required
              autoComplete="new-password"
            />
            <PasswordInput
              label={t('repeat_password')}
              value={repeated}
              onChange={(e) => setRepeated(e.currentTarget.value)}
              error={errors.repeated && t(errors.repeated)}
              required
              autoComplete="new-password"
            />
            {save.error && <ProblemAlert error={save.error} />}
            <Button type="submit" loading={save.isPending}>
              {t('reset_button')}
            </Button>
          </Stack>
        </form>
      )}
      <Anchor component={Link} to={token ? '/login' : '/forgot-password'} size="sm">
        {t(token ? 'back_to_login' : 'forgot_title')}
      </Anchor>
    </Card>
  );
}
