import { describe, expect, it } from 'vitest';
import { heatAlpha, percent } from './heat';

describe('heatmap shading and percentages', () => {
  it('leaves empty cells blank and the busiest fully shaded', () => {
    expect(heatAlpha(0, 10)).toBe(0);
    expect(heatAlpha(10, 10)).toBe(1);
    expect(heatAlpha(5, 10)).toBe(0.56);
    expect(heatAlpha(3, 0)).toBe(0);
  });
  it('shows a missing ratio as a dash, never 0 %', () => {
    expect(percent(null)).toBe('—');
    expect(percent(0.9833)).toBe('98.3%');
    expect(percent(0)).toBe('0.0%');
  });
});
