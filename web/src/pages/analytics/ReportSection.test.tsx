import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider, type UseQueryResult } from '@tanstack/react-query';
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { I18nProvider } from '../../i18n';
import { stubMatchMedia } from '../../testing/dom';
import { Note, ReportSection } from './ReportSection';
import { TrendChart } from './TrendChart';

beforeAll(stubMatchMedia);
afterEach(cleanup);

function wrap(node: React.ReactNode) {
  return render(
    <MantineProvider>
      <QueryClientProvider client={new QueryClient()}>
        <I18nProvider>{node}</I18nProvider>
      </QueryClientProvider>
    </MantineProvider>,
  );
}

describe('ReportSection', () => {
  it('draws the heading, the note, the CSV button and the report once it is read', () => {
    const query = { isPending: false, isError: false, data: { n: 7 } } as UseQueryResult<{ n: number }>;
    wrap(
      <ReportSection
        title="Dues by age"
        query={query}
        note={(r) => <Note>{`rule ${r.n}`}</Note>}
        csv={(r) => ({ path: '/x', query: {}, name: `dues-${r.n}` })}
      >
        {(r) => <p>{`report ${r.n}`}</p>}
      </ReportSection>,
    );
    const section = screen.getByRole('region', { name: 'Dues by age' });
    expect(section.textContent).toContain('rule 7');
    expect(section.textContent).toContain('report 7');
    expect(screen.getByTestId('csv-dues-7').textContent).toBe('Export CSV');
  });
});

describe('TrendChart', () => {
  it('draws a bar per series and month, each naming its value', () => {
    wrap(
      <TrendChart
        title="Billed and collected"
        note="The numbers are in the table below."
        months={['2026-10', '2026-11']}
        format={(v) => `₹${v}`}
        testId="chart"
        series={[
          { key: 'billed', label: 'Billed', color: '#000', values: [100, 200] },
          { key: 'collected', label: 'Collected', color: '#111', values: [50, null] },
        ]}
      />,
    );
    const img = screen.getByRole('img', { name: 'Billed and collected. The numbers are in the table below.' });
    expect(img.querySelectorAll('rect[data-testid^="chart-"]').length).toBe(4);
    const billed = screen.getByTestId('chart-billed-2026-11');
    expect(billed.getAttribute('data-value')).toBe('200');
    expect(billed.textContent).toBe('2026-11 · Billed: ₹200');
    expect(screen.getByTestId('chart-billed-2026-10').getAttribute('height')).toBe('65');
    expect(screen.getByTestId('chart-collected-2026-11').getAttribute('height')).toBe('0');
  });
});
