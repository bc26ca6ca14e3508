// The export is streamed by the API (a server-side cursor, 1,000 rows a
// batch); the console reads it chunk by chunk, showing how much has arrived,
// and saves it only when the stream ended cleanly, so an export cut off half
// way is reported, never saved as if it were the whole register.
import { ApiError, api, unwrap } from '../../api/client';
import type { StudentStatus } from './filters';

/** Reads a stream to its end, telling `onBytes` the running total; throws if it breaks off. */
export async function collectStream(
  stream: ReadableStream<Uint8Array>,
  onBytes: (received: number) => void,
): Promise<{ chunks: Uint8Array[]; bytes: number }> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      bytes += value.byteLength;
      onBytes(bytes);
    }
  } catch (e) {
    throw new ApiError({
      status: 0,
      code: 'export_interrupted',
      title: 'Export interrupted',
      detail: `The export stopped after ${bytes} bytes (${e instanceof Error ? e.message : String(e)}); nothing was saved`,
      request_id: '',
      errors: [],
    });
  } finally {
    reader.releaseLock();
  }
  return { chunks, bytes };
}

/** students-2026-03-01.csv: dated, so exports of different days do not overwrite each other. */
export function exportFileName(today: string): string {
  return `students-${today}.csv`;
}

/** Streams the export for these filters and hands the browser a CSV file to save. */
export async function downloadStudentsCsv(
  query: { library_id?: string; status?: StudentStatus },
  today: string,
  onBytes: (received: number) => void,
): Promise<number> {
  const stream = await unwrap(api.GET('/api/v1/students/export', { params: { query }, parseAs: 'stream' }));
  if (!stream) throw new Error('The export answered without a body');
  const { chunks, bytes } = await collectStream(stream, onBytes);
  const url = URL.createObjectURL(new Blob(chunks as BlobPart[], { type: 'text/csv;charset=utf-8' }));
  try {
    const a = document.createElement('a');
    a.href = url;
    a.download = exportFileName(today);
    document.body.append(a);
    a.click();
    a.remove();
  } finally {
    // Revoked after the click has started the download.
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }
  return bytes;
}
