// StudySpot's GST credit notes to a tenant (each reverses a void invoice), newest first:
// on the owner's Subscription page with their PDF, and on the platform's tenant page.
import { Button, Paper, Table, Title, VisuallyHidden } from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { components } from '../api/schema';
import { fetchBlob, saveBlob } from '../api/client';
import { useI18n } from '../i18n';
import { indiaDate } from '../lib/subscription';
import { Money } from './Money';
import { Pager } from './Pager';
import { ProblemAlert } from './ProblemAlert';
import { QueryState } from './QueryState';

type Page = components['schemas']['Page_CreditNoteRead_'];
const PAGE_SIZE = 20;

export function CreditNotes({ queryKey, load, pdf }: { queryKey: readonly unknown[]; load: (page: number, pageSize: number) => Promise<Page>; pdf: boolean }) {
  const { t } = useI18n();
  const [page, setPage] = useState(1);
  const notes = useQuery({ queryKey: [...queryKey, page], queryFn: () => load(page, PAGE_SIZE) });
  const download = useMutation({
    mutationFn: async (note: { id: string; credit_note_number: string }) => {
      const blob = await fetchBlob(`/api/v1/subscriptions/current/credit-notes/${note.id}?format=pdf`);
      saveBlob(blob, `${note.credit_note_number.replace(/[^A-Za-z0-9-]/g, '-')}.pdf`);
    },
  });
  return (
    <Paper withBorder p="md">
      <Title order={2} size="h4" mb="sm">{t('sub_credit_notes')}</Title>
      <QueryState query={notes} isEmpty={(d) => d.items.length === 0} empty={t('sub_credit_notes_empty')}>
        {(d) => (
          <>
            <Table.ScrollContainer minWidth={600}>
              <Table>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('credit_note_number')}</Table.Th>
                    <Table.Th>{t('date')}</Table.Th>
                    <Table.Th>{t('credit_note_invoice')}</Table.Th>
                    <Table.Th>{t('credit_note_reason')}</Table.Th>
                    <Table.Th ta="right">{t('amount')}</Table.Th>
                    {pdf && <Table.Th><VisuallyHidden>{t('actions')}</VisuallyHidden></Table.Th>}
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {d.items.map((n) => (
                    <Table.Tr key={n.id} data-testid="credit-note">
                      <Table.Td>{n.credit_note_number}</Table.Td>
                      <Table.Td>{indiaDate(n.issued_at)}</Table.Td>
                      <Table.Td>{n.invoice_number}</Table.Td>
                      <Table.Td>{n.reason}</Table.Td>
                      <Table.Td ta="right"><Money paise={n.total_paise} /></Table.Td>
                      {pdf && (
                        <Table.Td>
                          <Button size="xs" variant="light" onClick={() => download.mutate(n)} loading={download.isPending && download.variables?.id === n.id} data-testid="credit-note-pdf">
                            {t('download_pdf')}
                          </Button>
                        </Table.Td>
                      )}
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
            <Pager page={page} pageSize={PAGE_SIZE} total={d.total} onPage={setPage} />
          </>
        )}
      </QueryState>
      {download.isError && <ProblemAlert error={download.error} />}
    </Paper>
  );
}
