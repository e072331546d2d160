import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import * as promClient from 'prom-client';
import type { PromClientModule } from './prom-client.types';
import { VIBER_METRICS, ViberMetrics } from './viber-metrics';

const ROOT = join(__dirname, '..', '..', '..', '..', '..');
const names: string[] = Object.values(VIBER_METRICS).map((metric) => metric.name);

/** The metric names a text mentions (histogram series suffixes removed). */
function mentioned(text: string): string[] {
  return [...new Set(text.match(/\bviber_[a-z_]+/g) ?? [])].map((name) =>
    name.replace(/_(bucket|sum|count)$/, ''),
  );
}

describe('the viber_* metrics', () => {
  it('follow Prometheus naming: viber_ prefix, snake case, _total counters, base unit seconds', async () => {
    expect(new Set(names).size).toBe(names.length);
    const registry = new Registry();
    ViberMetrics.of(promClient as unknown as PromClientModule, registry);
    const registered = await registry.getMetricsAsJSON();
    expect(registered.map((metric) => metric.name).sort()).toEqual([...names].sort());
    for (const metric of registered) {
      expect(metric.name).toMatch(/^viber_[a-z]+(_[a-z]+)*$/);
      if (metric.type === ('counter' as never)) expect(metric.name).toMatch(/_total$/);
      else expect(metric.name).not.toMatch(/_total$/);
      if (metric.type === ('histogram' as never)) expect(metric.name).toMatch(/_seconds$/);
    }
  });

  it('one registry gets its metrics once, however many bots use it', () => {
    const registry = new Registry();
    const prom = promClient as unknown as PromClientModule;
    expect(ViberMetrics.of(prom, registry)).toBe(ViberMetrics.of(prom, registry));
  });

  it('the README and the Grafana dashboard only query metrics that exist', () => {
    // The README's own section (SQL examples elsewhere name tables such as viber_subscriber).
    const readme = /^## Health, metrics and traces$[\s\S]*?(?=^## )/m.exec(
      readFileSync(join(ROOT, 'README.md'), 'utf8'),
    )![0];
    expect(readme).toContain('viber_callbacks_total');
    const dashboard = readFileSync(join(ROOT, 'docs/grafana/nestjs-viber-dashboard.json'), 'utf8');
    expect(mentioned(readme).filter((name) => !names.includes(name))).toEqual([]);
    expect(mentioned(dashboard).filter((name) => !names.includes(name))).toEqual([]);
    const panels = (JSON.parse(dashboard) as { panels: Array<{ targets: unknown[] }> }).panels;
    expect(panels.length).toBeGreaterThan(0);
  });
});
