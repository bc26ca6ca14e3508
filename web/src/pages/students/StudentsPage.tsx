// The student register: searched, filtered and paged by the API (it stays fast
// at 100,000 students because the browser only ever holds one page), with the
// search typed here debounced before it becomes a request. The filters live in
// the URL, so a reload or a shared link shows the same list.
import { Anchor, Button, Group, Loader, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useMutation, useQuery } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api, unwrap } from '../../api/client';
import { todayIso, useLibraries } from '../../api/queries';
import { Pager } from '../../components/Pager';
import { ProblemAlert } from '../../components/ProblemAlert';
import { QueryState } from '../../components/QueryState';
import { useI18n } from '../../i18n';
import type { MessageKey } from '../../i18n/en';
import { usePermissions } from '../../lib/usePermissions';
import { downloadStudentsCsv } from './exportCsv';
import {
  EXPIRING_CHOICES,
  PAGE_SIZES,
  SORTS,
  STUDENT_STATUSES,
  cleanSearch,
  exportQuery,
  filtersFromParams,
  filtersToParams,
  listQuery,
  withFilter,
  type StudentFilters,
  type StudentSort,
  type StudentStatus,
} from './filters';
import { StatusBadge } from './StatusBadge';

const SEARCH_DEBOUNCE_MS = 300;

const SORT_LABELS: Record<StudentSort, MessageKey> = {
  name: 'sort_name_asc',
  '-name': 'sort_name_desc',
  enrollment_number: 'sort_enrollment_asc',
  '-enrollment_number': 'sort_enrollment_desc',
  created_at: 'sort_created_asc',
  '-created_at': 'sort_created_desc',
  admission_date: 'sort_admission_asc',
  '-admission_date': 'sort_admission_desc',
};

function hasFilters(f: StudentFilters): boolean {
  return !!cleanSearch(f.q) || !!f.library || !!f.status || f.expiring !== null || f.withDues !== null;
}

