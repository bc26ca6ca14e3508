import { describe, expect, it } from 'vitest';
import { barHeights } from './TrendChart';

describe('barHeights', () => {
  it('scales against the largest value, rounding, a non-zero value at least a pixel', () => {
    expect(barHeights([100, 50, 0, null, 1], 100, 130)).toEqual([130, 65, 0, 0, 1]);
  });
  it('caps ratios at the top of the scale and draws nothing without a scale', () => {
    expect(barHeights([0.5, 1.2], 1, 100)).toEqual([50, 100]);
    expect(barHeights([0, 0], 0, 100)).toEqual([0, 0]);
  });
});
