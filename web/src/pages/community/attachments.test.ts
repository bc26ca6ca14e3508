import { describe, expect, it } from 'vitest';
import { filesProblem, MAX_FILE_BYTES } from './attachments';

const t = (k: string, v?: Record<string, string | number>) => `${k}:${JSON.stringify(v ?? {})}`;
const file = (name: string, bytes: number) => new File([new Uint8Array(bytes)], name);

describe('filesProblem (the service limits, told before the upload)', () => {
  it('takes up to four files of at most 10 MiB, the limit itself included', () => {
    expect(filesProblem([file('a.pdf', MAX_FILE_BYTES), file('b.png', 1)], t)).toBeNull();
  });
  it('names the count and the file that is too large', () => {
    expect(filesProblem([1, 2, 3, 4, 5].map((n) => file(`${n}.pdf`, 1)), t)).toBe('attachment_too_many:{"n":4}');
    expect(filesProblem([file('big.pdf', MAX_FILE_BYTES + 1)], t)).toBe('attachment_too_big:{"name":"big.pdf"}');
  });
});
