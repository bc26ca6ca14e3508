// Library, shift and date chosen from what the API lists (never typed ids).
import { Group, Select, TextInput } from '@mantine/core';
import { useEffect } from 'react';
import { useLibraries, useShifts } from '../api/queries';
import { useI18n } from '../i18n';
import { ProblemAlert } from './ProblemAlert';

export function LibraryShiftPicker({
  library,
  shift,
  date,
  onChange,
}: {
  library: string | null;
  shift: string | null;
  date?: string;
  onChange: (v: { library: string | null; shift: string | null; date?: string }) => void;
}) {
  const { t } = useI18n();
  const libs = useLibraries();
  const shifts = useShifts(library);
  const libItems = libs.data?.items ?? [];
  const shiftItems = shifts.data?.items ?? [];

  // Choose the first library / shift when there is exactly nothing chosen yet.
  useEffect(() => {
    if (!library && libItems[0]) onChange({ library: libItems[0].id, shift: null, date });
  }, [library, libItems, onChange, date]);
  useEffect(() => {
    if (library && !shift && shiftItems[0]) onChange({ library, shift: shiftItems[0].id, date });
  }, [library, shift, shiftItems, onChange, date]);

  return (
    <>
      {libs.isError && <ProblemAlert error={libs.error} onRetry={() => void libs.refetch()} />}
      {shifts.isError && <ProblemAlert error={shifts.error} onRetry={() => void shifts.refetch()} />}
      <Group align="end" wrap="wrap">
        <Select
          label={t('library')}
          data={libItems.map((l) => ({ value: l.id, label: `${l.name} (${l.city})` }))}
          value={library}
          onChange={(v) => onChange({ library: v, shift: null, date })}
          allowDeselect={false}
          w={260}
        />
        <Select
          label={t('shift')}
          data={shiftItems.map((s) => ({
            value: s.id,
            label: s.is_full_day ? `${s.name} (${t('full_day')})` : `${s.name} ${s.start_time}–${s.end_time}`,
          }))}
          value={shift}
          onChange={(v) => onChange({ library, shift: v, date })}
          allowDeselect={false}
          w={240}
        />
        {date !== undefined && (
          <TextInput label={t('date')} type="date" value={date} onChange={(e) => onChange({ library, shift, date: e.currentTarget.value })} w={170} />
        )}
      </Group>
    </>
  );
}
