// Log in, or sign up (which creates the tenant on its trial and signs in).
import { Alert, Anchor, Button, Center, Paper, PasswordInput, SegmentedControl, Stack, TextInput, Title } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useLocation } from 'react-router';
import { api, unwrap } from '../api/client';
import { writeSession } from '../api/session';
import { ProblemAlert } from '../components/ProblemAlert';
import { useI18n } from '../i18n';
import type { MessageKey } from '../i18n/en';
import { EMAIL, normaliseMobile, passwordProblem } from '../lib/validation';

type Errors = Partial<Record<string, MessageKey>>;

export function validateSignup(f: { email: string; password: string; name: string; business_name: string; phone: string }): Errors {
  const e: Errors = {};
  if (!EMAIL.test(f.email)) e.email = 'v_email';
  const weak = passwordProblem(f.password);
  if (weak) e.password = weak;
  if (!f.name.trim()) e.name = 'v_required';
  if (f.business_name.trim().length < 2) e.business_name = 'v_required';
  if (f.phone.trim() && !normaliseMobile(f.phone)) e.phone = 'v_mobile';
  return e;
}

export function AuthPage({ mode, ended }: { mode: 'login' | 'signup'; ended: boolean }) {
  const { t } = useI18n();
  // The reset and invite pages come back here saying the password is saved.
  const notice = (useLocation().state as { notice?: MessageKey } | null)?.notice;
  const [form, setForm] = useState({ email: '', password: '', name: '', business_name: '', phone: '', tenant_slug: '' });
  // Staff log in to one business: the API needs its login name (slug) to find them.
  // StudySpot's own staff (platform admins) log in elsewhere in the API, to no business.
  const [who, setWho] = useState<'library_owner' | 'library_staff' | 'platform'>('library_owner');
  const [errors, setErrors] = useState<Errors>({});
  // Read the value now: React clears currentTarget before a state updater runs.
  const set = (k: keyof typeof form) => (e: { currentTarget: { value: string } }) => {
    const value = e.currentTarget.value;
    setForm((f) => ({ ...f, [k]: value }));
  };

  const login = useMutation({
    mutationFn: () =>
      who === 'platform'
        ? unwrap(api.POST('/api/v1/auth/login', { body: { email: form.email, password: form.password } }))
        : unwrap(
        api.POST('/api/auth/login', {
          body: {
            email: form.email,
            password: form.password,
            user_type: who,
            ...(who === 'library_staff' ? { tenant_slug: form.tenant_slug.trim().toLowerCase() } : {}),
          } as never,
        }),
      ),
    // The signed-in shell takes over on this route (App.tsx sends /login and /signup on).
    onSuccess: (r) => writeSession({ access_token: r.access_token, refresh_token: r.refresh_token, user: r.user }),
  });
  const signup = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/auth/register', {
          body: {
            email: form.email,
            password: form.password,
            name: form.name.trim(),
            business_name: form.business_name.trim(),
            phone: form.phone.trim() ? normaliseMobile(form.phone) : null,
          },
        }),
      ),
    // The signed-in shell takes over on this route (App.tsx sends /login and /signup on).
    onSuccess: (r) => writeSession({ access_token: r.access_token, refresh_token: r.refresh_token, user: r.user }),
  });
  const pending = login.isPending || signup.isPending;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (mode === 'signup') {
      const found = validateSignup(form);
      setErrors(found);
      if (Object.keys(found).length === 0) signup.mutate();
    } else {
      const found: Errors = {};
      if (!EMAIL.test(form.email)) found.email = 'v_email';
      if (!form.password) found.password = 'v_required';
      if (who === 'library_staff' && !form.tenant_slug.trim()) found.tenant_slug = 'v_required';
      setErrors(found);
      if (Object.keys(found).length === 0) login.mutate();
    }
  };
  const err = (k: string) => (errors[k] ? t(errors[k] as MessageKey) : undefined);

  return (
    <Center mih="100vh" p="md" component="main">
      <Paper withBorder shadow="sm" p="xl" w={420} maw="100%">
        <form onSubmit={submit} noValidate>
          <Stack>
            <Title order={1} size="h3">
              {mode === 'login' ? t('login_title') : t('signup_title')}
            </Title>
            {ended && mode === 'login' && <Alert color="yellow">{t('session_ended')}</Alert>}
            {notice && mode === 'login' && (
              <Alert color="teal" role="status" data-testid="login-notice">
                {t(notice)}
              </Alert>
            )}
            {mode === 'login' && (
              <SegmentedControl
                aria-label={t('login_as')}
                value={who}
                onChange={(v) => setWho(v as typeof who)}
                data={[
                  { value: 'library_owner', label: t('login_as_owner') },
                  { value: 'library_staff', label: t('login_as_staff') },
                  { value: 'platform', label: t('login_as_platform') },
                ]}
              />
            )}
            {mode === 'login' && who === 'library_staff' && (
              <TextInput label={t('login_slug_staff')} value={form.tenant_slug} onChange={set('tenant_slug')} error={err('tenant_slug')} required autoComplete="organization" />
            )}
            {mode === 'signup' && (
              <>
                <TextInput label={t('name')} value={form.name} onChange={set('name')} error={err('name')} required autoComplete="name" />
                <TextInput label={t('business_name')} value={form.business_name} onChange={set('business_name')} error={err('business_name')} required autoComplete="organization" />
                <TextInput label={t('phone')} value={form.phone} onChange={set('phone')} error={err('phone')} type="tel" autoComplete="tel" />
              </>
            )}
            <TextInput label={t('email')} value={form.email} onChange={set('email')} error={err('email')} required type="email" autoComplete="email" />
            <PasswordInput label={t('password')} value={form.password} onChange={set('password')} error={err('password')} required autoComplete={mode === 'login' ? 'current-password' : 'new-password'} />
            {mode === 'login' && (
              <Anchor component={Link} to="/forgot-password" size="sm">
                {t('forgot_link')}
              </Anchor>
            )}
            {(login.error || signup.error) && <ProblemAlert error={login.error ?? signup.error} />}
            <Button type="submit" loading={pending}>
              {mode === 'login' ? t('login_button') : t('signup_button')}
            </Button>
            <Anchor component={Link} to={mode === 'login' ? '/signup' : '/login'} size="sm">
              {mode === 'login' ? t('no_account') : t('have_account')}
            </Anchor>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
