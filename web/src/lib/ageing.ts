// Ageing buckets of a due by its overdue days (the API computes the days).
export type AgeBucket = 'age_current' | 'age_0_30' | 'age_31_60' | 'age_61_plus';

export function ageBucket(overdueDays: number, balancePaise: number): AgeBucket {
  if (balancePaise <= 0 || overdueDays <= 0) return 'age_current';
  if (overdueDays <= 30) return 'age_0_30';
  if (overdueDays <= 60) return 'age_31_60';
  return 'age_61_plus';
}
