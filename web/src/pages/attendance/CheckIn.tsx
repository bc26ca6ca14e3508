// The student's check-in page (phone-first): opened from the door's QR with the code in
// the fragment, it logs the student in if needed (the fragment stays), posts the code and
// says in words whether the check-in is confirmed or what stands in the way. The student
// is always the token's. A check-out button, and the reverse mode: the student's own
// rotating code as a QR for the desk to scan when the door tablet is down.
import { Alert, Button, Container, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { ApiError, api, unwrap } from '../../api/client';
import { type Session, writeSession } from '../../api/session';
import { ProblemAlert } from '../../components/ProblemAlert';
import { useI18n } from '../../i18n';
import { EMAIL } from '../../lib/validation';
import { QrImage } from './QrImage';
import { checkInProblem, codeFromFragment, refetchDelay } from './problems';

type AttendanceRecord = NonNullable<Awaited<ReturnType<typeof postCheckIn>>>;

function postCheckIn(code: string) {
  return unwrap(api.POST('/api/attendance/check-in', { body: { code } }));
}

function postCheckOut(code: string) {
  return unwrap(api.POST('/api/attendance/check-out', { body: { code } }));
}

function time(iso: string): string {
  return new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

export default function CheckIn({ session }: { session: Session | null }) {
  const { t } = useI18n();
  const [code] = useState(() => codeFromFragment(window.location.hash));
  const student = session?.user.user_type === 'student';
  return (
    <Container size={420} p="md" component="main">
      <Stack>
        <Title order={1} size="h3">{t('att_checkin_title')}</Title>
        {!session ? (
          <StudentLogin />
        ) : !student ? (
          <Alert color="yellow" role="alert">
            {t('att_checkin_students_only')}
            <Button mt="sm" size="xs" variant="light" onClick={() => writeSession(null)}>{t('logout')}</Button>
          </Alert>
        ) : (
          <StudentCheckIn code={code} name={session.user.name} />
        )}
      </Stack>
    </Container>
  );
}

function StudentCheckIn({ code, name }: { code: string | null; name: string }) {
  const { t } = useI18n();
  const [done, setDone] = useState<{ kind: 'in' | 'out'; record: AttendanceRecord } | null>(null);
  const [showMine, setShowMine] = useState(!code);
  const checkIn = useMutation({ mutationFn: postCheckIn, onSuccess: (record) => setDone({ kind: 'in', record }) });
  const checkOut = useMutation({ mutationFn: postCheckOut, onSuccess: (record) => setDone({ kind: 'out', record }) });
  // Once per page and code: a scan is one attempt (a second would be code_replayed).
  const sent = useRef(false);
  useEffect(() => {
    if (code && !sent.current) {
      sent.current = true;
      checkIn.mutate(code);
    }
  }, [code, checkIn]);

  const problem = (checkOut.error ?? checkIn.error) as unknown;
  const problemCode = problem instanceof ApiError ? problem.problem.code : null;
  const words = problemCode ? checkInProblem(problemCode) : null;
  const canCheckOut = !!code && (done?.kind === 'in' || problemCode === 'already_checked_in');

  return (
    <Stack>
      <Text>{t('att_checkin_hello', { name })}</Text>
      {checkIn.isPending && <Text aria-busy="true">{t('att_checkin_sending')}</Text>}
      {done && (
        <Alert color="teal.9" variant="filled" title={done.kind === 'in' ? t('att_checkin_confirmed') : t('att_checkout_confirmed')} data-testid="checkin-result" data-kind={done.kind}>
          <Text size="sm">
            {done.kind === 'in'
              ? t('att_checkin_at', { time: time(done.record.checked_in_at), seat: done.record.seat_label ?? '—' })
              : t('att_checkout_at', { time: time(done.record.checked_out_at ?? done.record.checked_in_at), minutes: done.record.minutes_present ?? 0 })}
          </Text>
          {done.kind === 'in' && done.record.late && <Text size="sm" fw={600}>{t('att_checkin_late')}</Text>}
        </Alert>
      )}
      {problem != null && !done && (
        words ? (
          <Alert color="red.9" variant="filled" role="alert" title={t('att_checkin_refused')} data-testid="checkin-problem" data-code={problemCode}>
            {t(words)}
          </Alert>
        ) : (
          <ProblemAlert error={problem} />
        )
      )}
      {!code && <Text c="dimmed">{t('att_checkin_scan_door')}</Text>}
      {canCheckOut && done?.kind !== 'out' && (
        <Button size="lg" variant="light" onClick={() => code && checkOut.mutate(code)} loading={checkOut.isPending} data-testid="check-out">
          {t('att_checkout_button')}
        </Button>
      )}
      <Button variant="subtle" h="auto" py="xs" styles={{ label: { whiteSpace: 'normal', textAlign: 'center' } }} onClick={() => setShowMine((s) => !s)} aria-expanded={showMine}>
        {t('att_my_code_button')}
      </Button>
      {showMine && <MyCode />}
    </Stack>
  );
}

/** The student's own rotating code, for the desk to scan; a new one each step. */
function MyCode() {
  const { t } = useI18n();
  const mine = useQuery({
    queryKey: ['my-attendance-code'],
    queryFn: () => unwrap(api.GET('/api/attendance/my-code')),
    refetchInterval: (q) => (q.state.data ? refetchDelay(q.state.data.refresh_at) : 30_000),
    staleTime: 0,
  });
  if (mine.isError) return <ProblemAlert error={mine.error} onRetry={() => void mine.refetch()} />;
  if (!mine.data) return <Text c="dimmed">{t('loading')}</Text>;
  return (
    <Stack align="center" gap="xs">
      <QrImage text={mine.data.code} alt={t('att_my_code_alt')} size={260} testId="my-code-qr" />
      <Text size="sm" c="dimmed">{t('att_my_code_hint')}</Text>
    </Stack>
  );
}

/** A student's login, on this page: the fragment (the door's code) stays where it is. */
function StudentLogin() {
  const { t } = useI18n();
  const [form, setForm] = useState({ tenant_slug: '', email: '', password: '' });
  const [invalid, setInvalid] = useState(false);
  const set = (k: keyof typeof form) => (e: { currentTarget: { value: string } }) => {
    const value = e.currentTarget.value;
    setForm((f) => ({ ...f, [k]: value }));
  };
  const login = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/auth/login', {
          body: { email: form.email, password: form.password, user_type: 'student', tenant_slug: form.tenant_slug.trim().toLowerCase() } as never,
        }),
      ),
    onSuccess: (r) => writeSession({ access_token: r.access_token, refresh_token: r.refresh_token, user: r.user }),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const bad = !EMAIL.test(form.email) || !form.password || !form.tenant_slug.trim();
    setInvalid(bad);
    if (!bad) login.mutate();
  };
  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        <Text>{t('att_checkin_login_first')}</Text>
        <TextInput label={t('login_slug_staff')} value={form.tenant_slug} onChange={set('tenant_slug')} required autoComplete="organization" />
        <TextInput label={t('email')} value={form.email} onChange={set('email')} required type="email" autoComplete="email" />
        <PasswordInput label={t('password')} value={form.password} onChange={set('password')} required autoComplete="current-password" />
        {invalid && <Text c="red.9" size="sm" role="alert">{t('att_checkin_login_incomplete')}</Text>}
        {login.error && <ProblemAlert error={login.error} />}
        <Button type="submit" size="lg" loading={login.isPending}>{t('login_button')}</Button>
      </Stack>
    </form>
  );
}
