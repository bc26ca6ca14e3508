// The owner's dashboard: a library's KPIs by month and shift (with trend charts), dues
// ageing and the open dues page by page, students at risk, the check-in heatmap and cohort
// retention, each as the analytics service computed it from its read models (with
// `as_of`), and each exportable as CSV.
import { Badge, Group, Progress, Select, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap } from '../../api/client';
import { useLibraries, useLibraryToday } from '../../api/queries';
import type { components } from '../../api/schema';
import { Money } from '../../components/Money';
import { Pager } from '../../components/Pager';
import { useI18n } from '../../i18n';
import type { MessageKey } from '../../i18n/en';
import { formatPaise } from '../../lib/money';
import { heatAlpha, percent } from './heat';
import { Fresh, Note, ReportSection } from './ReportSection';
import { TrendChart } from './TrendChart';

type KpiReport = components['schemas']['KpiReport'];
type DuesReport = components['schemas']['DuesReport'];
type AtRiskReport = components['schemas']['AtRiskReport'];
type HeatmapReport = components['schemas']['HeatmapReport'];
type CohortReport = components['schemas']['CohortReport'];

const DUES_PAGE_SIZE = 20;

const WEEKDAYS: MessageKey[] = ['an_mon', 'an_tue', 'an_wed', 'an_thu', 'an_fri', 'an_sat', 'an_sun'];

/** The reports answer JSON or (`format=csv`) CSV, so the generated type of their 200 is
 * JSON | unknown; this page asks for JSON only and names the JSON type. */
function json<T>(call: Promise<unknown>): Promise<T> {
  return unwrap(call as Parameters<typeof unwrap<T>>[0]);
}

function monthsBack(month: string, n: number): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const index = y * 12 + (m - 1) - n;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}

/** A table's header row of translated labels. */
function Head({ labels }: { labels: MessageKey[] }) {
  const { t } = useI18n();
  return (
    <Table.Thead>
      <Table.Tr>
        {labels.map((key) => <Table.Th key={key}>{t(key)}</Table.Th>)}
      </Table.Tr>
    </Table.Thead>
  );
}

function Occupancy({ ratio }: { ratio: number | null }) {
  return (
    <Group gap={6} wrap="nowrap">
      <Progress value={(ratio ?? 0) * 100} w={60} aria-hidden />
      <span style={{ fontVariantNumeric: 'tabular-nums' }}>{percent(ratio)}</span>
    </Group>
  );
}

