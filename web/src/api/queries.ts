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

export function todayIso(): string {
  const d = new Date();
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}
