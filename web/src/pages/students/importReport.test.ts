import { describe, expect, it } from 'vitest';
import type { Problem } from '../../api/client';
import { badLinesOfProblem, badLinesOfReport, nextStep, type ImportReport } from './importReport';

// Shaped as the student service answers (tests/student import tests): a bad date
// on line 3, a phone repeated on line 5 of line 2, one already registered on line 6.
const REPORT: ImportReport = {
  dry_run: true,
  total_rows: 5,
  valid_rows: 2,
  imported: 0,
  errors: [
    { line: 3, field: 'date_of_birth', reason: 'not a date (YYYY-MM-DD or DD/MM/YYYY)' },
    { line: 3, field: 'phone', reason: 'not an Indian mobile number' },
    { line: 5, field: 'phone', reason: 'same phone as line 2' },
    { line: 6, field: 'phone', reason: 'already registered as STU-000007' },
  ],
  duplicates: [
    { line: 5, phone: '+919876543210', duplicate_of_line: 2, existing_enrollment_number: null },
    { line: 6, phone: '+919812345678', duplicate_of_line: null, existing_enrollment_number: 'STU-000007' },
  ],
};

describe('import report → bad lines', () => {
  it('lists each bad line once, in file order, with every message the API gave', () => {
    const lines = badLinesOfReport(REPORT);
    expect(lines.map((l) => l.line)).toEqual([3, 5, 6]);
    expect(lines[0]?.problems).toEqual([
      { field: 'date_of_birth', message: 'not a date (YYYY-MM-DD or DD/MM/YYYY)' },
      { field: 'phone', message: 'not an Indian mobile number' },
    ]);
  });

  it('names the earlier line and the registered student of a duplicate phone', () => {
    const [, five, six] = badLinesOfReport(REPORT);
    expect(five).toMatchObject({ line: 5, duplicateOfLine: 2, existingEnrollment: null });
    expect(six).toMatchObject({ line: 6, duplicateOfLine: null, existingEnrollment: 'STU-000007' });
  });

  it('keeps a duplicate the API listed without an error as a bad line', () => {
    const lines = badLinesOfReport({ ...REPORT, errors: [], duplicates: [REPORT.duplicates[0]!] });
    expect(lines).toEqual([{ line: 5, problems: [], existingEnrollment: null, duplicateOfLine: 2 }]);
  });

  it('offers to import the good rows only when some are bad', () => {
    expect(nextStep(REPORT)).toEqual({ kind: 'commit_good', count: 2, bad: 3 });
    expect(nextStep({ ...REPORT, errors: [], duplicates: [], valid_rows: 5 })).toEqual({ kind: 'commit_all', count: 5 });
    expect(nextStep({ ...REPORT, valid_rows: 0 })).toEqual({ kind: 'nothing', bad: 3 });
    expect(nextStep({ ...REPORT, total_rows: 0, valid_rows: 0, errors: [], duplicates: [] })).toEqual({ kind: 'nothing', bad: 0 });
  });
});

describe('refused commit (422 import_has_errors) → bad lines', () => {
  const problem: Problem = {
    status: 422,
    code: 'import_has_errors',
    title: 'Unprocessable Entity',
    detail: '2 rows are not valid; nothing was imported (fix them, or import with skip_invalid=true)',
    request_id: 'req-1',
    errors: [
      { field: 'line.12.phone', message: 'same phone as line 4' },
      { field: 'line.3.guardian_name', message: 'required for a student under 18' },
      { field: 'line.12.email', message: 'not an email address' },
      { field: 'file', message: 'something not about a line' },
    ],
  };

  it('reads the line and field out of line.N.field, in file order', () => {
    const { lines } = badLinesOfProblem(problem);
    expect(lines.map((l) => [l.line, l.problems.map((p) => p.field)])).toEqual([
      [3, ['guardian_name']],
      [12, ['phone', 'email']],
    ]);
  });

  it('drops nothing the API said: other field problems are returned apart', () => {
    expect(badLinesOfProblem(problem).other).toEqual([{ field: 'file', message: 'something not about a line' }]);
  });
});
