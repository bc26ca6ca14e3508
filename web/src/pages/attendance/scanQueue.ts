// The desk's queue of scanned student codes, kept on the device (localStorage) until the
// API has them: a scan made while the connection is down is uploaded later, with the
// moment it was read. The API de-duplicates by (student, step), so sending a queue twice
// checks nobody in twice; the queue is emptied only after an upload the API answered.

export interface QueuedScan {
  code: string;
  scanned_at: string;
}

/** What the API takes in one upload (`MAX_SCANS` of the scan route). */
export const MAX_SCANS_PER_UPLOAD = 1000;
// A scan older than this is refused by the API (24 h); the queue drops it after a warning.
export const MAX_SCAN_AGE_MS = 24 * 60 * 60 * 1000;

const key = (library: string) => `studyspot.scan-queue.${library}`;

export function readQueue(library: string): QueuedScan[] {
  try {
    const raw = JSON.parse(localStorage.getItem(key(library)) ?? '[]') as unknown;
    return Array.isArray(raw)
      ? raw.filter((s): s is QueuedScan => typeof s?.code === 'string' && typeof s?.scanned_at === 'string')
      : [];
  } catch {
    return [];
  }
}

export function writeQueue(library: string, scans: QueuedScan[]): void {
  if (scans.length) localStorage.setItem(key(library), JSON.stringify(scans));
  else localStorage.removeItem(key(library));
}

/** Adds a scan read now (the same code twice in a row is one scan: a scanner's double read). */
export function enqueue(library: string, code: string, now: Date = new Date()): QueuedScan[] {
  const trimmed = code.trim();
  const queue = readQueue(library);
  if (!trimmed || queue.some((s) => s.code === trimmed)) return queue;
  const next = [...queue, { code: trimmed, scanned_at: now.toISOString() }];
  writeQueue(library, next);
  return next;
}

/** The next upload (the oldest first, at most MAX_SCANS_PER_UPLOAD) and the scans too old to send. */
export function nextUpload(queue: QueuedScan[], now: number = Date.now()): { batch: QueuedScan[]; stale: QueuedScan[] } {
  const fresh = queue.filter((s) => now - Date.parse(s.scanned_at) < MAX_SCAN_AGE_MS);
  const stale = queue.filter((s) => !fresh.includes(s));
  return { batch: fresh.slice(0, MAX_SCANS_PER_UPLOAD), stale };
}

/** Removes what an upload delivered; scans added meanwhile stay. */
export function afterUpload(library: string, sent: QueuedScan[], stale: QueuedScan[]): QueuedScan[] {
  const gone = new Set([...sent, ...stale].map((s) => `${s.code}|${s.scanned_at}`));
  const rest = readQueue(library).filter((s) => !gone.has(`${s.code}|${s.scanned_at}`));
  writeQueue(library, rest);
  return rest;
}
