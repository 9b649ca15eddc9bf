// The local store's status paths: DEL builds them from CNI_ARGS alone, so they must stay under DIR/status.
import { LocalStore } from '../../../src/local/local-store.js';

describe('LocalStore.statusPath', () => {
  const store = new LocalStore('/srv/store');

  it('is DIR/status/<namespace>/<name>.json', () => {
    expect(store.statusPath('telco', 'upf-0')).toBe('/srv/store/status/telco/upf-0.json');
  });

  it.each([
    ['../../../etc', 'passwd'],
    ['default', '../x'],
    ['..', 'x'],
    ['default', '.'],
    ['', 'x'],
    ['a/b', 'x'],
  ])('refuses namespace %j, name %j', (ns, name) => {
    expect(() => store.statusPath(ns, name)).toThrow('is not a pod namespace or name');
  });
});
