import { ViberUsageError } from '../errors/viber-usage.error';

/**
 * Compiles an `@OnAction` pattern into a RegExp over the whole ActionBody:
 * `:name` is a named parameter (one `/`-separated segment), `*` matches anything (available as
 * parameter `'*'`), everything else is literal. `'buy/:sku'` matches `buy/42` with `sku = '42'`;
 * `'buy:*'` matches `buy:apple`.
 */
export function compileActionPattern(pattern: string): { regexp: RegExp; names: string[] } {
  const names: string[] = [];
  let source = '';
  const tokens = /:([A-Za-z_][A-Za-z0-9_]*)|\*|[^:*]+|:/g;
  for (const [token, name] of pattern.matchAll(tokens)) {
    if (name !== undefined) {
      if (names.includes(name))
        throw new ViberUsageError(`@OnAction('${pattern}') repeats parameter :${name}`);
      names.push(name);
      source += '([^/]+)';
    } else if (token === '*') {
      names.push('*');
      source += '(.*)';
    } else {
      source += token.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
    }
  }
  return { regexp: new RegExp(`^${source}$`, 's'), names };
}
