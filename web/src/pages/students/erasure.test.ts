import { describe, expect, it } from 'vitest';
import { erasureConfirmed } from './erasure';

describe('erasure confirmation', () => {
  it('arms only when the name is typed out', () => {
    expect(erasureConfirmed('Priya Verma', 'Priya Verma')).toBe(true);
    expect(erasureConfirmed('Priya Verma', '  Priya   Verma ')).toBe(true);
    expect(erasureConfirmed('Priya Verma', 'Priya')).toBe(false);
    expect(erasureConfirmed('Priya Verma', 'priya verma')).toBe(false);
    expect(erasureConfirmed('Priya Verma', '')).toBe(false);
  });

  it('never arms on an empty name', () => {
    expect(erasureConfirmed('  ', '  ')).toBe(false);
  });

  it('treats composed and decomposed Devanagari alike', () => {
    const composed = 'क़ादिर';
    expect(erasureConfirmed(composed, composed.normalize('NFD'))).toBe(true);
  });
});
