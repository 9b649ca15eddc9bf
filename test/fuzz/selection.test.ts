// Fuzzing the pod's network selection (k8s.v1.cni.cncf.io/networks, and the default-network override, which is
// read by the same parser): whatever a pod author writes, braid answers with valid selections or a CNI error 7.
import fc from 'fast-check';
import { ErrorCode } from '../../src/cni/errors.js';
import { boundsProblem } from '../../src/core/bounds.js';
import { SELECTION_FIELDS, type SelectionElement } from '../../src/core/selection-fields.js';
import { nadNameProblem, namespaceProblem, parseSelections } from '../../src/core/selection.js';
import { anyText, label, mutated, mutatedText, nastyKey, jsonOf, expand } from './arbitraries.js';
import { check, must, outcome, TIMEOUT } from './fuzz-config.js';
import {
  hostileAnnotation,
  jsonAnnotation,
  SELECTION_KEYS,
  SHORT_ALPHABET,
  shortAnnotation,
  shortElement,
} from './selections.js';

const POD_NS = 'pod-ns';

/** What a selection braid accepted must be: a valid name and namespace, every field within bounds and valid. */
function expectValid(sels: SelectionElement[], podNs: string): void {
  for (const s of sels) {
    must(typeof s.name === 'string' && !nadNameProblem(s.name), () => `bad name ${JSON.stringify(s.name)}`);
    must(
      s.namespace === podNs || (typeof s.namespace === 'string' && !namespaceProblem(s.namespace)),
      () => `bad namespace ${JSON.stringify(s.namespace)}`,
    );
    for (const f of SELECTION_FIELDS) {
      const v = s[f.key];
      if (v === undefined) continue;
      must(!boundsProblem(v), `field ${f.key} out of bounds`);
      must(!f.check(v), `field ${f.key} accepted though its check fails`);
    }
  }
}

/**
 * The property every input must hold: valid selections or a CniError 7 (never a TypeError, RangeError or a slow
 * parse), warnings only when the whole value parses, and what parsed reads the same once written out again.
 */
function holds(text: string, podNs = POD_NS): void {
  const warnings: string[] = [];
  const out = outcome(() => parseSelections(expand(text), podNs, warnings), [ErrorCode.InvalidConfig]);
  if (!out.ok) {
    must(warnings.length === 0, 'warnings from a value that did not parse');
    return;
  }
  expectValid(out.value, podNs);
  must(
    warnings.every((w) => typeof w === 'string' && w !== ''),
    'a warning that is not a sentence',
  );
  // Round trip: the selections written out as the JSON form parse to themselves, without warnings. The pod's own
  // namespace is left out, as an author would (the runtime's namespace is not held to the author's rules).
  const written = out.value.map(({ namespace, ...rest }) => (namespace === podNs ? rest : { ...rest, namespace }));
  const again: string[] = [];
  const reread = parseSelections(JSON.stringify(written), podNs, again);
  expect(reread).toEqual(out.value);
  must(again.length === 0, () => `re-reading warned: ${again.join('; ')}`);
}

describe('fuzz: the networks annotation', () => {
  it(
    'any text: valid selections or error 7',
    () => {
      check(fc.property(anyText, (t) => holds(t)));
    },
    TIMEOUT,
  );

  it(
    'text made of the short form alphabet',
    () => {
      check(fc.property(fc.string({ unit: fc.constantFrom(...SHORT_ALPHABET), maxLength: 40 }), (t) => holds(t)));
    },
    TIMEOUT,
  );

  it(
    'valid short forms with characters inserted, deleted or replaced',
    () => {
      check(
        fc.property(
          mutatedText(
            shortAnnotation.map((a) => a.text),
            SHORT_ALPHABET,
          ),
          (t) => holds(t),
        ),
      );
    },
    TIMEOUT,
  );

  it(
    'valid JSON forms with characters inserted, deleted or replaced',
    () => {
      check(
        fc.property(
          mutatedText(
            jsonAnnotation.map((a) => JSON.stringify(a)),
            '[]{}",:\\ a0-./',
          ),
          (t) => holds(t),
        ),
      );
    },
    TIMEOUT,
  );

  it(
    'valid JSON forms with values and keys replaced by hostile ones',
    () => {
      check(fc.property(mutated(jsonAnnotation, nastyKey(SELECTION_KEYS)), (v) => holds(jsonOf(v))));
    },
    TIMEOUT,
  );

  it(
    'valid elements with some keys set to hostile values',
    () => {
      check(fc.property(hostileAnnotation, (a) => holds(jsonOf(a))));
    },
    TIMEOUT,
  );

  it(
    'any pod namespace from the runtime',
    () => {
      check(fc.property(jsonAnnotation, fc.string({ maxLength: 70 }), (a, podNs) => holds(JSON.stringify(a), podNs)));
    },
    TIMEOUT,
  );

  it(
    'valid JSON forms parse to what they say',
    () => {
      check(
        fc.property(jsonAnnotation, (a) => {
          const sels = parseSelections(JSON.stringify(a), POD_NS);
          const want = a.map((e) => ({ ...e, namespace: e.namespace ?? POD_NS }));
          expect(sels).toEqual(JSON.parse(JSON.stringify(want)));
        }),
      );
    },
    TIMEOUT,
  );

  it(
    'the short form and the JSON form of the same selections parse the same',
    () => {
      check(
        fc.property(shortAnnotation, ({ text, elements }) => {
          expect(parseSelections(text, POD_NS)).toEqual(parseSelections(JSON.stringify(elements), POD_NS));
        }),
      );
    },
    TIMEOUT,
  );

  it(
    'a parsed short form, written out again, parses the same',
    () => {
      check(
        fc.property(fc.array(shortElement, { minLength: 1, maxLength: 4 }), label, (els, podNs) => {
          const text = els.map(
            (e) => `${e.namespace ? `${e.namespace}/` : ''}${e.name}${e.interface ? `@${e.interface}` : ''}`,
          );
          const sels = parseSelections(text.join(','), podNs);
          const written = sels.map((s) => `${s.namespace}/${s.name}${s.interface ? `@${s.interface}` : ''}`).join(', ');
          expect(parseSelections(written, 'elsewhere')).toEqual(sels);
        }),
      );
    },
    TIMEOUT,
  );
});
