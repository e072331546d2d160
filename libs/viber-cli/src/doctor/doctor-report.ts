import type { Painter } from '../output/terminal';
import { renderColumns } from '../output/table';
import type { DoctorOutcome, DoctorReport } from './webhook-doctor';

const LABELS: Record<DoctorOutcome, { text: string; style: 'green' | 'yellow' | 'red' | 'dim' }> = {
  pass: { text: 'ok', style: 'green' },
  warn: { text: 'warn', style: 'yellow' },
  fail: { text: 'FAIL', style: 'red' },
  skip: { text: 'skip', style: 'dim' },
};

/** The doctor's report as text: one line per check, the verdict, and what to fix. */
export function renderDoctorReport(report: DoctorReport, paint: Painter): string[] {
  const rows = report.checks.map((check) => [
    LABELS[check.outcome].text,
    check.title,
    check.summary,
  ]);
  const lines = renderColumns(rows, '  ').map((line, index) => {
    const label = LABELS[report.checks[index]!.outcome];
    return line.replace(label.text, paint(label.style, label.text));
  });
  const verdictStyle =
    report.verdict === 'ok' || report.verdict === 'ok-local' ? 'green' : ('red' as const);
  const out = [paint('bold', `Webhook doctor: ${report.url}`), '', ...lines, ''];
  out.push(`${paint(['bold', verdictStyle], 'Verdict:')} ${report.headline}`);
  const fixes = report.checks.filter(
    (check) => (check.outcome === 'fail' || check.outcome === 'warn') && check.fix,
  );
  if (fixes.length > 0) {
    out.push('', paint('bold', 'What to do:'));
    for (const check of fixes) out.push(`  - ${check.title}: ${check.fix}`);
  }
  return out;
}
