// schemas/node-config.schema.json is the one source of the node keys: the docs table and the parser's defaults and
// aliases come from it (scripts/gen-schema-validator.mjs), so neither can drift from the schema.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JsonObject } from '../../../src/cni/types.js';
import {
  NODE_CONFIG_ALIASES,
  NODE_CONFIG_DEFAULTS,
  NODE_CONFIG_FIELDS,
} from '../../../src/core/generated/node-config-keys.js';
import { type NodeConfig, parseNodeConfig } from '../../../src/core/node-config.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

interface Property {
  description?: string;
  default?: unknown;
  type?: string;
  'x-alias-of'?: string;
  'x-raw-only'?: boolean;
}

const schema = JSON.parse(readFileSync(join(REPO, 'schemas/node-config.schema.json'), 'utf8')) as {
  properties: Record<string, Property>;
};
const props = Object.entries(schema.properties);
const schemaDefaults = Object.fromEntries(props.filter(([, p]) => 'default' in p).map(([k, p]) => [k, p.default]));
const parsedKeys = props.filter(([, p]) => !p['x-alias-of'] && !p['x-raw-only']).map(([k]) => k);

function withoutRaw(config: NodeConfig): JsonObject {
  const out: JsonObject = { ...config };
  delete out.raw;
  return out;
}

/** The generated key table of docs/configuration.md: key → its Multus aliases. */
function docsTable(): Map<string, string[]> {
  const text = readFileSync(join(REPO, 'docs/configuration.md'), 'utf8');
  const begin = text.indexOf('<!-- node-config keys:');
  const end = text.indexOf('<!-- end of node-config keys -->', begin);
  expect(begin).toBeGreaterThanOrEqual(0);
  expect(end).toBeGreaterThan(begin);
  const rows = new Map<string, string[]>();
  for (const line of text.slice(begin, end).split('\n').slice(3)) {
    if (!line.startsWith('|')) continue;
    const [key, alias] = line.split(' |').map((c) => c.replace(/^\|?\s*/, ''));
    const names = (cell: string | undefined) => [...(cell ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
    rows.set(names(key)[0]!, names(alias));
  }
  return rows;
}

describe('the node-config schema as the one source', () => {
  it('gives every key a description', () => {
    for (const [key, p] of props)
      expect([key, typeof p.description === 'string' && p.description.length > 0]).toEqual([key, true]);
  });

  it('has every key in the docs table: a row of its own, or an alias in the row of its key', () => {
    const table = docsTable();
    for (const [key, p] of props) {
      const alias = p['x-alias-of'];
      if (alias) expect([key, table.get(alias)]).toEqual([key, expect.arrayContaining([key])]);
      else expect([key, table.has(key)]).toEqual([key, true]);
    }
    expect(table.size).toBe(props.filter(([, p]) => !p['x-alias-of']).length);
  });

  it('generates the defaults, the parsed keys and the aliases from the schema', () => {
    expect(NODE_CONFIG_DEFAULTS).toEqual(schemaDefaults);
    expect(NODE_CONFIG_FIELDS).toEqual(parsedKeys);
    expect(NODE_CONFIG_ALIASES).toEqual(props.filter(([, p]) => p['x-alias-of']).map(([k, p]) => [k, p['x-alias-of']]));
  });

  it('fills exactly the schema defaults, and nothing for a key without one', () => {
    const parsed = withoutRaw(parseNodeConfig({ type: 'braid' }));
    expect(Object.keys(parsed).sort()).toEqual([...parsedKeys].sort());
    for (const key of parsedKeys) expect([key, parsed[key]]).toEqual([key, schemaDefaults[key]]);
  });

  it('parses the schema defaults, given explicitly, to what it fills in', () => {
    expect(withoutRaw(parseNodeConfig({ type: 'braid', ...schemaDefaults }))).toEqual(
      withoutRaw(parseNodeConfig({ type: 'braid' })),
    );
  });

  it('hands each call its own copy of a default list or object', () => {
    const first = parseNodeConfig({ type: 'braid' });
    first.defaultNetworks.push('mutated');
    first.runtimeConfig.mutated = true;
    const second = parseNodeConfig({ type: 'braid' });
    expect([second.defaultNetworks, second.runtimeConfig]).toEqual([[], {}]);
  });

  it.each(NODE_CONFIG_ALIASES)('reads the alias %s as %s', (alias, key) => {
    expect(parseNodeConfig({ type: 'braid', [alias]: 'x' })[key]).toBe('x');
  });
});
