import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ViberBroadcastResult } from 'nestjs-viber';
import { markResumed, readResumeFile, sortOutcome, writeBroadcastFiles } from './broadcast-files';

const result: ViberBroadcastResult = {
  total: 9,
  requests: 4,
  sent: 2,
  message_tokens: ['1'],
  failed_list: [
    { receiver: 'not-subscribed', status: 6, status_message: 'Not subscribed' },
    { receiver: 'never-left', status: -1, status_message: 'connect ECONNREFUSED' },
    { receiver: 'rate-limited', status: 12, status_message: 'tooManyRequests' },
    { receiver: 'stopped', status: -2, status_message: 'not sent: the broadcast was stopped' },
    { receiver: 'odd, "name"', status: 5, status_message: 'Not found, at all' },
  ],
  uncertain_list: ['maybe-1', 'maybe-2'],
  aborted: true,
};

describe('broadcast files (resume, uncertain, failed)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'nestjs-viber-broadcast-files-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('sorts every receiver: never sent (resumable), refused by Viber, uncertain', () => {
    expect(sortOutcome(result)).toEqual({
      resumable: ['never-left', 'rate-limited', 'stopped'],
      refused: [result.failed_list[0], result.failed_list[4]],
      uncertain: ['maybe-1', 'maybe-2'],
    });
  });

  it('writes the three files, reads the resume file back, and uses it once', async () => {
    const prefix = join(dir, 'run');
    const message = { type: 'text' as const, text: 'Hi', sender: { name: 'Bot' } };
    const files = await writeBroadcastFiles(prefix, sortOutcome(result), {
      apiUrl: 'http://127.0.0.1:3001/pa',
      message,
      total: 9,
    });
    expect(files).toEqual({
      resume: `${prefix}.resume.json`,
      uncertain: `${prefix}.uncertain.csv`,
      failed: `${prefix}.failed.csv`,
    });
    expect(readFileSync(files.uncertain!, 'utf8')).toBe('receiver\nmaybe-1\nmaybe-2\n');
    expect(readFileSync(files.failed!, 'utf8')).toBe(
      'receiver,status,status_name,status_message\n' +
        'not-subscribed,6,receiverNotSubscribed,Not subscribed\n' +
        '"odd, ""name""",5,receiverNotRegistered,"Not found, at all"\n',
    );
    const resume = await readResumeFile(files.resume!);
    expect(resume).toMatchObject({
      format: 'nestjs-viber/broadcast-resume',
      version: 1,
      apiUrl: 'http://127.0.0.1:3001/pa',
      message,
      total: 9,
      receivers: ['never-left', 'rate-limited', 'stopped'],
    });
    expect(await markResumed(files.resume!)).toBe(`${files.resume}.done`);
    expect(existsSync(files.resume!)).toBe(false);
    await expect(readResumeFile(files.resume!)).rejects.toThrow('was already resumed');
  });

  it('writes nothing for a broadcast that reached everyone', async () => {
    const files = await writeBroadcastFiles(
      join(dir, 'ok'),
      { resumable: [], refused: [], uncertain: [] },
      { apiUrl: 'x', message: { type: 'text', text: 'x' }, total: 1 },
    );
    expect(files).toEqual({});
  });

  it('refuses a file that is not a resume file', async () => {
    const path = join(dir, 'ids.csv');
    writeFileSync(path, 'a\nb\n');
    await expect(readResumeFile(path)).rejects.toThrow('is not a resume file (not JSON)');
    writeFileSync(path, '{"receivers":[]}');
    await expect(readResumeFile(path)).rejects.toThrow('is not a resume file written by');
  });
});
