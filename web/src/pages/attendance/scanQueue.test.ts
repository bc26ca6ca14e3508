import { beforeEach, describe, expect, it } from 'vitest';
import { afterUpload, enqueue, nextUpload, readQueue, MAX_SCANS_PER_UPLOAD } from './scanQueue';

const LIB = 'lib-1';

describe('the desk scan queue', () => {
  beforeEach(() => localStorage.clear());

  it('keeps scans per library with the moment they were read, across a reload', () => {
    const at = new Date('2026-12-06T06:01:00Z');
    enqueue(LIB, ' s.t.x.1.k.mac ', at);
    enqueue('other', 's.t.y.1.k.mac', at);
    expect(readQueue(LIB)).toEqual([{ code: 's.t.x.1.k.mac', scanned_at: '2026-12-06T06:01:00.000Z' }]);
  });

  it('takes a double read of one code once, and ignores an empty read', () => {
    enqueue(LIB, 'a');
    enqueue(LIB, 'a');
    enqueue(LIB, '   ');
    expect(readQueue(LIB)).toHaveLength(1);
  });

  it('uploads at most the API limit at once and sets aside scans older than 24 hours', () => {
    const now = Date.parse('2026-12-06T12:00:00Z');
    const queue = Array.from({ length: MAX_SCANS_PER_UPLOAD + 5 }, (_, i) => ({ code: `c${i}`, scanned_at: new Date(now - 60_000).toISOString() }));
    queue.unshift({ code: 'old', scanned_at: '2026-12-05T11:00:00Z' });
    const { batch, stale } = nextUpload(queue, now);
    expect(batch).toHaveLength(MAX_SCANS_PER_UPLOAD);
    expect(stale.map((s) => s.code)).toEqual(['old']);
  });

  it('forgets only what was delivered; a scan queued during the upload stays', () => {
    const first = enqueue(LIB, 'a', new Date('2026-12-06T06:00:00Z'));
    enqueue(LIB, 'b', new Date('2026-12-06T06:00:05Z'));
    expect(afterUpload(LIB, first, [])).toEqual([{ code: 'b', scanned_at: '2026-12-06T06:00:05.000Z' }]);
    expect(readQueue(LIB).map((s) => s.code)).toEqual(['b']);
  });

  it('survives a damaged store', () => {
    localStorage.setItem(`studyspot.scan-queue.${LIB}`, '{not json');
    expect(readQueue(LIB)).toEqual([]);
  });
});
