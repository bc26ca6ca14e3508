// Routes, the signed-in shell and the session gate: without a session every
// page leads to the login page; when the session ends (refresh failed) the
// console returns there and says why.
import { AppShell, Burger, Group, NavLink, SegmentedControl, Text, Button, ScrollArea } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useEffect, useState } from 'react';
import { Navigate, NavLink as RouterLink, Route, Routes, useLocation, useNavigate } from 'react-router';
import { onSessionChange, readSession, tokenClaims, writeSession, type Session } from './api/session';
import { useI18n, type Lang } from './i18n';
import type { MessageKey } from './i18n/en';
import { NotificationBell } from './components/NotificationBell';
import { SubscriptionBanner } from './components/SubscriptionBanner';
import { can } from './lib/permissions';
import { AuthPage } from './pages/Auth';
import { ForgotPasswordPage, PasswordLinkPage } from './pages/Passwords';
import { SeatMapPage } from './pages/SeatMapPage';

const Onboarding = lazy(() => import('./pages/Onboarding'));
const Desk = lazy(() => import('./pages/Desk'));
const Dues = lazy(() => import('./pages/Dues'));
const Payments = lazy(() => import('./pages/Payments'));
const Students = lazy(() => import('./pages/students/StudentsPage'));
const StudentProfile = lazy(() => import('./pages/students/StudentProfile'));
const ImportWizard = lazy(() => import('./pages/students/ImportWizard'));
const Staff = lazy(() => import('./pages/staff/StaffPage'));
const Settings = lazy(() => import('./pages/settings/SettingsPage'));
const Messages = lazy(() => import('./pages/messages/MessagesPage'));
const Subscription = lazy(() => import('./pages/subscription/SubscriptionPage'));
const AdminPlans = lazy(() => import('./pages/admin/PlansPage'));
const AdminRevenue = lazy(() => import('./pages/admin/RevenuePage'));
const AdminTenants = lazy(() => import('./pages/admin/TenantsPage'));
const AdminTenant = lazy(() => import('./pages/admin/TenantPage'));
const AttendanceRegister = lazy(() => import('./pages/attendance/RegisterPage'));
const Analytics = lazy(() => import('./pages/analytics/AnalyticsPage'));
const Inbox = lazy(() => import('./pages/community/InboxPage'));
const Groups = lazy(() => import('./pages/community/GroupsPage'));
// Pages of their own, outside the signed-in shell: the door tablet and the student's phone.
const DoorDisplay = lazy(() => import('./pages/attendance/DoorDisplay'));
const CheckIn = lazy(() => import('./pages/attendance/CheckIn'));

/** The door display and the check-in page manage their own sign-in (a display key; a student). */
const STANDALONE = /^\/attendance\/(display\/[^/]+|check-in)\/?$/;

function useSession(): Session | null {
  const [session, setSession] = useState(readSession);
  useEffect(() => onSessionChange(setSession), []);
  return session;
}

interface NavItem {
  to: string;
  label: MessageKey;
  permission?: string;
}

const NAV: NavItem[] = [
  { to: '/seat-map', label: 'nav_seat_map', permission: 'bookings:read' },
  { to: '/desk', label: 'nav_desk', permission: 'bookings:create' },
  { to: '/dues', label: 'nav_dues', permission: 'payments:read' },
  { to: '/payments', label: 'nav_payments', permission: 'payments:read' },
  { to: '/students', label: 'nav_students', permission: 'students:read' },
  { to: '/attendance', label: 'nav_attendance', permission: 'attendance:read' },
  { to: '/analytics', label: 'nav_analytics', permission: 'analytics:read' },
  { to: '/messages', label: 'nav_messages', permission: 'messages:send' },
  { to: '/inbox', label: 'nav_inbox', permission: 'inbox:read' },
  { to: '/groups', label: 'nav_groups', permission: 'communities:create' },
  { to: '/staff', label: 'nav_staff', permission: 'staff:read' },
  { to: '/settings', label: 'nav_settings', permission: 'tenant:read' },
  { to: '/subscription', label: 'nav_subscription', permission: 'subscriptions:update' },
  { to: '/setup', label: 'nav_setup', permission: 'libraries:create' },
];

// Platform users (StudySpot's own staff, no tenant) see the platform pages only.
const ADMIN_NAV: NavItem[] = [
  { to: '/admin/revenue', label: 'nav_admin_revenue', permission: 'subscriptions:read' },
  { to: '/admin/plans', label: 'nav_admin_plans', permission: 'platform_plans:write' },
  { to: '/admin/tenants', label: 'nav_admin_tenants', permission: 'subscriptions:read' },
];

const PUBLIC_PATHS = new Set(['/forgot-password', '/reset-password', '/set-password']);

