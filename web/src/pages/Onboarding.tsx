// First library in four steps — library, seats by pattern, shifts, fee plans —
// each step saved through the API before the next, ending on the seat map.
import { Button, Checkbox, Group, NumberInput, Paper, Select, Stack, Stepper, Text, TextInput, Textarea, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { api, unwrap } from '../api/client';
import type { components } from '../api/schema';
import { ProblemAlert } from '../components/ProblemAlert';
import { useI18n } from '../i18n';
import type { MessageKey } from '../i18n/en';
import { parseRupees } from '../lib/money';
import { rowLetters } from '../lib/seatmap';
import { STATES, type IndianState } from '../lib/states';
import { HHMM, PINCODE, gstinProblem } from '../lib/validation';

type Library = components['schemas']['LibraryRead'];
type Shift = components['schemas']['ShiftRead'];
type Errors = Partial<Record<string, MessageKey>>;

export interface LibraryForm {
  name: string; address: string; city: string; state: IndianState | null; pincode: string; gstin: string; opens: string; closes: string;
}

export function validateLibrary(f: LibraryForm): Errors {
  const e: Errors = {};
  if (!f.name.trim()) e.name = 'v_required';
  if (!f.address.trim()) e.address = 'v_required';
  if (!f.city.trim()) e.city = 'v_required';
  if (!f.state) e.state = 'v_required';
  if (!PINCODE.test(f.pincode)) e.pincode = 'v_pincode';
  const g = f.gstin.trim().toUpperCase();
  if (g) {
    const p = gstinProblem(g);
    if (p) e.gstin = p === 'format' ? 'v_gstin_format' : 'v_gstin_checksum';
  }
  if (!HHMM.test(f.opens)) e.opens = 'v_time';
  if (!HHMM.test(f.closes) && f.closes !== '24:00') e.closes = 'v_time';
  return e;
}

const DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;

interface ShiftForm { name: string; start: string; end: string; full_day: boolean }
interface PlanForm { name: string; price: string; months: number; shift: number; floating: boolean }

export default function Onboarding() {
  const { t } = useI18n();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const [step, setStep] = useState(0);
  const [library, setLibrary] = useState<Library | null>(null);
  const [shifts, setShifts] = useState<Shift[]>([]);
  const [lib, setLib] = useState<LibraryForm>({ name: '', address: '', city: '', state: null, pincode: '', gstin: '', opens: '06:00', closes: '23:00' });
  const [libErrors, setLibErrors] = useState<Errors>({});
  const [grid, setGrid] = useState({ rows: 4, columns: 10, pad: false });
  const [seatsMade, setSeatsMade] = useState(0);
  const [shiftForms, setShiftForms] = useState<ShiftForm[]>([
    { name: 'Morning', start: '06:00', end: '14:00', full_day: false },
    { name: 'Evening', start: '14:00', end: '22:00', full_day: false },
    { name: 'Night', start: '22:00', end: '06:00', full_day: false },
    { name: 'Full day', start: '00:00', end: '24:00', full_day: true },
  ]);
  const [plans, setPlans] = useState<PlanForm[]>([{ name: 'Monthly', price: '1500', months: 1, shift: 0, floating: false }]);
  const [planErrors, setPlanErrors] = useState<Record<number, MessageKey>>({});

  const createLibrary = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/v1/libraries', {
          body: {
            name: lib.name.trim(), address: lib.address.trim(), city: lib.city.trim(), state: lib.state as IndianState, pincode: lib.pincode,
            gstin: lib.gstin.trim() ? lib.gstin.trim().toUpperCase() : null,
            opening_hours: Object.fromEntries(DAYS.map((d) => [d, [{ opens: lib.opens, closes: lib.closes }]])),
          },
        }),
      ),
    onSuccess: (l) => { setLibrary(l); void qc.invalidateQueries({ queryKey: ['libraries'] }); setStep(1); },
  });

  const createSeats = useMutation({
    mutationFn: async () => {
      let made = 0;
      for (let r = 0; r < grid.rows; r++) {
        const res = await unwrap(
          api.POST('/api/v1/libraries/{library_id}/seats/bulk', {
            params: { path: { library_id: library?.id ?? '' } },
            body: { prefix: rowLetters(r), from: 1, to: grid.columns, pad: grid.pad ? String(grid.columns).length : 0, row: r + 1, first_column: 1 },
          }),
        );
        made += res.created;
        setSeatsMade(made);
      }
      return made;
    },
    onSuccess: () => setStep(2),
  });

  const createShifts = useMutation({
    mutationFn: async () => {
      const made: Shift[] = [];
      for (const s of shiftForms) {
        made.push(
          await unwrap(
            api.POST('/api/v1/libraries/{library_id}/shifts', {
              params: { path: { library_id: library?.id ?? '' } },
              body: s.full_day ? { name: s.name.trim(), is_full_day: true } : { name: s.name.trim(), start_time: s.start, end_time: s.end },
            }),
          ),
        );
        setShifts([...made]);
      }
      return made;
    },
    onSuccess: (made) => { setShifts(made); setStep(3); },
  });

  const createPlans = useMutation({
    mutationFn: async () => {
      for (const p of plans) {
        const shift = shifts[p.shift];
        await unwrap(
          api.POST('/api/fee-plans', {
            body: {
              name: p.name.trim(), library_id: library?.id ?? null, duration_unit: 'month', duration_value: p.months,
              price_paise: parseRupees(p.price) ?? 0, shift_ids: shift ? [shift.id] : [], full_day: shift?.is_full_day ?? false,
              seat_assignment: p.floating ? 'floating' : 'reserved',
            },
          }),
        );
      }
    },
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ['fee-plans'] });
      setStep(4);
    },
  });

  const submitLibrary = () => {
    const e = validateLibrary(lib);
    setLibErrors(e);
    if (Object.keys(e).length === 0) createLibrary.mutate();
  };
  const submitPlans = () => {
    const e: Record<number, MessageKey> = {};
    plans.forEach((p, i) => { if (parseRupees(p.price) === null) e[i] = 'v_amount'; });
    setPlanErrors(e);
    if (Object.keys(e).length === 0) createPlans.mutate();
  };
  const le = (k: string) => (libErrors[k] ? t(libErrors[k] as MessageKey) : undefined);
  const last = `${rowLetters(grid.rows - 1)}${grid.pad ? String(grid.columns).padStart(String(grid.columns).length, '0') : grid.columns}`;

  return (
    <Stack maw={900}>
      <Title order={1} size="h2">{t('nav_setup')}</Title>
      <Stepper active={step} onStepClick={() => undefined} allowNextStepsSelect={false} size="sm">
        <Stepper.Step label={t('wiz_library')}>
          <Paper withBorder p="md">
            <Stack>
              <TextInput label={t('library_name')} value={lib.name} onChange={(e) => setLib({ ...lib, name: e.currentTarget.value })} error={le('name')} required />
              <Textarea label={t('address')} value={lib.address} onChange={(e) => setLib({ ...lib, address: e.currentTarget.value })} error={le('address')} required />
              <Group grow>
                <TextInput label={t('city')} value={lib.city} onChange={(e) => setLib({ ...lib, city: e.currentTarget.value })} error={le('city')} required />
                <Select label={t('state')} data={STATES} value={lib.state} onChange={(v) => setLib({ ...lib, state: v as IndianState })} searchable error={le('state')} required />
                <TextInput label={t('pincode')} value={lib.pincode} onChange={(e) => setLib({ ...lib, pincode: e.currentTarget.value.trim() })} error={le('pincode')} required inputMode="numeric" />
              </Group>
              <TextInput label={t('gstin_optional')} value={lib.gstin} onChange={(e) => setLib({ ...lib, gstin: e.currentTarget.value })} error={le('gstin')} />
              <Group grow>
                <TextInput label={t('opens')} type="time" value={lib.opens} onChange={(e) => setLib({ ...lib, opens: e.currentTarget.value })} error={le('opens')} />
                <TextInput label={t('closes')} type="time" value={lib.closes} onChange={(e) => setLib({ ...lib, closes: e.currentTarget.value })} error={le('closes')} />
              </Group>
              {createLibrary.error && <ProblemAlert error={createLibrary.error} />}
              <Group justify="end"><Button onClick={submitLibrary} loading={createLibrary.isPending}>{t('next')}</Button></Group>
            </Stack>
          </Paper>
        </Stepper.Step>
        <Stepper.Step label={t('wiz_seats')}>
          <Paper withBorder p="md">
            <Stack>
              <Group grow>
                <NumberInput label={t('rows')} min={1} max={26} value={grid.rows} onChange={(v) => setGrid({ ...grid, rows: Math.max(1, Math.min(26, Number(v) || 1)) })} />
                <NumberInput label={t('columns')} min={1} max={100} value={grid.columns} onChange={(v) => setGrid({ ...grid, columns: Math.max(1, Math.min(100, Number(v) || 1)) })} />
              </Group>
              <Checkbox label={t('pad')} checked={grid.pad} onChange={(e) => setGrid({ ...grid, pad: e.currentTarget.checked })} />
              <Text size="sm" data-testid="seat-preview">{t('seat_preview', { count: grid.rows * grid.columns, first: `A${grid.pad ? '1'.padStart(String(grid.columns).length, '0') : '1'}`, last })}</Text>
              {seatsMade > 0 && <Text size="sm">{t('created_n', { count: seatsMade })}</Text>}
              {createSeats.error && <ProblemAlert error={createSeats.error} />}
              <Group justify="end"><Button onClick={() => createSeats.mutate()} loading={createSeats.isPending}>{t('create_seats')}</Button></Group>
            </Stack>
          </Paper>
        </Stepper.Step>
        <Stepper.Step label={t('wiz_shifts')}>
          <Paper withBorder p="md">
            <Stack>
              {shiftForms.map((s, i) => (
                <Group key={i} align="end" wrap="wrap">
                  <TextInput label={t('shift_name')} value={s.name} onChange={(e) => { const v = e.currentTarget.value; setShiftForms((f) => f.map((x, j) => (j === i ? { ...x, name: v } : x))); }} w={180} />
                  <TextInput label={t('start')} type="time" value={s.start} disabled={s.full_day} onChange={(e) => { const v = e.currentTarget.value; setShiftForms((f) => f.map((x, j) => (j === i ? { ...x, start: v } : x))); }} w={130} />
                  <TextInput label={t('end')} type="time" value={s.full_day ? '' : s.end} disabled={s.full_day} onChange={(e) => { const v = e.currentTarget.value; setShiftForms((f) => f.map((x, j) => (j === i ? { ...x, end: v } : x))); }} w={130} />
                  <Checkbox label={t('full_day')} checked={s.full_day} onChange={(e) => { const v = e.currentTarget.checked; setShiftForms((f) => f.map((x, j) => (j === i ? { ...x, full_day: v } : x))); }} />
                  {!s.full_day && s.end <= s.start && <Text size="xs" c="dimmed">{t('crosses_midnight')}</Text>}
                  <Button variant="subtle" color="red" size="xs" onClick={() => setShiftForms((f) => f.filter((_, j) => j !== i))}>{t('remove')}</Button>
                </Group>
              ))}
              <Group justify="space-between">
                <Button variant="light" onClick={() => setShiftForms((f) => [...f, { name: '', start: '08:00', end: '12:00', full_day: false }])}>{t('add_shift')}</Button>
                <Button onClick={() => createShifts.mutate()} loading={createShifts.isPending} disabled={shiftForms.length === 0}>{t('create_shifts')}</Button>
              </Group>
              {createShifts.error && <ProblemAlert error={createShifts.error} />}
            </Stack>
          </Paper>
        </Stepper.Step>
        <Stepper.Step label={t('wiz_plans')}>
          <Paper withBorder p="md">
            <Stack>
              {plans.map((p, i) => (
                <Group key={i} align="end" wrap="wrap">
                  <TextInput label={t('plan_name')} value={p.name} onChange={(e) => { const v = e.currentTarget.value; setPlans((f) => f.map((x, j) => (j === i ? { ...x, name: v } : x))); }} w={180} />
                  <TextInput label={t('price')} value={p.price} error={planErrors[i] ? t(planErrors[i]) : undefined} onChange={(e) => { const v = e.currentTarget.value; setPlans((f) => f.map((x, j) => (j === i ? { ...x, price: v } : x))); }} w={170} inputMode="decimal" />
                  <NumberInput label={t('months')} min={1} max={12} value={p.months} onChange={(v) => setPlans((f) => f.map((x, j) => (j === i ? { ...x, months: Math.max(1, Number(v) || 1) } : x)))} w={100} />
                  <Select label={t('shift')} data={shifts.map((s, j) => ({ value: String(j), label: s.name }))} value={String(p.shift)} onChange={(v) => setPlans((f) => f.map((x, j) => (j === i ? { ...x, shift: Number(v) } : x)))} w={160} allowDeselect={false} />
                  <Checkbox label={t('floating')} checked={p.floating} onChange={(e) => { const v = e.currentTarget.checked; setPlans((f) => f.map((x, j) => (j === i ? { ...x, floating: v } : x))); }} />
                  <Button variant="subtle" color="red" size="xs" onClick={() => setPlans((f) => f.filter((_, j) => j !== i))}>{t('remove')}</Button>
                </Group>
              ))}
              <Group justify="space-between">
                <Button variant="light" onClick={() => setPlans((f) => [...f, { name: '', price: '', months: 1, shift: 0, floating: false }])}>{t('add_plan')}</Button>
                <Button onClick={submitPlans} loading={createPlans.isPending} disabled={plans.length === 0}>{t('create_plans')}</Button>
              </Group>
              {createPlans.error && <ProblemAlert error={createPlans.error} />}
            </Stack>
          </Paper>
        </Stepper.Step>
        <Stepper.Completed>
          <Paper withBorder p="md">
            <Button onClick={() => navigate(`/seat-map?library=${library?.id ?? ''}&shift=${shifts[0]?.id ?? ''}`)}>{t('open_seat_map')}</Button>
          </Paper>
        </Stepper.Completed>
      </Stepper>
    </Stack>
  );
}
