import { formatPaise } from '../lib/money';

export function Money({ paise }: { paise: number }) {
  return <span style={{ fontVariantNumeric: 'tabular-nums', whiteSpace: 'nowrap' }}>{formatPaise(paise)}</span>;
}
