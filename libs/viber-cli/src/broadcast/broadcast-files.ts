import { existsSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import {
  VIBER_NOT_SENT_STATUS,
  VIBER_TRANSPORT_FAILURE_STATUS,
  ViberStatus,
  type ViberBroadcastResult,
  type ViberFailedReceiver,
  type ViberOutgoingMessage,
} from 'nestjs-viber';
import { viberStatusName } from 'nestjs-viber/internal';
import { usageError } from '../cli.errors';

/** `format` of a resume file. */
export const RESUME_FILE_FORMAT = 'nestjs-viber/broadcast-resume';

/** A resume file: the message and the receivers a stopped broadcast did not send. */
export interface ResumeFile {
  format: typeof RESUME_FILE_FORMAT;
  version: 1;
  /** When it was written (ISO 8601). */
  createdAt: string;
  /** The API the broadcast went to. */
  apiUrl: string;
  /** The message, sender included, exactly as sent to the others. */
  message: ViberOutgoingMessage;
  /** Receivers of the whole broadcast (across resumes). */
  total: number;
  /** Receivers never sent: safe to send, once. */
  receivers: string[];
}

/** What became of each receiver, by what can be done about it. */
export interface BroadcastOutcome {
  /** Never reached Viber (stopped before sending, a connection that failed before the request left, rate limited): safe to send again. */
  resumable: string[];
  /** Viber refused them (not subscribed, not registered, …, or a status that ended the broadcast). */
  refused: ViberFailedReceiver[];
  /** The request left but no answer came: Viber may have delivered. Never re-sent silently. */
  uncertain: string[];
}

/** Statuses whose receivers are sent again by `--resume`. */
const RESUMABLE_STATUSES: ReadonlySet<number> = new Set([
  VIBER_NOT_SENT_STATUS,
  VIBER_TRANSPORT_FAILURE_STATUS,
  ViberStatus.tooManyRequests,
]);

/** Sorts a broadcast's result into what can be resumed, what Viber refused and what is uncertain. */
export function sortOutcome(result: ViberBroadcastResult): BroadcastOutcome {
  const resumable: string[] = [];
  const refused: ViberFailedReceiver[] = [];
  for (const failure of result.failed_list) {
    if (RESUMABLE_STATUSES.has(failure.status)) resumable.push(failure.receiver);
    else refused.push(failure);
  }
  return { resumable, refused, uncertain: [...result.uncertain_list] };
}

/** The name of a status in the files and summaries: Viber's names, and the client's own two. */
export function statusLabel(status: number): string {
  if (status === VIBER_NOT_SENT_STATUS) return 'notSent';
  if (status === VIBER_TRANSPORT_FAILURE_STATUS) return 'networkFailure';
  return viberStatusName(status);
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Writes a file atomically (a temporary file renamed into place). */
async function writeAtomically(path: string, text: string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, text, 'utf8');
  await rename(temporary, path);
}

/** The files a broadcast wrote (only those with receivers in them). */
export interface BroadcastFiles {
  resume?: string;
  uncertain?: string;
  failed?: string;
}

/**
 * Writes what is left of a broadcast next to `prefix`: `<prefix>.resume.json` (the message and
 * the receivers never sent, for `--resume`), `<prefix>.uncertain.csv` (one receiver per line:
 * sent without an answer, maybe delivered) and `<prefix>.failed.csv` (receiver, status, …: Viber
 * refused them). Both CSV files can be given to `--to` later.
 */
export async function writeBroadcastFiles(
  prefix: string,
  outcome: BroadcastOutcome,
  resume: Omit<ResumeFile, 'format' | 'version' | 'createdAt' | 'receivers'>,
): Promise<BroadcastFiles> {
  const files: BroadcastFiles = {};
  if (outcome.resumable.length > 0) {
    files.resume = `${prefix}.resume.json`;
    const content: ResumeFile = {
      format: RESUME_FILE_FORMAT,
      version: 1,
      createdAt: new Date().toISOString(),
      ...resume,
      receivers: outcome.resumable,
    };
    await writeAtomically(files.resume, `${JSON.stringify(content, null, 2)}\n`);
  }
  if (outcome.uncertain.length > 0) {
    files.uncertain = `${prefix}.uncertain.csv`;
    await writeAtomically(
      files.uncertain,
      `receiver\n${outcome.uncertain.map((id) => `${csvField(id)}\n`).join('')}`,
    );
  }
  if (outcome.refused.length > 0) {
    files.failed = `${prefix}.failed.csv`;
    const rows = outcome.refused.map((entry) =>
      [entry.receiver, String(entry.status), statusLabel(entry.status), entry.status_message ?? '']
        .map(csvField)
        .join(','),
    );
    await writeAtomically(
      files.failed,
      `receiver,status,status_name,status_message\n${rows.map((row) => `${row}\n`).join('')}`,
    );
  }
  return files;
}

/** Suffix a resume file gets once a broadcast resumed from it (so it cannot be sent twice). */
export const RESUMED_SUFFIX = '.done';

/** Reads and checks a resume file; a usage error says what is wrong with it. */
export async function readResumeFile(path: string): Promise<ResumeFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (existsSync(`${path}${RESUMED_SUFFIX}`)) {
      throw usageError(
        `${path} was already resumed (it is now ${path}${RESUMED_SUFFIX}).`,
        'A resume file is used once, so that no receiver gets the message twice. A broadcast stopped again wrote a new resume file.',
      );
    }
    throw usageError(`Cannot read the resume file ${path}: ${(error as Error).message}`);
  }
  let parsed: Partial<ResumeFile>;
  try {
    parsed = JSON.parse(text) as Partial<ResumeFile>;
  } catch {
    throw usageError(`${path} is not a resume file (not JSON).`);
  }
  if (
    parsed.format !== RESUME_FILE_FORMAT ||
    parsed.version !== 1 ||
    !Array.isArray(parsed.receivers) ||
    parsed.receivers.some((id) => typeof id !== 'string') ||
    parsed.message === null ||
    typeof parsed.message !== 'object'
  ) {
    throw usageError(
      `${path} is not a resume file written by \`nestjs-viber broadcast\` (format ${RESUME_FILE_FORMAT}, version 1).`,
    );
  }
  return parsed as ResumeFile;
}

/** Marks a resume file as used: renames it to `<path>.done`. */
export async function markResumed(path: string): Promise<string> {
  const done = `${path}${RESUMED_SUFFIX}`;
  await rename(path, done);
  return done;
}
