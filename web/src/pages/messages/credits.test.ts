import { describe, expect, it } from 'vitest';
import { amountOf } from './credits';

const PACKS = { packs_paise: [50_000, 100_000], min_paise: 10_000, max_paise: 2_000_000 };

describe('amountOf', () => {
  it('takes a pack', () => expect(amountOf(500, PACKS)).toEqual({ paise: 50_000 }));
  it('takes whole rupees within the range', () => expect(amountOf('123', PACKS)).toEqual({ paise: 12_300 }));
  it('refuses paise', () => expect(amountOf(123.5, PACKS)).toEqual({ problem: 'whole_rupees' }));
  it('refuses below the least', () => expect(amountOf(99, PACKS)).toEqual({ problem: 'range' }));
  it('refuses above the most', () => expect(amountOf(20_001, PACKS)).toEqual({ problem: 'range' }));
  it('asks for an amount when empty', () => expect(amountOf('', PACKS)).toEqual({ problem: 'empty' }));
});
