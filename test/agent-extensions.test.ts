// The one "vpnaas in [AGENT] extensions" question, asked by the renderer's warnings, lab
// stack's wait for the driver line and lab check: pure over an l3_agent.ini document.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IniDocument } from '../lab/config/ini.js';
import type { Origin } from '../lab/config/origin.js';
import { renderedDocument } from '../lab/config/render.js';
import { agentExtensions } from '../lab/config/vpn.js';
import { loadLab } from '../lab/load.js';
import { removeScratch, scratch } from './helpers.js';

const lab: Origin = { kind: 'lab', note: 'test' };
const post: Origin = { kind: 'post-config', file: 'local.conf', line: 3, header: '$Q_L3_CONF_FILE' };

function l3(lines: [section: string, value: string, origin?: Origin][]): IniDocument {
  const doc = new IniDocument();
  for (const [section, value, origin] of lines) doc.append(section, 'extensions', value, origin ?? lab);
  return doc;
}

describe('vpnaas in [AGENT] extensions', () => {
  it('is there when vpnaas is one of the names, spaces around them or not', () => {
    assert.deepEqual(agentExtensions(l3([['AGENT', 'vpnaas']])), { value: 'vpnaas', names: ['vpnaas'], vpnaas: true });
    assert.deepEqual(agentExtensions(l3([['AGENT', 'fwaas_v2, vpnaas']])), {
      value: 'fwaas_v2, vpnaas',
      names: ['fwaas_v2', 'vpnaas'],
      vpnaas: true,
    });
  });

  it('is not when the option is empty, missing, or names others only', () => {
    assert.deepEqual(agentExtensions(l3([['AGENT', '']])), { value: '', names: [''], vpnaas: false });
    assert.deepEqual(agentExtensions(new IniDocument()), { value: '', names: [''], vpnaas: false });
    assert.equal(agentExtensions(l3([['AGENT', 'fwaas_v2,vpnaas_v2']])).vpnaas, false);
    assert.equal(agentExtensions(l3([['DEFAULT', 'vpnaas']])).vpnaas, false);
  });

  it('reads it as oslo.config does: the last line wins, [AGENT] and [agent] are one group', () => {
    assert.equal(
      agentExtensions(
        l3([
          ['AGENT', 'vpnaas'],
          ['agent', 'fwaas_v2', post],
        ]),
      ).vpnaas,
      false,
    );
    assert.equal(
      agentExtensions(
        l3([
          ['AGENT', ''],
          ['agent', 'vpnaas', post],
        ]),
      ).vpnaas,
      true,
    );
  });

  it('is asked of the rendered l3_agent.ini when a lab is loaded: a post-config override drops it, with a warning', async () => {
    const plainDir = scratch({ localrc: 'LAB_NAME=ext\n' });
    const overrideDir = scratch({
      'local.conf':
        '[[local|localrc]]\nLAB_NAME=ext\n[[post-config|$Q_L3_CONF_FILE]]\n[AGENT]\nextensions = fwaas_v2\n',
    });
    try {
      const plain = await loadLab({ localrc: `${plainDir}/localrc` });
      assert.equal(plain.config.agentLoadsVpnExtension, true);
      assert.equal(agentExtensions(renderedDocument(plain.rendering, 'l3_agent.ini')).value, 'vpnaas');
      const overridden = await loadLab({ localrc: `${overrideDir}/local.conf` });
      assert.equal(overridden.config.agentLoadsVpnExtension, false);
      assert.ok(
        overridden.rendering.warnings.some(
          (w) =>
            w.where === 'l3_agent.ini [AGENT] extensions' &&
            w.message.startsWith('"fwaas_v2" has no vpnaas: the agent runs but loads no VPN device driver'),
        ),
      );
    } finally {
      removeScratch(plainDir);
      removeScratch(overrideDir);
    }
  });
});
