import { describe, expect, it } from 'vitest';
import { collectAudience } from './audience';

function pages(total: number) {
  const all = Array.from({ length: total }, (_, i) => ({ id: `s${i}` }));
  const asked: number[] = [];
  const fetchPage = async (page: number, size: number) => {
    asked.push(page);
    return { items: all.slice((page - 1) * size, page * size), total };
  };
  return { fetchPage, asked };
}

describe('collectAudience', () => {
  it('reads every page of the filter', async () => {
    const { fetchPage, asked } = pages(450);
    const got = await collectAudience(fetchPage);
    expect(got.ids).toHaveLength(450);
    expect(new Set(got.ids).size).toBe(450);
    expect(asked).toEqual([1, 2, 3]);
  });
  it('stops at once when the filter matches more than a broadcast takes', async () => {
    const { fetchPage, asked } = pages(501);
    expect(await collectAudience(fetchPage)).toEqual({ ids: [], total: 501, tooMany: true });
    expect(asked).toEqual([1]);
  });
  it('says nothing matched', async () => {
    expect(await collectAudience(pages(0).fetchPage)).toEqual({ ids: [], total: 0, tooMany: false });
  });
});
