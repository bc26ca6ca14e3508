// One report of the analytics page: its heading, the query's states, a line about the
// answer (freshness or the rule it follows), its CSV download and its table.
import { Button, Group, Stack, Text, Title } from '@mantine/core';
import { useMutation, type UseQueryResult } from '@tanstack/react-query';
import { useId, type ReactNode } from 'react';
import { fetchBlob } from '../../api/client';
import { ProblemAlert } from '../../components/ProblemAlert';
import { QueryState } from '../../components/QueryState';
import { useI18n } from '../../i18n';

export type CsvLink = { path: string; query: Record<string, string>; name: string };

export function CsvButton({ path, query, name }: CsvLink) {
  const { t } = useI18n();
  const download = useMutation({
    mutationFn: async () => {
      const q = new URLSearchParams({ ...query, format: 'csv' });
      const blob = await fetchBlob(`${path}?${q.toString()}`);
      const a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = `${name}.csv`;
      a.click();
      URL.revokeObjectURL(a.href);
    },
  });
  return (
    <>
      <Button size="xs" variant="light" onClick={() => download.mutate()} loading={download.isPending} data-testid={`csv-${name}`}>
        {t('an_export_csv')}
      </Button>
      {download.error && <ProblemAlert error={download.error} />}
    </>
  );
}

export function Fresh({ asOf }: { asOf: string | null | undefined }) {
  const { t } = useI18n();
  return (
    <Text size="xs" c="dimmed" data-testid="as-of">
      {asOf ? t('an_as_of', { at: new Date(asOf).toLocaleString() }) : t('an_no_events')}
    </Text>
  );
}

/** A note in the report's header line (the rule it follows), dimmed like the freshness. */
export function Note({ children }: { children: ReactNode }) {
  return <Text size="xs" c="dimmed">{children}</Text>;
}

export function ReportSection<T>({
  title,
  query,
  note,
  csv,
  children,
}: {
  title: string;
  query: UseQueryResult<T>;
  /** Shown left of the CSV button: `<Fresh>` or a `<Note>`. */
  note: (report: T) => ReactNode;
  csv: (report: T) => CsvLink;
  children: (report: T) => ReactNode;
}) {
  const heading = useId();
  return (
    <Stack component="section" aria-labelledby={heading} gap="sm">
      <Title order={2} size="h3" id={heading}>{title}</Title>
      <QueryState query={query}>
        {(r) => (
          <Stack gap="xs">
            <Group justify="space-between">
              {note(r)}
              <CsvButton {...csv(r)} />
            </Group>
            {children(r)}
          </Stack>
        )}
      </QueryState>
    </Stack>
  );
}
