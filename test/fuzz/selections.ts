// Valid network selections (NPWG §4.1) for the fuzz suite, in both annotation forms; shared by the annotation,
// delegate and plan properties.
import fc from 'fast-check';
import { PASSED_OVER_FIELDS, SELECTION_FIELDS } from '../../src/core/selection-fields.js';
import {
  define,
  guid,
  ifname,
  ipOrCidr,
  label,
  mac,
  nastyKey,
  nastyValue,
  smallObject,
  subdomain,
} from './arbitraries.js';

/** One element, as a pod author writes it in the JSON form (keys in braid's spelling). */
export const selectionElement: fc.Arbitrary<Record<string, unknown>> = fc.record(
  {
    name: subdomain,
    namespace: label,
    interface: ifname,
    ips: fc.array(ipOrCidr, { maxLength: 3 }),
    mac,
    'default-route': fc.array(fc.oneof(fc.ipV4(), fc.ipV6()), { maxLength: 1 }),
    'cni-args': smallObject,
    bandwidth: smallObject,
    portMappings: fc.array(smallObject, { maxLength: 2 }),
    'infiniband-guid': guid,
    deviceID: fc.string({ maxLength: 12 }),
  },
  { requiredKeys: ['name'] },
);

/** Every key a selection element may carry, as the NPWG and Multus spell it. */
export const SELECTION_KEYS: readonly string[] = [
  'name',
  'namespace',
  ...SELECTION_FIELDS.flatMap((f) => [f.key, ...(f.aliases ?? [])]),
  ...PASSED_OVER_FIELDS,
];

export const jsonAnnotation = fc.array(selectionElement, { maxLength: 4 });

/** A valid element with some of its keys (known ones, in any case, or hostile ones) set to hostile values. */
export const hostileElement: fc.Arbitrary<Record<string, unknown>> = fc
  .tuple(selectionElement, fc.array(fc.tuple(nastyKey(SELECTION_KEYS), nastyValue), { minLength: 1, maxLength: 3 }))
  .map(([e, bad]) => {
    const out: Record<string, unknown> = { ...e };
    for (const [k, v] of bad) define(out, k, v);
    return out;
  });

export const hostileAnnotation = fc.array(fc.oneof(selectionElement, hostileElement), { minLength: 1, maxLength: 3 });

/** The short form, "ns/name@if, …", with the whitespace Multus trims. */
export const shortElement = fc.record(
  { name: subdomain, namespace: label, interface: ifname },
  { requiredKeys: ['name'] },
);

const space = fc.constantFrom('', ' ', '  ', '\t');

export const shortAnnotation: fc.Arbitrary<{ text: string; elements: Array<Record<string, string>> }> = fc
  .array(fc.tuple(shortElement, space, space, space), { minLength: 1, maxLength: 4 })
  .map((items) => ({
    text: items
      .map(
        ([e, a, b, c]) =>
          `${a}${e.namespace ? `${e.namespace}${b}/${c}` : ''}${e.name}${e.interface ? `${b}@${c}${e.interface}` : ''}${a}`,
      )
      .join(','),
    elements: items.map(([e]) => e as Record<string, string>),
  }));

export const SHORT_ALPHABET = 'az09-./@, \t"[]{}:\\\u0000é';
