// What the inbox and groups pages share.
import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';

export { LiveBadge } from '../../components/LiveBadge';

/** A student's name and enrollment number (threads and members carry only the id): one
 * cached read per student; '…' while it is read, '—' when it cannot be. */
export function useStudentName(id: string | null | undefined): string {
  const student = useQuery({
    queryKey: ['student', id],
    enabled: !!id,
    staleTime: 60_000,
    queryFn: () => unwrap(api.GET('/api/v1/students/{student_id}', { params: { path: { student_id: id ?? '' } } })),
  });
  if (!id) return '—';
  if (student.data) return `${student.data.name} · ${student.data.enrollment_number}`;
  return student.isError ? '—' : '…';
}
