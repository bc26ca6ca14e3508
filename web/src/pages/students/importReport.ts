// The import wizard shows the exact bad rows the API names, whether they come
// from a dry run's report (`errors[]`, `duplicates[]`) or from a refused commit
// (422 `import_has_errors`, whose field problems are named `line.N.field`).
// Both become the same list of lines, so the owner sees one kind of table.
import type { Problem } from '../../api/client';
import type { components } from '../../api/schema';

export type ImportReport = components['schemas']['ImportReport'];

export interface RowProblem {
  field: string;
  message: string;
}

export interface BadLine {
  /** Line of the file; the header is line 1. */
  line: number;
  problems: RowProblem[];
  /** The phone is already registered as this student. */
  existingEnrollment: string | null;
  /** The phone already appears on this earlier line of the same file. */
  duplicateOfLine: number | null;
}

function group(entries: { line: number; field: string; message: string }[]): Map<number, BadLine> {
  const lines = new Map<number, BadLine>();
  for (const e of entries) {
    let bad = lines.get(e.line);
    if (!bad) {
      bad = { line: e.line, problems: [], existingEnrollment: null, duplicateOfLine: null };
      lines.set(e.line, bad);
    }
    bad.problems.push({ field: e.field, message: e.message });
  }
  return lines;
}

function sorted(lines: Map<number, BadLine>): BadLine[] {
  return [...lines.values()].sort((a, b) => a.line - b.line);
}

/** The bad lines of a report, in file order, each with every problem the API found on it. */
export function badLinesOfReport(report: ImportReport): BadLine[] {
  const lines = group(report.errors.map((e) => ({ line: e.line, field: e.field, message: e.reason })));
  for (const d of report.duplicates) {
    // The API lists a duplicate among the errors too; a duplicate without one is still a bad line.
    let bad = lines.get(d.line);
    if (!bad) {
      bad = { line: d.line, problems: [], existingEnrollment: null, duplicateOfLine: null };
      lines.set(d.line, bad);
    }
    bad.existingEnrollment = d.existing_enrollment_number;
    bad.duplicateOfLine = d.duplicate_of_line;
  }
  return sorted(lines);
}

const LINE_FIELD = /^line\.(\d+)\.(.+)$/;

/**
 * The bad lines of a refused commit (422 `import_has_errors`): its field problems
 * are `line.N.field`. Problems not about a line (none are expected) are returned
 * apart so that nothing the API said is dropped.
 */
export function badLinesOfProblem(problem: Problem): { lines: BadLine[]; other: RowProblem[] } {
  const entries: { line: number; field: string; message: string }[] = [];
  const other: RowProblem[] = [];
  for (const e of problem.errors) {
    const m = LINE_FIELD.exec(e.field);
    if (m) entries.push({ line: Number(m[1]), field: m[2] ?? '', message: e.message });
    else other.push({ field: e.field, message: e.message });
  }
  return { lines: sorted(group(entries)), other };
}

export type NextStep =
  /** Nothing wrong: commit imports every row. */
  | { kind: 'commit_all'; count: number }
  /** Some rows are bad: fix the file, or import only the good ones. */
  | { kind: 'commit_good'; count: number; bad: number }
  /** Nothing to import (empty file, or every row bad). */
  | { kind: 'nothing'; bad: number };

/** What the wizard offers after a dry run. */
export function nextStep(report: ImportReport): NextStep {
  const bad = badLinesOfReport(report).length;
  if (report.valid_rows === 0) return { kind: 'nothing', bad };
  if (bad === 0) return { kind: 'commit_all', count: report.valid_rows };
  return { kind: 'commit_good', count: report.valid_rows, bad };
}

/** What the file picker offers; the API reads the content (an .xlsx is a zip), not the name. */
export const IMPORT_ACCEPT = '.csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
