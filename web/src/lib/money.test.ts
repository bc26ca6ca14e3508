import { describe, expect, it } from 'vitest';
import { formatPaise, groupIndian, parseRupees } from './money';

describe('formatPaise', () => {
  it('groups lakhs and crores the Indian way', () => {
    expect(formatPaise(15_000_000)).toBe('₹1,50,000.00');
    expect(formatPaise(1_234_567_890)).toBe('₹1,23,45,678.90');
    expect(formatPaise(100_000)).toBe('₹1,000.00');
    expect(formatPaise(99_999)).toBe('₹999.99');
  });
  it('keeps paise exact without floating point drift', () => {
    expect(formatPaise(1)).toBe('₹0.01');
    expect(formatPaise(10)).toBe('₹0.10');
    expect(formatPaise(0)).toBe('₹0.00');
    expect(formatPaise(177_000)).toBe('₹1,770.00');
  });
  it('shows a credit with a minus sign', () => {
    expect(formatPaise(-50_000)).toBe('−₹500.00');
  });
  it('refuses what is not an integer amount of paise', () => {
    expect(() => formatPaise(10.5)).toThrow(RangeError);
  });
  it('groups any length', () => {
    expect(groupIndian('1')).toBe('1');
    expect(groupIndian('1234')).toBe('1,234');
    expect(groupIndian('12345678')).toBe('1,23,45,678');
  });
});

describe('parseRupees', () => {
  it('reads what a person types', () => {
    expect(parseRupees('1500')).toBe(150_000);
    expect(parseRupees('1,500.5')).toBe(150_050);
    expect(parseRupees('₹ 1,50,000.00')).toBe(15_000_000);
    expect(parseRupees('0.07')).toBe(7);
  });
  it('rejects what is not an amount', () => {
    expect(parseRupees('')).toBeNull();
    expect(parseRupees('12.345')).toBeNull();
    expect(parseRupees('-5')).toBeNull();
    expect(parseRupees('abc')).toBeNull();
  });
});
