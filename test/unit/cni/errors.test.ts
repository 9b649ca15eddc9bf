// CniError's context: structured (pod, network, plugin, places), merged from the inside out, rendered once.
import { CniError, ErrorCode } from '../../../src/cni/errors.js';

const base = () => new CniError(ErrorCode.InvalidConfig, 'master "eth9" not found', 'check the NAD');

describe('CniError context', () => {
  it.each([
    ['nothing', {}, 'master "eth9" not found'],
    ['a pod', { pod: 'ns/p' }, 'pod ns/p: master "eth9" not found'],
    ['a container when no pod is known', { container: 'c1' }, 'container c1: master "eth9" not found'],
    ['the pod rather than the container', { pod: 'ns/p', container: 'c1' }, 'pod ns/p: master "eth9" not found'],
    [
      'a network and its interface',
      { network: 'ns/mv', ifname: 'net1' },
      'network ns/mv (net1): master "eth9" not found',
    ],
    [
      'a plugin',
      { plugin: { type: 'macvlan', name: 'mv', command: 'ADD' } },
      'plugin type="macvlan" name="mv" failed (add): master "eth9" not found',
    ],
    [
      'places, outermost first',
      { where: ['NetworkAttachmentDefinition ns/mv', 'plugins[0]'] },
      'NetworkAttachmentDefinition ns/mv: plugins[0]: master "eth9" not found',
    ],
  ])('renders %s', (_what, context, message) => {
    const e = base().withContext(context);
    expect(e.message).toBe(message);
    expect(e.msg).toBe('master "eth9" not found');
    expect(e.toJSON('1.0.0')).toEqual({ cniVersion: '1.0.0', code: 7, msg: message, details: 'check the NAD' });
  });

  it('layers merge: the inner context wins, places add up outermost first, nothing is said twice', () => {
    const inner = base().withContext({
      plugin: { type: 'macvlan', name: 'mv', command: 'ADD' },
      where: ['plugins[0]'],
    });
    const outer = inner
      .withContext({ network: 'ns/mv', ifname: 'net1' })
      .withContext({ pod: 'ns/p', where: ['NAD ns/mv'] })
      .withContext({ pod: 'other/q' });
    expect(outer.context).toEqual({
      pod: 'ns/p',
      network: 'ns/mv',
      ifname: 'net1',
      plugin: { type: 'macvlan', name: 'mv', command: 'ADD' },
      where: ['NAD ns/mv', 'plugins[0]'],
    });
    expect(outer.message).toBe(
      'pod ns/p: network ns/mv (net1): plugin type="macvlan" name="mv" failed (add): NAD ns/mv: plugins[0]: master "eth9" not found',
    );
    expect(outer.code).toBe(ErrorCode.InvalidConfig);
  });
});
