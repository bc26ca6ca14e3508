// Buying credits from StudySpot: which amount the API will take. The packs and the range
// of an amount of the buyer's choosing are the API's (`GET /api/messages/credits/packs`);
// this only turns what was typed in rupees into paise and says why it would be refused,
// so the order is not asked for an amount the API answers 422 `invalid_credit_amount`.

export interface Packs {
  packs_paise: number[];
  min_paise: number;
  max_paise: number;
}

export type AmountProblem = 'empty' | 'whole_rupees' | 'range';

/** The amount in paise for `rupees`, or why it cannot be bought. */
export function amountOf(rupees: number | string, packs: Packs): { paise: number } | { problem: AmountProblem } {
  if (rupees === '' || rupees === null || Number.isNaN(Number(rupees))) return { problem: 'empty' };
  const value = Number(rupees);
  if (!Number.isInteger(value)) return { problem: 'whole_rupees' };
  const paise = value * 100;
  if (packs.packs_paise.includes(paise)) return { paise };
  if (paise < packs.min_paise || paise > packs.max_paise) return { problem: 'range' };
  return { paise };
}
