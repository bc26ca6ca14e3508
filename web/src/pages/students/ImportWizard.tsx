// Import in three steps: choose the branch and the file, let the API check it
// (dry run: nothing is written) and show every bad line with the API's own
// messages, then commit — all rows, or only the good ones when the owner says
// so. A commit the API refuses (422 `import_has_errors`) shows its lines the
// same way; any other refusal (too large, not a sheet, plan limit) shows the
// problem as it came.
import { Alert, Anchor, Button, Checkbox, FileInput, Group, Paper, Select, Stack, Stepper, Table, Text, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { ApiError, api, unwrap } from '../../api/client';
import { useLibraries } from '../../api/queries';
import { ProblemAlert } from '../../components/ProblemAlert';
import { useI18n } from '../../i18n';
import { IMPORT_ACCEPT, badLinesOfProblem, badLinesOfReport, nextStep, type BadLine, type ImportReport } from './importReport';

async function postImport(file: File, libraryId: string, mode: { dry_run: boolean; skip_invalid: boolean }): Promise<ImportReport> {
  const form = new FormData();
  form.append('file', file, file.name);
  return unwrap(
    api.POST('/api/v1/students/import', {
      params: { query: { library_id: libraryId, ...mode } },
      // The generated type says `file: string` (OpenAPI's binary); the request carries the FormData.
      body: { file: '' },
      bodySerializer: () => form,
    }),
  );
}

export function BadLinesTable({ lines }: { lines: BadLine[] }) {
  const { t } = useI18n();
  return (
    <Table.ScrollContainer minWidth={520} mah={420}>
      <Table striped data-testid="import-bad-rows">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('file_line')}</Table.Th>
            <Table.Th>{t('field')}</Table.Th>
            <Table.Th>{t('problem')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {lines.flatMap((l) => {
            const problems = l.problems.length ? l.problems : [{ field: 'phone', message: '' }];
            return problems.map((p, i) => (
              <Table.Tr key={`${l.line}:${i}`} data-line={l.line}>
                {i === 0 && <Table.Td rowSpan={problems.length} style={{ verticalAlign: 'top' }}>{l.line}</Table.Td>}
                <Table.Td><code>{p.field}</code></Table.Td>
                <Table.Td>
                  {p.message}
                  {p.field === 'phone' && l.existingEnrollment && (
                    <Text size="xs" c="dimmed">{t('already_registered_as', { number: l.existingEnrollment })}</Text>
                  )}
                  {p.field === 'phone' && l.duplicateOfLine !== null && (
                    <Text size="xs" c="dimmed">{t('same_phone_as_line', { line: l.duplicateOfLine })}</Text>
                  )}
                </Table.Td>
              </Table.Tr>
            ));
          })}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

function Summary({ report }: { report: ImportReport }) {
  const { t } = useI18n();
  const bad = badLinesOfReport(report).length;
  return (
    <Group gap="lg" data-testid="import-summary">
      <Text size="sm">{t('rows_in_file', { count: report.total_rows })}</Text>
      <Text size="sm" fw={600}>{t('rows_valid', { count: report.valid_rows })}</Text>
      <Text size="sm" c={bad ? 'red.9' : undefined}>{t('rows_bad', { count: bad })}</Text>
    </Group>
  );
}

export default function ImportWizard() {
  const { t } = useI18n();
  const qc = useQueryClient();
  const libs = useLibraries();
  const [library, setLibrary] = useState<string | null>(null);
  const [file, setFile] = useState<File | null>(null);
  const [skipBad, setSkipBad] = useState(false);

  const check = useMutation({
    mutationFn: () => postImport(file as File, library as string, { dry_run: true, skip_invalid: false }),
  });
  const commit = useMutation({
    mutationFn: (skip: boolean) => postImport(file as File, library as string, { dry_run: false, skip_invalid: skip }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['students'] }),
  });
  // A new file or branch needs a new check.
  const restart = () => {
    check.reset();
    commit.reset();
    setSkipBad(false);
  };

  const report = check.data;
  const step = commit.isSuccess ? 2 : report ? 1 : 0;
  const next = report ? nextStep(report) : null;
  const refused = commit.error instanceof ApiError && commit.error.problem.code === 'import_has_errors' ? badLinesOfProblem(commit.error.problem) : null;

  return (
    <Stack maw={900}>
      <Anchor component={Link} to="/students" size="sm">← {t('students_title')}</Anchor>
      <Title order={1} size="h2">{t('import_title')}</Title>
      <Stepper active={step} allowNextStepsSelect={false} size="sm">
        <Stepper.Step label={t('import_step_file')}>
          <Paper withBorder p="md">
            <form
              onSubmit={(e) => {
                e.preventDefault();
                if (file && library) check.mutate();
              }}
            >
              <Stack>
                <Text size="sm" c="dimmed">{t('import_columns_hint')}</Text>
                <Select
                  label={t('import_library')}
                  required
                  data={(libs.data?.items ?? []).map((l) => ({ value: l.id, label: `${l.name} (${l.city})` }))}
                  value={library}
                  onChange={(v) => { setLibrary(v); restart(); }}
                  w={320}
                />
                {libs.isError && <ProblemAlert error={libs.error} onRetry={() => void libs.refetch()} />}
                <FileInput
                  label={t('import_file')}
                  required
                  accept={IMPORT_ACCEPT}
                  value={file}
                  onChange={(f) => { setFile(f); restart(); }}
                  w={320}
                  data-testid="import-file"
                />
                {check.isError && <ProblemAlert error={check.error} />}
                <Group>
                  <Button type="submit" disabled={!file || !library} loading={check.isPending}>{t('dry_run')}</Button>
                </Group>
              </Stack>
            </form>
          </Paper>
        </Stepper.Step>
        <Stepper.Step label={t('import_step_check')}>
          {report && next && (
            <Paper withBorder p="md">
              <Stack>
                <Summary report={report} />
                {next.kind !== 'commit_all' && next.bad > 0 && (
                  <>
                    <Text fw={600} size="sm">{t('bad_rows')}</Text>
                    <BadLinesTable lines={badLinesOfReport(report)} />
                  </>
                )}
                {next.kind === 'commit_all' && <Alert color="teal" title={t('import_all_good')}>{t('import_nothing_written')}</Alert>}
                {next.kind === 'nothing' && <Alert color="yellow" title={t('import_nothing_to_do')}>{t('import_fix_file')}</Alert>}
                {next.kind === 'commit_good' && (
                  <Checkbox
                    label={t('skip_bad_rows', { bad: next.bad, count: next.count })}
                    checked={skipBad}
                    onChange={(e) => setSkipBad(e.currentTarget.checked)}
                  />
                )}
                {refused && (
                  <>
                    <ProblemAlert error={new ApiError({ ...(commit.error as ApiError).problem, errors: refused.other.map((o) => ({ field: o.field, message: o.message })) })} />
                    <BadLinesTable lines={refused.lines} />
                  </>
                )}
                {commit.isError && !refused && <ProblemAlert error={commit.error} />}
                <Group>
                  <Button variant="default" onClick={restart}>{t('back')}</Button>
                  {next.kind !== 'nothing' && (
                    <Button
                      onClick={() => commit.mutate(next.kind === 'commit_good')}
                      disabled={next.kind === 'commit_good' && !skipBad}
                      loading={commit.isPending}
                      data-testid="import-commit"
                    >
                      {t('commit_import', { count: next.count })}
                    </Button>
                  )}
                </Group>
              </Stack>
            </Paper>
          )}
        </Stepper.Step>
        <Stepper.Completed>
          {commit.data && (
            <Alert color="teal" title={t('import_done', { count: commit.data.imported })} data-testid="import-done">
              <Stack gap="xs">
                {badLinesOfReport(commit.data).length > 0 && (
                  <Text size="sm">{t('import_skipped', { count: badLinesOfReport(commit.data).length })}</Text>
                )}
                <Group>
                  <Button component={Link} to="/students" size="xs">{t('open_students')}</Button>
                  <Button size="xs" variant="default" onClick={() => { setFile(null); restart(); }}>{t('import_another')}</Button>
                </Group>
              </Stack>
            </Alert>
          )}
        </Stepper.Completed>
      </Stepper>
    </Stack>
  );
}
