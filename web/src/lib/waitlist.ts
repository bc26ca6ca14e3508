// When the desk offers the waitlist instead of a seat. The booking API has the last word
// (it refuses a join with 409 seats_available while a place fits); this only decides
// whether to offer the button, from what the seat map shows.
import type { components } from '../api/schema';

type Seat = Pick<components['schemas']['SeatAvailability'], 'state'>;

/**
 * A reserved-seat plan: only when the map has loaded and no seat is free (held, booked
 * and maintenance seats are all taken). A floating plan: always, since the map does not
 * draw floating places and the API knows whether one is left.
 */
export function offerWaitlist(floating: boolean, seats: readonly Seat[] | undefined): boolean {
  if (floating) return true;
  return seats !== undefined && !seats.some((s) => s.state === 'free');
}
