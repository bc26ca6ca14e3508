import { describe, expect, it } from 'vitest';
import { layoutSeats, rowLetters, type PositionedSeat } from './seatmap';

const seat = (label: string, row: number | null, column: number | null, floor: number | null = null): PositionedSeat => ({
  seat_id: `id-${label}`, label, row, column, floor, state: 'free',
});

describe('layoutSeats', () => {
  it('puts each seat where the API says', () => {
    const [f] = layoutSeats([seat('B2', 2, 2), seat('A1', 1, 1), seat('A3', 1, 3)]);
    expect(f?.rows).toBe(2);
    expect(f?.columns).toBe(3);
    const at = Object.fromEntries(f!.cells.map((c) => [c.seat.label, [c.gridRow, c.gridColumn]]));
    expect(at).toEqual({ A1: [1, 1], A3: [1, 3], B2: [2, 2] });
  });
  it('never drops a seat without a position: it goes below, in label order', () => {
    const [f] = layoutSeats([seat('A1', 1, 1), seat('X10', null, null), seat('X2', null, null)], 10);
    const loose = f!.cells.filter((c) => c.seat.label.startsWith('X'));
    expect(loose.map((c) => [c.seat.label, c.gridRow, c.gridColumn])).toEqual([
      ['X2', 3, 1],
      ['X10', 3, 2],
    ]);
  });
  it('keeps both seats when two claim one spot', () => {
    const [f] = layoutSeats([seat('A1', 1, 1), seat('A1b', 1, 1)]);
    expect(f!.cells).toHaveLength(2);
    const spots = new Set(f!.cells.map((c) => `${c.gridRow}:${c.gridColumn}`));
    expect(spots.size).toBe(2);
  });
  it('draws one grid per floor, lowest first', () => {
    const floors = layoutSeats([seat('F2', 1, 1, 2), seat('G1', 1, 1, 0), seat('N', 1, 2, null)]);
    expect(floors.map((f) => f.floor)).toEqual([null, 0, 2]);
  });
  it('wraps unpositioned seats at the given width', () => {
    const seats = Array.from({ length: 12 }, (_, i) => seat(`S${i + 1}`, null, null));
    const [f] = layoutSeats(seats, 5);
    expect(f!.columns).toBe(5);
    expect(f!.rows).toBe(3);
  });
});

describe('rowLetters', () => {
  it('names rows like a spreadsheet', () => {
    expect([0, 1, 25, 26, 27].map(rowLetters)).toEqual(['A', 'B', 'Z', 'AA', 'AB']);
  });
});
