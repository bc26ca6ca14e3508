// Lays the seat map out from the positions the availability API returns
// (`row`, `column`, both 1-based, `floor` optional). Seats without a position
// are placed after the positioned ones, in label order, so that no seat the
// API knows is ever missing from the map.

export type SeatState = 'free' | 'held' | 'booked' | 'maintenance';

export interface PositionedSeat {
  seat_id: string;
  label: string;
  row: number | null;
  column: number | null;
  floor: number | null;
  state: SeatState;
}

export interface Cell<S extends PositionedSeat> {
  seat: S;
  /** 1-based grid row and column of the drawing. */
  gridRow: number;
  gridColumn: number;
}

export interface FloorLayout<S extends PositionedSeat> {
  floor: number | null;
  rows: number;
  columns: number;
  cells: Cell<S>[];
}

const byLabel = (a: PositionedSeat, b: PositionedSeat) =>
  a.label.localeCompare(b.label, 'en', { numeric: true });

/** One grid per floor; unpositioned seats fill rows below, `wrap` seats wide. */
export function layoutSeats<S extends PositionedSeat>(seats: S[], wrap = 10): FloorLayout<S>[] {
  const floors = new Map<number | null, S[]>();
  for (const seat of seats) {
    const list = floors.get(seat.floor) ?? [];
    list.push(seat);
    floors.set(seat.floor, list);
  }
  const order = [...floors.keys()].sort((a, b) => (a ?? -Infinity) - (b ?? -Infinity));
  return order.map((floor) => {
    const list = floors.get(floor) ?? [];
    const placed = list.filter((s) => s.row !== null && s.column !== null && s.row > 0 && s.column > 0);
    const loose = list.filter((s) => !placed.includes(s)).sort(byLabel);
    const taken = new Set<string>();
    const cells: Cell<S>[] = [];
    let rows = 0;
    let columns = 0;
    for (const seat of [...placed].sort(byLabel)) {
      const key = `${seat.row}:${seat.column}`;
      if (taken.has(key)) {
        loose.push(seat); // two seats on one spot: the second is still shown, below
        continue;
      }
      taken.add(key);
      const r = seat.row as number;
      const c = seat.column as number;
      cells.push({ seat, gridRow: r, gridColumn: c });
      rows = Math.max(rows, r);
      columns = Math.max(columns, c);
    }
    const width = Math.max(columns, Math.min(wrap, loose.length));
    const start = rows + (rows > 0 && loose.length > 0 ? 2 : 1); // one empty row between
    loose.forEach((seat, i) => {
      const gridRow = start + Math.floor(i / Math.max(width, 1));
      cells.push({ seat, gridRow, gridColumn: (i % Math.max(width, 1)) + 1 });
      rows = Math.max(rows, gridRow);
    });
    return { floor, rows, columns: Math.max(width, columns), cells };
  });
}

/** Row labels A, B, … Z, AA, AB … for the seats-by-pattern wizard. */
export function rowLetters(index: number): string {
  let n = index + 1;
  let out = '';
  while (n > 0) {
    const rem = (n - 1) % 26;
    out = String.fromCharCode(65 + rem) + out;
    n = Math.floor((n - 1) / 26);
  }
  return out;
}
