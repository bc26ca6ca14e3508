// The students list's state lives in the URL (?q=&status=&page=…) so a search
// survives a reload and can be shared; this module turns it into the query of
// GET /api/v1/students, within the limits the API sets (page_size ≤ 200,
// expiring_within_days 1-365, q 1-100 characters without control characters),
// so a hand-edited URL never becomes a 422.
import type { components, operations } from '../../api/schema';

export type StudentStatus = components['schemas']['StudentStatus'];
export type StudentListQuery = NonNullable<operations['list_students_api_v1_students_get']['parameters']['query']>;
export type StudentSort = NonNullable<StudentListQuery['sort']>;

export const STUDENT_STATUSES: readonly StudentStatus[] = ['active', 'inactive', 'suspended', 'alumni'];
export const SORTS: readonly StudentSort[] = [
  'name', '-name', 'enrollment_number', '-enrollment_number', 'created_at', '-created_at', 'admission_date', '-admission_date',
];
export const PAGE_SIZES = [25, 50, 100, 200] as const;
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;
export const EXPIRING_CHOICES = [3, 7, 15, 30] as const;

export interface StudentFilters {
  q: string;
  library: string | null;
  status: StudentStatus | null;
  /** Plan ends within this many days (1-365), or no expiry filter. */
  expiring: number | null;
  /** true: with dues, false: without, null: either. */
  withDues: boolean | null;
  sort: StudentSort | null;
  page: number;
  pageSize: number;
}

export const EMPTY_FILTERS: StudentFilters = {
  q: '', library: null, status: null, expiring: null, withDues: null, sort: null, page: 1, pageSize: DEFAULT_PAGE_SIZE,
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// The API refuses control characters in q (its pattern ^[^\x00-\x1f\x7f]*$).
const CONTROL = /[\x00-\x1f\x7f]/g;
const Q_MAX = 100;

function intIn(raw: string | null, min: number, max: number): number | null {
  if (raw === null || !/^\d{1,7}$/.test(raw)) return null;
  const n = Number(raw);
  return n >= min && n <= max ? n : null;
}

/** What a person typed, made acceptable to the API: no control characters, at most 100 characters. */
export function cleanSearch(raw: string): string {
  return raw.replace(CONTROL, ' ').trim().slice(0, Q_MAX).trim();
}

/** Filters from the page's URL; anything the API would refuse falls back to "no filter". */
export function filtersFromParams(params: URLSearchParams): StudentFilters {
  const status = params.get('status');
  const sort = params.get('sort');
  const dues = params.get('with_dues');
  const library = params.get('library');
  return {
    q: params.get('q') ?? '',
    library: library && UUID.test(library) ? library : null,
    status: STUDENT_STATUSES.includes(status as StudentStatus) ? (status as StudentStatus) : null,
    expiring: intIn(params.get('expiring'), 1, 365),
    withDues: dues === 'true' ? true : dues === 'false' ? false : null,
    sort: SORTS.includes(sort as StudentSort) ? (sort as StudentSort) : null,
    page: intIn(params.get('page'), 1, 1_000_000) ?? 1,
    pageSize: intIn(params.get('page_size'), 1, MAX_PAGE_SIZE) ?? DEFAULT_PAGE_SIZE,
  };
}

/** The URL form of the filters; defaults are left out so the plain page has a plain URL. */
export function filtersToParams(f: StudentFilters): URLSearchParams {
  const p = new URLSearchParams();
  if (f.q) p.set('q', f.q);
  if (f.library) p.set('library', f.library);
  if (f.status) p.set('status', f.status);
  if (f.expiring !== null) p.set('expiring', String(f.expiring));
  if (f.withDues !== null) p.set('with_dues', String(f.withDues));
  if (f.sort) p.set('sort', f.sort);
  if (f.page !== 1) p.set('page', String(f.page));
  if (f.pageSize !== DEFAULT_PAGE_SIZE) p.set('page_size', String(f.pageSize));
  return p;
}

/** A change of any filter starts again at page 1 (page 7 of another search means nothing). */
export function withFilter(f: StudentFilters, change: Partial<Omit<StudentFilters, 'page'>>): StudentFilters {
  return { ...f, ...change, page: 1 };
}

/** The query of GET /api/v1/students for these filters (the search already debounced by the caller). */
export function listQuery(f: StudentFilters): StudentListQuery {
  const q = cleanSearch(f.q);
  const query: StudentListQuery = {
    page: Math.max(1, Math.trunc(f.page)),
    page_size: Math.min(MAX_PAGE_SIZE, Math.max(1, Math.trunc(f.pageSize))),
  };
  if (q) query.q = q;
  if (f.library) query.library_id = f.library;
  if (f.status) query.status = f.status;
  if (f.expiring !== null) query.expiring_within_days = Math.min(365, Math.max(1, Math.trunc(f.expiring)));
  if (f.withDues !== null) query.with_dues = f.withDues;
  if (f.sort) query.sort = f.sort;
  return query;
}

/** The query of GET /api/v1/students/export: the API exports by branch and status only. */
export function exportQuery(f: StudentFilters): { library_id?: string; status?: StudentStatus } {
  const query: { library_id?: string; status?: StudentStatus } = {};
  if (f.library) query.library_id = f.library;
  if (f.status) query.status = f.status;
  return query;
}
