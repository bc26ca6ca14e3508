// Every failed call is shown as the API said it: its detail, field errors and
// request id (what an operator searches the logs for). Nothing is made up.
import { Alert, Button, Code, List, Text } from '@mantine/core';
import { ApiError } from '../api/client';
import { useI18n } from '../i18n';

export function ProblemAlert({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useI18n();
  const problem =
    error instanceof ApiError
      ? error.problem
      : { detail: error instanceof Error ? error.message : String(error), request_id: '', errors: [], code: 'client_error', status: 0, title: '' };
  return (
    <Alert color="red" title={t('error_title')} role="alert" data-testid="problem">
      <Text size="sm" data-testid="problem-detail">{problem.detail}</Text>
      {problem.errors.length > 0 && (
        <List size="sm" mt="xs">
          {problem.errors.map((e) => (
            <List.Item key={`${e.field}:${e.message}`}>
              <Code>{e.field}</Code> {e.message}
            </List.Item>
          ))}
        </List>
      )}
      {problem.request_id && (
        <Text size="xs" mt="xs" c="dimmed" data-testid="problem-request-id">
          {t('request_id')}: <Code>{problem.request_id}</Code>
        </Text>
      )}
      {onRetry && (
        <Button size="xs" variant="light" color="red" mt="sm" onClick={onRetry}>
          {t('retry')}
        </Button>
      )}
    </Alert>
  );
}
