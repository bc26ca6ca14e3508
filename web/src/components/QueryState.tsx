// Loading, error and empty states for a TanStack query, one look everywhere.
import { Center, Loader, Text } from '@mantine/core';
import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { useI18n } from '../i18n';
import { ProblemAlert } from './ProblemAlert';

export function QueryState<T>({
  query,
  isEmpty,
  empty,
  children,
}: {
  query: UseQueryResult<T>;
  isEmpty?: (data: T) => boolean;
  empty?: ReactNode;
  children: (data: T) => ReactNode;
}) {
  const { t } = useI18n();
  if (query.isPending) {
    return (
      <Center p="lg" aria-busy="true">
        <Loader size="sm" aria-label={t('loading')} />
      </Center>
    );
  }
  if (query.isError) return <ProblemAlert error={query.error} onRetry={() => void query.refetch()} />;
  if (isEmpty?.(query.data)) {
    return (
      <Text c="dimmed" p="md" data-testid="empty">
        {empty ?? t('empty')}
      </Text>
    );
  }
  return <>{children(query.data)}</>;
}
