// Shading of the check-in heatmap: a cell's share of the busiest cell, as an alpha.
export function heatAlpha(count: number, max: number): number {
  if (max <= 0 || count <= 0) return 0;
  return Math.round((0.12 + 0.88 * (count / max)) * 100) / 100;
}

/** A ratio of the API (0..1, or null when there was nothing to divide by) as a percentage. */
export function percent(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined) return '—';
  return `${(ratio * 100).toFixed(1)}%`;
}
