// A broadcast's audience chosen by the student list's own filters (branch, dues,
// a booking ending soon, status): every matching student's id, page by page, up to
// the broadcast's limit of 500. The message service then checks each student's
// address, consent and suppressions itself (its quote says who it skips and why).

export const BROADCAST_MAX = 500;
const PAGE_SIZE = 200; // the API's largest page

export interface AudiencePage {
  items: { id: string }[];
  total: number;
}

/** All ids the filter matches, or `tooMany` when more than a broadcast may take. */
export async function collectAudience(
  fetchPage: (page: number, pageSize: number) => Promise<AudiencePage>,
): Promise<{ ids: string[]; total: number; tooMany: boolean }> {
  const ids: string[] = [];
  let total = 0;
  for (let page = 1; ; page++) {
    const got = await fetchPage(page, PAGE_SIZE);
    total = got.total;
    if (total > BROADCAST_MAX) return { ids: [], total, tooMany: true };
    ids.push(...got.items.map((s) => s.id));
    if (got.items.length < PAGE_SIZE || ids.length >= total) break;
  }
  return { ids, total, tooMany: false };
}
