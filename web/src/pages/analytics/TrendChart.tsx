// A month-by-month bar chart in plain SVG (no chart library: the page stays small). Each
// month has one bar per series; each bar names its value (<title>, data-value) and the
// chart is one labelled image whose numbers are also in the KPI table (its fallback).
import { Group, Text } from '@mantine/core';

export type Series = {
  key: string;
  label: string;
  color: string;
  values: (number | null)[];
};

const HEIGHT = 160;
const PAD = { top: 8, bottom: 22, left: 4 };
const BAR = 14;
const GAP = 4;
const GROUP_GAP = 18;

/** Bar heights in pixels for `values` against the largest (or `max`, for ratios). */
export function barHeights(values: (number | null)[], max: number, height: number): number[] {
  if (max <= 0) return values.map(() => 0);
  return values.map((v) => (v === null || v <= 0 ? 0 : Math.max(1, Math.round((Math.min(v, max) / max) * height))));
}

export function TrendChart({
  title,
  note,
  months,
  series,
  format,
  max,
  testId,
}: {
  title: string;
  note: string;
  months: string[];
  series: Series[];
  format: (value: number | null) => string;
  /** The top of the scale (1 for ratios); default the largest value. */
  max?: number;
  testId: string;
}) {
  const top = max ?? Math.max(0, ...series.flatMap((s) => s.values.map((v) => v ?? 0)));
  const inner = HEIGHT - PAD.top - PAD.bottom;
  const groupWidth = series.length * BAR + (series.length - 1) * GAP;
  const width = PAD.left + months.length * (groupWidth + GROUP_GAP);
  const heights = series.map((s) => barHeights(s.values, top, inner));
  return (
    <figure style={{ margin: 0 }} data-testid={testId}>
      <svg role="img" aria-label={`${title}. ${note}`} width={width} height={HEIGHT} viewBox={`0 0 ${width} ${HEIGHT}`} style={{ maxWidth: '100%' }}>
        <line x1={0} x2={width} y1={HEIGHT - PAD.bottom} y2={HEIGHT - PAD.bottom} stroke="#adb5bd" />
        {months.map((month, i) => {
          const x0 = PAD.left + i * (groupWidth + GROUP_GAP);
          return (
            <g key={month}>
              {series.map((s, j) => {
                const h = heights[j]?.[i] ?? 0;
                const value = s.values[i] ?? null;
                return (
                  <rect
                    key={s.key}
                    x={x0 + j * (BAR + GAP)}
                    y={HEIGHT - PAD.bottom - h}
                    width={BAR}
                    height={h}
                    fill={s.color}
                    data-testid={`${testId}-${s.key}-${month}`}
                    data-value={value ?? ''}
                  >
                    <title>{`${month} · ${s.label}: ${format(value)}`}</title>
                  </rect>
                );
              })}
              <text x={x0 + groupWidth / 2} y={HEIGHT - 6} fontSize={10} textAnchor="middle" fill="currentColor">
                {month}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption>
        <Group gap="md">
          <Text size="sm" fw={600}>{title}</Text>
          {series.map((s) => (
            <Group key={s.key} gap={4}>
              <svg width={10} height={10} aria-hidden><rect width={10} height={10} fill={s.color} /></svg>
              <Text size="xs">{s.label}</Text>
            </Group>
          ))}
        </Group>
      </figcaption>
    </figure>
  );
}
