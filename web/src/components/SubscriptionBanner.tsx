// Across the console, for the owner: a lapsed subscription (past due, grace, read-only,
// suspended) is said on every page, with what still works and a link to pay.
import { Alert, Anchor, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link, useLocation } from 'react-router';
import { api, unwrap } from '../api/client';
import { useI18n } from '../i18n';
import { STATUS_KEYS, statusNotice } from '../lib/subscription';

export function SubscriptionBanner() {
  const { t } = useI18n();
  const { pathname } = useLocation();
  const current = useQuery({
    queryKey: ['subscription', 'current'],
    queryFn: () => unwrap(api.GET('/api/v1/subscriptions/current')),
    staleTime: 60_000,
  });
  const status = current.data?.status;
  const notice = status ? statusNotice(status) : null;
  // The Subscription page says it itself; a failed read is that page's to show.
  if (!status || !notice || status === 'cancelled' || pathname === '/subscription') return null;
  return (
    <Alert color={notice.color} mb="md" data-testid="subscription-banner">
      <Text fw={700} size="sm">{t(STATUS_KEYS[status])}</Text>
      <Text size="sm">
        {t(notice.key)}{' '}
        <Anchor component={Link} to="/subscription" c="blue.9" underline="always">{t('sub_open')}</Anchor>
      </Text>
    </Alert>
  );
}
