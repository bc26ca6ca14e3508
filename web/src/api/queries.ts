// Queries several pages share (libraries, shifts, plans), keyed so that a
// change made in one page refreshes the others.
import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from './client';

export function useLibraries() {
  return useQuery({
    queryKey: ['libraries'],
    queryFn: () => unwrap(api.GET('/api/v1/libraries', { params: { query: { page_size: 200 } } })),
  });
}

export function useShifts(libraryId: string | null) {
  return useQuery({
    queryKey: ['shifts', libraryId],
    enabled: !!libraryId,
    queryFn: () =>
      unwrap(api.GET('/api/v1/libraries/{library_id}/shifts', { params: { path: { library_id: libraryId ?? '' } } })),
  });
}

export function useFeePlans(libraryId: string | null) {
  return useQuery({
    queryKey: ['fee-plans', libraryId],
    enabled: !!libraryId,
    queryFn: () => unwrap(api.GET('/api/fee-plans', { params: { query: { library_id: libraryId ?? undefined, page_size: 200 } } })),
  });
}

/** Today's date (YYYY-MM-DD) on the wall clock of `timeZone`, else of this browser.
 * A library's day is its own: at 01:00 in Pune it is still yesterday in UTC, and the
 * services refuse a start date that has passed there. */
export function todayIso(timeZone?: string | null): string {
  const parts = { year: 'numeric', month: '2-digit', day: '2-digit' } as const;
  try {
    // en-CA spells dates as YYYY-MM-DD.
    return new Intl.DateTimeFormat('en-CA', { ...parts, timeZone: timeZone ?? undefined }).format(new Date());
  } catch {
    return new Intl.DateTimeFormat('en-CA', parts).format(new Date());
  }
}

/** Today in the library's time zone (the first library's when none is chosen); null until
 * the libraries are read, so that no query asks for the browser's date first and then
 * for the library's (two answers racing for one page). */
export function useLibraryToday(libraryId: string | null): string | null {
  const libs = useLibraries();
  if (libs.isPending) return null;
  const items = libs.data?.items ?? [];
  const library = items.find((l) => l.id === libraryId) ?? items[0];
  return todayIso(library?.timezone);
}
