// Files on inbox messages and group posts (docs/community.md "Attachments"): the list
// under a message or post with a download through the session's token, and the picker
// of a reply or post. Uploads go to the `/upload` twins of the JSON routes as
// multipart (`body` and up to 4 `files`); the service sniffs each file's type, so the
// picker's `accept` only helps the person choose, and any refusal is the API's problem.
import { Anchor, FileInput, Group, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { ApiError, authFetch, fetchBlob, networkError, problemOf, saveBlob } from '../../api/client';
import type { components } from '../../api/schema';
import { ProblemAlert } from '../../components/ProblemAlert';
import { useI18n } from '../../i18n';

type Attachment = components['schemas']['AttachmentRead'];

// The service's limits (services/community/schemas.py), checked here first so that a
// person is told before a 40 MB upload is sent and refused.
export const MAX_FILES = 4;
export const MAX_FILE_BYTES = 10 * 1024 * 1024;
const ACCEPT = 'application/pdf,image/png,image/jpeg,image/webp';

function size(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

export function AttachmentList({ items }: { items?: Attachment[] }) {
  const { t } = useI18n();
  const [error, setError] = useState<unknown>(null);
  if (!items?.length) return null;
  const download = async (a: Attachment) => {
    setError(null);
    try {
      saveBlob(await fetchBlob(a.download_path), a.file_name);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <Stack gap={2} mt={4}>
      {items.map((a) => (
        <Group key={a.id} gap="xs" data-testid="attachment">
          <Anchor component="button" type="button" size="sm" onClick={() => void download(a)} aria-label={t('attachment_download', { name: a.file_name })}>
            {a.file_name}
          </Anchor>
          <Text size="xs" c="dimmed">{size(a.size_bytes)}</Text>
        </Group>
      ))}
      {error !== null && <ProblemAlert error={error} />}
    </Stack>
  );
}

/** What is wrong with the chosen files by the service's limits, or null. */
export function filesProblem(files: File[], t: (k: 'attachment_too_many' | 'attachment_too_big', v?: Record<string, string | number>) => string): string | null {
  if (files.length > MAX_FILES) return t('attachment_too_many', { n: MAX_FILES });
  const big = files.find((f) => f.size > MAX_FILE_BYTES);
  return big ? t('attachment_too_big', { name: big.name }) : null;
}

export function FilePicker({ files, onChange }: { files: File[]; onChange: (f: File[]) => void }) {
  const { t } = useI18n();
  const problem = filesProblem(files, t);
  return (
    <FileInput
      label={t('attachment_pick')}
      description={t('attachment_rules')}
      multiple
      clearable
      accept={ACCEPT}
      value={files}
      onChange={onChange}
      error={problem}
    />
  );
}

/** POST `body` and `files` as multipart to an `/upload` route; the created resource. */
export async function postWithFiles<T>(path: string, body: string, files: File[]): Promise<T> {
  const form = new FormData();
  form.append('body', body);
  for (const f of files) form.append('files', f, f.name);
  let res: Response;
  try {
    res = await authFetch(new Request(new URL(path, window.location.origin), { method: 'POST', body: form }));
  } catch (e) {
    throw networkError(e);
  }
  if (!res.ok) throw new ApiError(await problemOf(res));
  return (await res.json()) as T;
}
