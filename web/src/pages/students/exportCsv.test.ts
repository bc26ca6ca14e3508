import { describe, expect, it } from 'vitest';
import { ApiError } from '../../api/client';
import { collectStream, exportFileName } from './exportCsv';

const enc = new TextEncoder();

function streamOf(parts: string[], failAfter?: number): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (failAfter !== undefined && i === failAfter) {
        controller.error(new Error('connection reset'));
        return;
      }
      const part = parts[i++];
      if (part === undefined) controller.close();
      else controller.enqueue(enc.encode(part));
    },
  });
}

describe('streamed export', () => {
  it('collects every chunk and reports the running byte count', async () => {
    const seen: number[] = [];
    const { chunks, bytes } = await collectStream(streamOf(['name,phone\n', 'Asha,+919876543210\n']), (n) => seen.push(n));
    expect(bytes).toBe(30);
    expect(seen).toEqual([11, 30]);
    expect(new TextDecoder().decode(new Uint8Array(chunks.flatMap((c) => [...c])))).toBe('name,phone\nAsha,+919876543210\n');
  });

  it('refuses to hand over an export cut off half way', async () => {
    const failing = collectStream(streamOf(['name,phone\n', 'Asha,+91…', 'never'], 2), () => {});
    await expect(failing).rejects.toBeInstanceOf(ApiError);
    await expect(collectStream(streamOf(['name,phone\n'], 1), () => {})).rejects.toMatchObject({
      problem: { code: 'export_interrupted' },
    });
  });

  it('dates the file name', () => {
    expect(exportFileName('2026-03-01')).toBe('students-2026-03-01.csv');
  });
});
