import { readFileSync } from 'node:fs';

/** A V8 CPU profile (`--cpu-prof` output), as far as it is read here. */
interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    hitCount?: number;
  }>;
  samples?: number[];
  timeDeltas?: number[];
}

/** One function's share of the samples. */
export interface ProfileFrame {
  name: string;
  where: string;
  selfPercent: number;
}

/** Where a frame comes from, shortened to the package or the repo file. */
function shortUrl(url: string): string {
  if (!url) return '(native)';
  const path = url.replace(/^file:\/\//, '');
  const modules = path.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const rest = path.slice(modules + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (path.startsWith('node:')) return path;
  const repo = path.indexOf('/libs/');
  return repo >= 0 ? path.slice(repo + 1) : path.split('/').slice(-2).join('/');
}

/** The top functions by self time, and the share of each package or repo file. */
export function summarizeProfile(
  file: string,
  top = 15,
): { frames: ProfileFrame[]; byOrigin: Array<{ origin: string; selfPercent: number }> } {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const hits = new Map<number, number>();
  for (const sample of profile.samples ?? []) hits.set(sample, (hits.get(sample) ?? 0) + 1);
  let total = 0;
  const byFrame = new Map<string, ProfileFrame & { hits: number }>();
  const byOrigin = new Map<string, number>();
  for (const node of profile.nodes) {
    const count = hits.get(node.id) ?? node.hitCount ?? 0;
    if (count === 0) continue;
    const name = node.callFrame.functionName || '(anonymous)';
    if (name === '(idle)' || name === '(program)') continue;
    total += count;
    const where = `${shortUrl(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`;
    const key = `${name}@${where}`;
    const entry = byFrame.get(key) ?? { name, where, selfPercent: 0, hits: 0 };
    entry.hits += count;
    byFrame.set(key, entry);
    const origin =
      name === '(garbage collector)' ? '(garbage collector)' : shortUrl(node.callFrame.url);
    byOrigin.set(origin, (byOrigin.get(origin) ?? 0) + count);
  }
  const frames = [...byFrame.values()]
    .sort((a, b) => b.hits - a.hits)
    .slice(0, top)
    .map(({ name, where, hits: count }) => ({
      name,
      where,
      selfPercent: (100 * count) / total,
    }));
  const origins = [...byOrigin.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([origin, count]) => ({ origin, selfPercent: (100 * count) / total }));
  return { frames, byOrigin: origins };
}
