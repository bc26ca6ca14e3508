// Draws the seat map from the positions the availability API returns
// (lib/seatmap.ts places them); every seat is a labelled button, so the map
// works with a keyboard and a screen reader as well as with a finger.
import { Badge, Group, Stack, Text, UnstyledButton } from '@mantine/core';
import type { components } from '../api/schema';
import { useI18n } from '../i18n';
import { layoutSeats, type SeatState } from '../lib/seatmap';

export type SeatAvailability = components['schemas']['SeatAvailability'];

export const STATE_COLOURS: Record<SeatState, { bg: string; fg: string; border: string }> = {
  free: { bg: '#e6f7ef', fg: '#0b5d3b', border: '#2f9e6e' },
  held: { bg: '#fff4d6', fg: '#6b4a00', border: '#d9a400' },
  booked: { bg: '#fde2e2', fg: '#8a1c1c', border: '#d64545' },
  maintenance: { bg: '#e9ecef', fg: '#343a40', border: '#868e96' },
};

export function SeatGrid({
  seats,
  selected,
  onSeat,
  pickableOnly,
}: {
  seats: SeatAvailability[];
  selected?: string | null;
  onSeat: (seat: SeatAvailability) => void;
  /** Desk mode: only free seats can be chosen. */
  pickableOnly?: boolean;
}) {
  const { t } = useI18n();
  const floors = layoutSeats(seats);
  return (
    <Stack gap="md">
      {floors.map((f) => (
        <div key={String(f.floor)}>
          {floors.length > 1 && (
            <Text fw={600} size="sm" mb={4}>
              {f.floor === null ? '—' : `Floor ${f.floor}`}
            </Text>
          )}
          <div
            role="group"
            aria-label={t('nav_seat_map')}
            data-testid="seat-grid"
            style={{
              display: 'grid',
              gridTemplateColumns: `repeat(${Math.max(f.columns, 1)}, minmax(44px, 64px))`,
              gap: 6,
              overflowX: 'auto',
            }}
          >
            {f.cells.map(({ seat, gridRow, gridColumn }) => {
              const c = STATE_COLOURS[seat.state];
              const disabled = pickableOnly && seat.state !== 'free';
              const isSelected = selected === seat.seat_id;
              return (
                <UnstyledButton
                  key={seat.seat_id}
                  onClick={() => onSeat(seat)}
                  disabled={disabled}
                  aria-pressed={pickableOnly ? isSelected : undefined}
                  aria-label={`${t('seat')} ${seat.label}: ${t(seat.state)}`}
                  data-seat={seat.label}
                  data-state={seat.state}
                  style={{
                    gridRow,
                    gridColumn,
                    minHeight: 44,
                    borderRadius: 6,
                    border: `2px solid ${isSelected ? '#1c7ed6' : c.border}`,
                    outline: isSelected ? '2px solid #1c7ed6' : undefined,
                    background: c.bg,
                    color: c.fg,
                    fontWeight: 600,
                    fontSize: 13,
                    textAlign: 'center',
                    opacity: disabled ? 0.55 : 1,
                    cursor: disabled ? 'not-allowed' : 'pointer',
                  }}
                >
                  {seat.label}
                </UnstyledButton>
              );
            })}
          </div>
        </div>
      ))}
    </Stack>
  );
}

export function Legend({ counts }: { counts: Record<SeatState, number> }) {
  const { t } = useI18n();
  return (
    <Group gap="xs" data-testid="seat-legend">
      {(Object.keys(STATE_COLOURS) as SeatState[]).map((s) => (
        <Badge
          key={s}
          variant="outline"
          style={{ background: STATE_COLOURS[s].bg, color: STATE_COLOURS[s].fg, borderColor: STATE_COLOURS[s].border }}
          data-testid={`count-${s}`}
        >
          {t(s)}: {counts[s]}
        </Badge>
      ))}
    </Group>
  );
}