export function App() {
  const session = useSession();
  const location = useLocation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [ended, setEnded] = useState(false);

  useEffect(
    () =>
      onSessionChange((s) => {
        if (!s) {
          queryClient.clear();
          setEnded(true);
          // The check-in page keeps its URL (the door's code is in its fragment).
          if (!STANDALONE.test(window.location.pathname)) navigate('/login', { replace: true });
        }
      }),
    [navigate, queryClient],
  );

  // The pages an e-mailed link opens work with or without a session in this browser.
  if (PUBLIC_PATHS.has(location.pathname)) {
    return (
      <Routes>
        <Route path="/forgot-password" element={<ForgotPasswordPage />} />
        <Route path="/reset-password" element={<PasswordLinkPage purpose="reset" />} />
        <Route path="/set-password" element={<PasswordLinkPage purpose="invite" />} />
      </Routes>
    );
  }
  if (STANDALONE.test(location.pathname)) {
    return (
      <Suspense fallback={null}>
        <Routes>
          <Route path="/attendance/display/:libraryId" element={<DoorDisplay />} />
          <Route path="/attendance/check-in" element={<CheckIn session={session} />} />
        </Routes>
      </Suspense>
    );
  }
  if (!session) {
    return (
      <Routes>
        <Route path="/login" element={<AuthPage mode="login" ended={ended} />} />
        <Route path="/signup" element={<AuthPage mode="signup" ended={false} />} />
        <Route path="*" element={<Navigate to="/login" replace state={{ from: location.pathname }} />} />
      </Routes>
    );
  }
  return <Shell session={session} />;
}

function Shell({ session }: { session: Session }) {
  const { t, lang, setLang } = useI18n();
  const [opened, { toggle, close }] = useDisclosure();
  const { permissions } = tokenClaims(session.access_token);
  const allowed = (p?: string) => !p || can(permissions, p);
  const platform = !session.user.tenant_id;
  const items = (platform ? ADMIN_NAV : NAV).filter((n) => allowed(n.permission));
  const home = platform ? '/admin/revenue' : '/seat-map';
  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 220, breakpoint: 'sm', collapsed: { mobile: !opened } }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Menu" />
            <Text fw={700} component="span">{t('app_name')}</Text>
            <Text size="sm" c="dimmed" visibleFrom="md" component="span">{session.user.name}</Text>
          </Group>
          <Group wrap="nowrap" gap="xs">
            {/* The in-app feed is per tenant user; platform users have none. */}
            {session.user.tenant_id && <NotificationBell />}
            <SegmentedControl
              size="xs"
              aria-label={t('language')}
              value={lang}
              onChange={(v) => setLang(v as Lang)}
              data={[
                { value: 'en', label: 'English' },
                { value: 'hi', label: 'हिन्दी' },
              ]}
            />
            <Button size="xs" variant="subtle" onClick={() => writeSession(null)}>
              {t('logout')}
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" component="nav" aria-label="Main">
        <ScrollArea>
          {items.map((n) => (
            <NavLink key={n.to} component={RouterLink} to={n.to} label={t(n.label)} onClick={close} variant="filled" />
          ))}
        </ScrollArea>
      </AppShell.Navbar>
      <AppShell.Main>
        {!platform && allowed('subscriptions:update') && <SubscriptionBanner />}
        <Suspense fallback={<Text c="dimmed">{t('loading')}</Text>}>
          {platform ? (
            <Routes>
              <Route path="/admin/revenue" element={<AdminRevenue />} />
              <Route path="/admin/plans" element={<AdminPlans />} />
              <Route path="/admin/tenants" element={<AdminTenants />} />
              <Route path="/admin/tenants/:tenantId" element={<AdminTenant />} />
              <Route path="*" element={<Navigate to={home} replace />} />
            </Routes>
          ) : (
          <Routes>
            <Route path="/seat-map" element={<SeatMapPage />} />
            <Route path="/desk" element={<Desk />} />
            <Route path="/dues" element={<Dues />} />
            <Route path="/payments" element={<Payments />} />
            <Route path="/students" element={<Students />} />
            <Route path="/students/import" element={<ImportWizard />} />
            <Route path="/students/:studentId" element={<StudentProfile />} />
            <Route path="/attendance" element={<AttendanceRegister />} />
            <Route path="/analytics" element={<Analytics />} />
            <Route path="/staff" element={<Staff />} />
            <Route path="/settings" element={<Settings />} />
            <Route path="/messages" element={<Messages />} />
            <Route path="/inbox" element={<Inbox />} />
            <Route path="/groups" element={<Groups />} />
            <Route path="/setup" element={<Onboarding />} />
            <Route path="/subscription" element={<Subscription />} />
            {/* Where a fresh session lands: sign-up goes on to set up the first library. */}
            <Route path="/signup" element={<Navigate to="/setup" replace />} />
            <Route path="/login" element={<Navigate to="/seat-map" replace />} />
            <Route path="*" element={<Navigate to="/seat-map" replace />} />
          </Routes>
          )}
        </Suspense>
      </AppShell.Main>
    </AppShell>
  );
}
