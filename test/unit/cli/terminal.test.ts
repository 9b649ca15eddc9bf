// Control characters from the cluster never reach an operator's terminal raw: a pod writes its own network-status, and
// NAD authors the names and configs shown, so an escape sequence there could clear the screen, hide a row or rewrite
// one. Tables and the other lines for people show them escaped; JSON and YAML keep the data exact, escaped too.
import { renderText } from '../../../src/cli/explain.js';
import { renderDaemon } from '../../../src/cli/explain-socket.js';
import { formatOutput } from '../../../src/cli/output.js';
import { networksTable, podNetworks, podsTable } from '../../../src/cli/pods.js';
import { formatTable, renderTable } from '../../../src/cli/table.js';
import { escapeControls } from '../../../src/cli/terminal.js';
import { parse as parseYaml } from 'yaml';

const STATUS = 'k8s.v1.cni.cncf.io/network-status';
const ESC = '\u001b';
/** What a hostile pod or NAD author could write: clear the screen, move up a line, CSI as one C1 character, … */
const HOSTILE = `a${ESC}[2J${ESC}[1Ab\r\u009b31m\u007f\u0000\u0085\u0007\tc\nd`;
const SHOWN = 'a\\u001b[2J\\u001b[1Ab\\r\\u009b31m\\u007f\\u0000\\u0085\\u0007\\tc\\nd';

/** Any C0 control but the newline that ends a line, DEL, or C1. */
// eslint-disable-next-line no-control-regex
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

describe('escapeControls', () => {
  it('C0, DEL and C1 as JSON writes them; everything else as it is', () => {
    expect(escapeControls(HOSTILE)).toBe(SHOWN);
    expect(escapeControls('telco/data é ✓ \\u001b')).toBe('telco/data é ✓ \\u001b');
    expect(escapeControls('\u00a0\u00ff')).toBe('\u00a0\u00ff'); // past C1: printable
  });
});

describe('formatTable', () => {
  it('escapes every cell, aligned by what is shown, one line per row', () => {
    const text = formatTable(
      ['A', 'B'],
      [
        [`x${ESC}[2J`, 'y'],
        ['z', `\r${ESC}[1A`],
      ],
    );
    expect(text).not.toMatch(RAW);
    expect(text.split('\n')).toEqual(['A           B', 'x\\u001b[2J  y', 'z           \\r\\u001b[1A', '']);
  });
});

describe("a pod's own network-status", () => {
  const pod = podNetworks({
    namespace: 'ns',
    name: 'spoof',
    annotations: {
      [STATUS]: JSON.stringify([
        { name: HOSTILE, interface: `eth0${ESC}[8m`, ips: [`10.0.0.2${ESC}[2K`], mac: `\u009b2J`, default: true },
      ]),
    },
  })!;

  it('kubectl braid pods: one row, every cell escaped', () => {
    const text = podsTable([pod], true);
    expect(text).not.toMatch(RAW);
    const rows = text.trimEnd().split('\n');
    expect(rows).toHaveLength(2);
    expect(rows[1]).toBe(`ns         spoof  eth0\\u001b[8m  ${SHOWN}  10.0.0.2\\u001b[2K  \\u009b2J  true`);
  });

  it("braid explain's network-status section", () => {
    expect(networksTable(pod)).not.toMatch(RAW);
    expect(networksTable(pod)).toContain(SHOWN);
  });
});

describe("braid explain's text", () => {
  const plan = {
    attachments: [
      {
        name: `ns/${HOSTILE}`,
        interface: 'net1',
        default: false,
        selection: { name: HOSTILE, mac: `${ESC}]0;title\u0007` },
        config: { cniVersion: `1.0.0${ESC}[2J`, name: 'x', type: `macvlan\u009b2K` },
      },
    ],
    warnings: [`network 1 ("${HOSTILE}"): unknown key`],
    errors: [`pod ns/p: network ns/${HOSTILE}: NetworkAttachmentDefinition not found`],
    networkStatus: [{ name: HOSTILE, interface: 'eth0', default: true }],
    hotplug: `edit the annotation${ESC}[2J`,
  };

  it('the plan, the network-status, hot-plug, errors and warnings: no control character raw', () => {
    const text = renderText(plan);
    expect(text).not.toMatch(RAW);
    const lines = text.trimEnd().split('\n');
    expect(lines.at(-2)).toBe(`error: pod ns/p: network ns/${SHOWN}: NetworkAttachmentDefinition not found`);
    expect(lines.at(-1)).toBe(`warning: network 1 ("${SHOWN}"): unknown key`);
    expect(renderTable(plan).split('\n')[1]).toMatch(
      /^net1\s+ns\/a\\u001b\[2J\S+\s+macvlan\\u009b2K {2}1\.0\.0\\u001b\[2J {2}mac="\\u001b]0;title\\u0007"$/,
    );
  });

  it("the daemon's part: sandbox, netns, and the annotation's parse error", () => {
    const text = renderDaemon({
      socket: '/run/braid/braid.sock',
      nodeConfig: '/etc/cni/net.d/00-braid.conflist',
      dynamicNetworks: true,
      sandboxes: [
        {
          containerId: `c1${ESC}[2J`,
          netns: `/var/run/netns/x\r`,
          hotplugging: false,
          attachments: [{ interface: 'net1', network: HOSTILE, default: false }],
          nextHotplug: { error: `cannot parse "${HOSTILE}"` },
        },
      ],
    });
    expect(text).not.toMatch(RAW);
    expect(text).toContain(`saved plan of sandbox c1\\u001b[2J (netns /var/run/netns/x\\r):`);
    expect(text).toContain(`next hot-plug: none, the annotation does not parse: cannot parse "${SHOWN}"`);
  });
});

describe('-o json and -o yaml', () => {
  const data = { pods: [{ name: HOSTILE, [`key${ESC}\u009b`]: ['\u007f', '\u0080\u009f'] }] };

  it('JSON: the same data, no control character raw', () => {
    const text = formatOutput(data, 'json', () => '');
    expect(text.trimEnd()).not.toMatch(RAW);
    expect(JSON.parse(text)).toEqual(data);
  });

  it('YAML: the same data, no control character raw', () => {
    const text = formatOutput(data, 'yaml', () => '');
    expect(text.trimEnd()).not.toMatch(RAW);
    expect(parseYaml(text)).toEqual(data);
  });
});