export default function AnalyticsPage() {
  const { t } = useI18n();
  const libs = useLibraries();
  const [chosen, setChosen] = useState<string | null>(null);
  const library = chosen ?? libs.data?.items[0]?.id ?? null;
  // Known once the libraries are read, as `library` is: no query runs before it.
  const today = useLibraryToday(library) ?? '';
  const thisMonth = today.slice(0, 7);
  const [from, setFrom] = useState<string | null>(null);
  const [to, setTo] = useState<string | null>(null);
  const [on, setOn] = useState<string | null>(null);
  const [duesPage, setDuesPage] = useState(1);
  const range = { from: from ?? monthsBack(to ?? thisMonth, 5), to: to ?? thisMonth };
  const day = on ?? today;
  const base = `/api/v1/analytics/libraries/${library ?? ''}`;
  const path = { library_id: library ?? '' };

  const kpis = useQuery({
    queryKey: ['analytics', 'kpis', library, range.from, range.to],
    enabled: !!library,
    queryFn: () => json<KpiReport>(api.GET('/api/v1/analytics/libraries/{library_id}/kpis', { params: { path, query: range } })),
  });
  const dues = useQuery({
    queryKey: ['analytics', 'dues', library, day, duesPage],
    enabled: !!library,
    queryFn: () =>
      json<DuesReport>(
        api.GET('/api/v1/analytics/libraries/{library_id}/dues', {
          params: { path, query: { on: day, page: duesPage, page_size: DUES_PAGE_SIZE } },
        }),
      ),
  });
  const risk = useQuery({
    queryKey: ['analytics', 'at-risk', library, day],
    enabled: !!library,
    queryFn: () => json<AtRiskReport>(api.GET('/api/v1/analytics/libraries/{library_id}/at-risk', { params: { path, query: { on: day } } })),
  });
  const heat = useQuery({
    queryKey: ['analytics', 'heatmap', library, day],
    enabled: !!library,
    queryFn: () => json<HeatmapReport>(api.GET('/api/v1/analytics/libraries/{library_id}/heatmap', { params: { path, query: { to: day } } })),
  });
  const cohorts = useQuery({
    queryKey: ['analytics', 'cohorts', library, range.from, range.to],
    enabled: !!library,
    queryFn: () => json<CohortReport>(api.GET('/api/v1/analytics/libraries/{library_id}/cohorts', { params: { path, query: range } })),
  });

  return (
    <Stack>
      <Title order={1} size="h2">{t('an_title')}</Title>
      <Group align="end">
        <Select
          label={t('library')}
          data={(libs.data?.items ?? []).map((l) => ({ value: l.id, label: l.name }))}
          value={library}
          onChange={(value) => {
            setChosen(value);
            setDuesPage(1);
          }}
          w={240}
          allowDeselect={false}
          data-testid="an-library"
        />
        <TextInput type="month" label={t('an_from')} value={range.from} onChange={(e) => setFrom(e.currentTarget.value || null)} w={170} data-testid="an-from" />
        <TextInput type="month" label={t('an_to')} value={range.to} onChange={(e) => setTo(e.currentTarget.value || null)} w={170} data-testid="an-to" />
        <TextInput type="date" label={t('an_on')} value={day} onChange={(e) => {
            setOn(e.currentTarget.value || null);
            setDuesPage(1);
          }} w={170} data-testid="an-on" />
      </Group>
      {libs.data && libs.data.items.length === 0 && <Text c="dimmed">{t('an_no_library')}</Text>}

      <ReportSection
        title={t('an_kpis')}
        query={kpis}
        note={(r) => <Fresh asOf={r.as_of} />}
        csv={() => ({ path: `${base}/kpis`, query: range, name: `kpis-${range.from}-${range.to}` })}
      >
        {(r) => {
          const whole = r.rows.filter((row) => row.shift_id === null);
          const last = r.rows.filter((row) => row.shift_id !== null && row.month === r.to_month);
          const months = whole.map((row) => row.month);
          return (
            <>
              <Title order={3} size="h4">{t('an_trends')}</Title>
              <SimpleGrid cols={{ base: 1, md: 2 }}>
                <TrendChart
                  title={t('an_chart_occupancy')}
                  note={t('an_chart_note')}
                  months={months}
                  max={1}
                  format={percent}
                  testId="chart-occupancy"
                  series={[
                    { key: 'booked', label: t('an_booked_occ'), color: '#228be6', values: whole.map((row) => row.booked_occupancy) },
                    { key: 'physical', label: t('an_physical_occ'), color: '#40c057', values: whole.map((row) => row.physical_occupancy) },
                  ]}
                />
                <TrendChart
                  title={t('an_chart_money')}
                  note={t('an_chart_note')}
                  months={months}
                  format={(v) => (v === null ? '—' : formatPaise(v))}
                  testId="chart-money"
                  series={[
                    { key: 'billed', label: t('an_billed'), color: '#7950f2', values: whole.map((row) => row.billed_paise) },
                    { key: 'collected', label: t('an_collected'), color: '#fab005', values: whole.map((row) => row.collected_paise) },
                  ]}
                />
              </SimpleGrid>
              <Table.ScrollContainer minWidth={1000}>
                <Table striped data-testid="kpi-table">
                  <Head labels={['an_month', 'an_booked_occ', 'an_physical_occ', 'an_gap', 'an_billed', 'an_collected', 'an_efficiency', 'an_revpass', 'an_arpu', 'an_renewal', 'an_churn']} />
                  <Table.Tbody>
                    {whole.map((row) => (
                      <Table.Tr key={row.month} data-testid={`kpi-${row.month}`}>
                        <Table.Td>{row.month}</Table.Td>
                        <Table.Td><Occupancy ratio={row.booked_occupancy} /></Table.Td>
                        <Table.Td><Occupancy ratio={row.physical_occupancy} /></Table.Td>
                        <Table.Td>{percent(row.no_show_gap)}</Table.Td>
                        <Table.Td><Money paise={row.billed_paise} /></Table.Td>
                        <Table.Td><Money paise={row.collected_paise} /></Table.Td>
                        <Table.Td>{percent(row.collection_efficiency)}</Table.Td>
                        <Table.Td>{row.revenue_per_available_seat_shift_paise === null ? '—' : <Money paise={row.revenue_per_available_seat_shift_paise} />}</Table.Td>
                        <Table.Td>{row.arpu_paise === null ? '—' : <Money paise={row.arpu_paise} />}</Table.Td>
                        <Table.Td>{percent(row.renewal_rate)}</Table.Td>
                        <Table.Td>{percent(row.churn_rate)}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
              <Text size="sm" fw={600}>{t('an_by_shift', { month: r.to_month })}</Text>
              <Table.ScrollContainer minWidth={600}>
                <Table data-testid="shift-table">
                  <Head labels={['shift', 'an_seat_shifts', 'an_booked_occ', 'an_physical_occ', 'an_no_shows', 'an_billed']} />
                  <Table.Tbody>
                    {last.map((row) => (
                      <Table.Tr key={row.shift_id ?? ''}>
                        <Table.Td>{row.shift_name}</Table.Td>
                        <Table.Td>{row.booked_seat_shifts} / {row.available_seat_shifts}</Table.Td>
                        <Table.Td><Occupancy ratio={row.booked_occupancy} /></Table.Td>
                        <Table.Td><Occupancy ratio={row.physical_occupancy} /></Table.Td>
                        <Table.Td>{row.no_shows}</Table.Td>
                        <Table.Td><Money paise={row.billed_paise} /></Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            </>
          );
        }}
      </ReportSection>

      <ReportSection
        title={t('an_dues')}
        query={dues}
        note={(r) => <Fresh asOf={r.as_of} />}
        csv={() => ({ path: `${base}/dues`, query: { on: day }, name: `dues-${day}` })}
      >
        {(r) => (
          <>
            <Table data-testid="ageing-table">
              <Head labels={['an_age_days', 'an_bookings', 'an_outstanding']} />
              <Table.Tbody>
                {r.buckets.map((b) => (
                  <Table.Tr key={b.bucket} data-testid={`bucket-${b.bucket}`}>
                    <Table.Td>{b.bucket}</Table.Td>
                    <Table.Td>{b.bookings}</Table.Td>
                    <Table.Td><Money paise={b.outstanding_paise} /></Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
            {r.total > 0 && (
              <>
                <Text size="sm" fw={600}>{t('an_dues_list')}</Text>
                <Table.ScrollContainer minWidth={600}>
                  <Table data-testid="dues-table">
                    <Head labels={['an_student', 'an_start', 'an_days', 'an_billed', 'an_outstanding']} />
                    <Table.Tbody>
                      {r.items.map((d) => (
                        <Table.Tr key={d.booking_id} data-testid={`due-${d.booking_id}`}>
                          <Table.Td>{d.student_id ? <a href={`/students/${d.student_id}`}>{t('an_open_student')}</a> : '—'}</Table.Td>
                          <Table.Td>{d.start_date}</Table.Td>
                          <Table.Td>{d.days_outstanding}</Table.Td>
                          <Table.Td><Money paise={d.charged_paise} /></Table.Td>
                          <Table.Td><Money paise={d.outstanding_paise} /></Table.Td>
                        </Table.Tr>
                      ))}
                    </Table.Tbody>
                  </Table>
                </Table.ScrollContainer>
                <div data-testid="dues-pager">
                  <Pager page={r.page} pageSize={r.page_size} total={r.total} onPage={setDuesPage} />
                </div>
              </>
            )}
          </>
        )}
      </ReportSection>

      <ReportSection
        title={t('an_at_risk')}
        query={risk}
        note={(r) => <Note>{t('an_at_risk_rule', { days: r.window_days })}</Note>}
        csv={() => ({ path: `${base}/at-risk`, query: { on: day }, name: `at-risk-${day}` })}
      >
        {(r) =>
          r.items.length === 0 ? (
            <Text c="dimmed" data-testid="at-risk-empty">{t('an_at_risk_none')}</Text>
          ) : (
            <Table data-testid="at-risk-table">
              <Head labels={['an_student', 'an_ends', 'an_recent', 'an_previous']} />
              <Table.Tbody>
                {r.items.map((s) => (
                  <Table.Tr key={s.booking_id}>
                    <Table.Td><a href={`/students/${s.student_id}`}>{t('an_open_student')}</a></Table.Td>
                    <Table.Td>{s.end_date}</Table.Td>
                    <Table.Td>{s.recent_check_ins}</Table.Td>
                    <Table.Td>{s.previous_check_ins}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )
        }
      </ReportSection>

      <ReportSection
        title={t('an_heatmap')}
        query={heat}
        note={(r) => <Note>{t('an_heatmap_range', { from: r.from_date, to: r.to_date })}</Note>}
        csv={(r) => ({ path: `${base}/heatmap`, query: { from: r.from_date, to: r.to_date }, name: `heatmap-${r.from_date}-${r.to_date}` })}
      >
        {(r) => {
          const max = Math.max(0, ...r.cells.map((c) => c.check_ins));
          const count = new Map(r.cells.map((c) => [`${c.weekday}-${c.hour}`, c.check_ins]));
          return (
            <Table.ScrollContainer minWidth={900}>
              <Table withTableBorder data-testid="heatmap" style={{ fontSize: 11 }}>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th />
                    {Array.from({ length: 24 }, (_, h) => <Table.Th key={h} ta="center">{h}</Table.Th>)}
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {WEEKDAYS.map((name, d) => (
                    <Table.Tr key={name}>
                      <Table.Th>{t(name)}</Table.Th>
                      {Array.from({ length: 24 }, (_, h) => {
                        const n = count.get(`${d}-${h}`) ?? 0;
                        return (
                          <Table.Td key={h} ta="center" style={{ background: `rgba(34, 139, 230, ${heatAlpha(n, max)})` }} title={`${n}`}>
                            {n || ''}
                          </Table.Td>
                        );
                      })}
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          );
        }}
      </ReportSection>

      <ReportSection
        title={t('an_cohorts')}
        query={cohorts}
        note={() => <Note>{t('an_cohorts_rule')}</Note>}
        csv={() => ({ path: `${base}/cohorts`, query: range, name: `cohorts-${range.from}-${range.to}` })}
      >
        {(r) => (
          <Table.ScrollContainer minWidth={600}>
            <Table data-testid="cohort-table">
              <Head labels={['an_cohort', 'an_students', 'an_retention']} />
              <Table.Tbody>
                {r.cohorts.map((c) => (
                  <Table.Tr key={c.cohort}>
                    <Table.Td>{c.cohort}</Table.Td>
                    <Table.Td>{c.students}</Table.Td>
                    <Table.Td>
                      <Group gap={4}>
                        {c.retention.map((x, i) => <Badge key={i} variant="light">{percent(x)}</Badge>)}
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </ReportSection>
    </Stack>
  );
}
