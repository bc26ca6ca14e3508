import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PAGE_SIZE,
  EMPTY_FILTERS,
  MAX_PAGE_SIZE,
  cleanSearch,
  exportQuery,
  filtersFromParams,
  filtersToParams,
  listQuery,
  withFilter,
} from './filters';

const LIB = '3f2b8c1e-9a4d-4c2e-8f1a-0b9c8d7e6f5a';

describe('student filters → GET /api/v1/students query', () => {
  it('sends only page and page_size when nothing is chosen', () => {
    expect(listQuery(EMPTY_FILTERS)).toEqual({ page: 1, page_size: DEFAULT_PAGE_SIZE });
  });

  it('maps every filter to the API parameter of the same meaning', () => {
    const q = listQuery({
      q: '  priya ver ', library: LIB, status: 'active', expiring: 7, withDues: true, sort: '-name', page: 3, pageSize: 100,
    });
    expect(q).toEqual({
      q: 'priya ver', library_id: LIB, status: 'active', expiring_within_days: 7, with_dues: true, sort: '-name', page: 3, page_size: 100,
    });
  });

  it('sends with_dues=false for "without dues" (not the same as no filter)', () => {
    expect(listQuery({ ...EMPTY_FILTERS, withDues: false }).with_dues).toBe(false);
    expect('with_dues' in listQuery(EMPTY_FILTERS)).toBe(false);
  });

  it('never asks for more than 200 rows a page (the API refuses more)', () => {
    expect(listQuery({ ...EMPTY_FILTERS, pageSize: 100_000 }).page_size).toBe(MAX_PAGE_SIZE);
    expect(listQuery({ ...EMPTY_FILTERS, pageSize: 0 }).page_size).toBe(1);
  });

  it('drops control characters and cuts the search at 100 characters', () => {
    expect(cleanSearch('ab\u0000cd\n')).toBe('ab cd');
    expect(cleanSearch('x'.repeat(150))).toHaveLength(100);
    expect('q' in listQuery({ ...EMPTY_FILTERS, q: ' \t ' })).toBe(false);
  });
});

describe('student filters in the URL', () => {
  it('round-trips every filter through the URL', () => {
    const f = { q: 'STU-000123', library: LIB, status: 'suspended' as const, expiring: 30, withDues: false, sort: 'admission_date' as const, page: 4, pageSize: 200 };
    expect(filtersFromParams(filtersToParams(f))).toEqual(f);
  });

  it('keeps the plain page URL plain', () => {
    expect(filtersToParams(EMPTY_FILTERS).toString()).toBe('');
  });

  it('ignores hand-edited values the API would refuse instead of sending them', () => {
    const f = filtersFromParams(
      new URLSearchParams('status=deleted&expiring=999&page_size=5000&page=-2&sort=phone&library=not-a-uuid&with_dues=maybe'),
    );
    expect(f).toEqual(EMPTY_FILTERS);
  });

  it('goes back to page 1 when a filter changes', () => {
    const on5 = { ...EMPTY_FILTERS, page: 5 };
    expect(withFilter(on5, { status: 'alumni' })).toEqual({ ...EMPTY_FILTERS, status: 'alumni', page: 1 });
  });

  it('exports with the filters the export accepts (branch and status only)', () => {
    expect(exportQuery({ ...EMPTY_FILTERS, q: 'x', library: LIB, status: 'active', withDues: true })).toEqual({
      library_id: LIB,
      status: 'active',
    });
  });
});