export default function StudentsPage() {
  const { t } = useI18n();
  const may = usePermissions();
  const [params, setParams] = useSearchParams();
  const filters = useMemo(() => filtersFromParams(params), [params]);
  const setFilters = (f: StudentFilters) => setParams(filtersToParams(f), { replace: true });
  const libs = useLibraries();
  const libraryName = useMemo(() => new Map((libs.data?.items ?? []).map((l) => [l.id, l.name])), [libs.data]);

  // What is typed shows at once; the request follows when typing pauses.
  const [typed, setTyped] = useState(filters.q);
  const [debounced] = useDebouncedValue(typed, SEARCH_DEBOUNCE_MS);
  useEffect(() => {
    const q = cleanSearch(debounced);
    if (q !== cleanSearch(filters.q)) setFilters(withFilter(filters, { q }));
    // Only a new debounced value triggers a search; the filters are read as they are then.
  }, [debounced]);

  const query = listQuery(filters);
  const students = useQuery({
    queryKey: ['students', 'list', query],
    placeholderData: keepPreviousData,
    queryFn: () => unwrap(api.GET('/api/v1/students', { params: { query } })),
  });

  const [received, setReceived] = useState(0);
  const exporting = useMutation({
    mutationFn: () => {
      setReceived(0);
      return downloadStudentsCsv(exportQuery(filters), todayIso(), setReceived);
    },
  });

  return (
    <Stack>
      <Group justify="space-between" wrap="wrap">
        <Title order={1} size="h2">{t('students_title')}</Title>
        <Group gap="xs">
          {may('students:import') && (
            <Button component={Link} to="/students/import" variant="light">
              {t('import')}
            </Button>
          )}
          {may('students:export') && (
            <Button variant="light" onClick={() => exporting.mutate()} loading={exporting.isPending} data-testid="export-csv">
              {t('export_csv')}
            </Button>
          )}
        </Group>
      </Group>
      {exporting.isPending && (
        <Text size="sm" c="dimmed" role="status">{t('export_progress', { kb: Math.round(received / 1024) })}</Text>
      )}
      {exporting.isSuccess && (
        <Text size="sm" role="status">{t('export_done', { kb: Math.max(1, Math.round(exporting.data / 1024)) })}</Text>
      )}
      {exporting.isError && <ProblemAlert error={exporting.error} />}

      <Group align="end" wrap="wrap" gap="sm" role="search">
        <TextInput
          label={t('search')}
          placeholder={t('students_search')}
          value={typed}
          onChange={(e) => setTyped(e.currentTarget.value)}
          maxLength={100}
          w={280}
          data-testid="student-search"
        />
        <Select
          label={t('library')}
          placeholder={t('any')}
          clearable
          clearButtonProps={{ 'aria-label': t('clear_filter') }}
          data={(libs.data?.items ?? []).map((l) => ({ value: l.id, label: l.name }))}
          value={filters.library}
          onChange={(v) => setFilters(withFilter(filters, { library: v }))}
          w={200}
        />
        <Select
          label={t('status')}
          placeholder={t('any')}
          clearable
          clearButtonProps={{ 'aria-label': t('clear_filter') }}
          data={STUDENT_STATUSES.map((s) => ({ value: s, label: t(`st_${s}`) }))}
          value={filters.status}
          onChange={(v) => setFilters(withFilter(filters, { status: v as StudentStatus | null }))}
          w={150}
        />
        <Select
          label={t('plan_ends')}
          placeholder={t('any')}
          clearable
          clearButtonProps={{ 'aria-label': t('clear_filter') }}
          data={EXPIRING_CHOICES.map((d) => ({ value: String(d), label: t('within_days', { days: d }) }))}
          value={filters.expiring === null ? null : String(filters.expiring)}
          onChange={(v) => setFilters(withFilter(filters, { expiring: v ? Number(v) : null }))}
          w={170}
        />
        <Select
          label={t('dues')}
          placeholder={t('any')}
          clearable
          clearButtonProps={{ 'aria-label': t('clear_filter') }}
          data={[
            { value: 'true', label: t('with_dues') },
            { value: 'false', label: t('without_dues') },
          ]}
          value={filters.withDues === null ? null : String(filters.withDues)}
          onChange={(v) => setFilters(withFilter(filters, { withDues: v === null ? null : v === 'true' }))}
          w={150}
        />
        <Select
          label={t('sort_by')}
          placeholder={t('sort_default')}
          clearable
          clearButtonProps={{ 'aria-label': t('clear_filter') }}
          data={SORTS.map((s) => ({ value: s, label: t(SORT_LABELS[s]) }))}
          value={filters.sort}
          onChange={(v) => setFilters(withFilter(filters, { sort: v as StudentSort | null }))}
          w={200}
        />
        {students.isFetching && !students.isPending && <Loader size="xs" aria-label={t('loading')} />}
      </Group>

      {libs.isError && <ProblemAlert error={libs.error} onRetry={() => void libs.refetch()} />}
      <QueryState
        query={students}
        isEmpty={(s) => s.items.length === 0}
        empty={hasFilters(filters) ? t('no_student_matches') : t('no_students_yet')}
      >
        {(s) => (
          <>
            <Table.ScrollContainer minWidth={640}>
              <Table striped highlightOnHover data-testid="students-table" aria-busy={students.isFetching}>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('enrollment')}</Table.Th>
                    <Table.Th>{t('student_name')}</Table.Th>
                    <Table.Th>{t('phone')}</Table.Th>
                    <Table.Th>{t('library')}</Table.Th>
                    <Table.Th>{t('status')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {s.items.map((x) => (
                    <Table.Tr key={x.id} data-testid="student-row">
                      <Table.Td style={{ fontVariantNumeric: 'tabular-nums' }}>{x.enrollment_number}</Table.Td>
                      <Table.Td>
                        <Anchor component={Link} to={`/students/${x.id}`}>{x.name}</Anchor>
                      </Table.Td>
                      <Table.Td style={{ whiteSpace: 'nowrap' }}>{x.phone}</Table.Td>
                      <Table.Td>{libraryName.get(x.home_library_id) ?? '—'}</Table.Td>
                      <Table.Td><StatusBadge status={x.status} /></Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
            <Group justify="space-between" align="center">
              <Select
                aria-label={t('page_size')}
                data={PAGE_SIZES.map((n) => ({ value: String(n), label: t('per_page', { count: n }) }))}
                value={String(filters.pageSize)}
                onChange={(v) => v && setFilters(withFilter(filters, { pageSize: Number(v) }))}
                allowDeselect={false}
                w={140}
                size="xs"
              />
              <div style={{ flex: 1 }}>
                <Pager page={filters.page} pageSize={filters.pageSize} total={s.total} onPage={(page) => setFilters({ ...filters, page })} />
              </div>
            </Group>
          </>
        )}
      </QueryState>
    </Stack>
  );
}
