import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { groupEntries, IniDocument, parseIniBody } from '../lab/config/ini.js';
import type { Origin } from '../lab/config/origin.js';

const lab: Origin = { kind: 'lab', note: 'test' };
const post = (line: number): Origin => ({ kind: 'post-config', file: 'local.conf', line, header: '$NEUTRON_CONF' });

describe('IniDocument, with DevStack ini-config semantics', () => {
  it('iniset creates the file and section, and puts a new option right after the header', () => {
    const doc = new IniDocument();
    doc.set('DEFAULT', 'a', '1', lab);
    doc.set('DEFAULT', 'b', '2', lab);
    doc.set('agent', 'c', '3', lab);
    assert.equal(doc.toString(), '[DEFAULT]\nb = 2\na = 1\n\n[agent]\nc = 3\n');
  });

  it('iniset replaces an existing option in place and remembers what it replaced', () => {
    const doc = new IniDocument();
    doc.append('DEFAULT', 'a', '1', lab);
    doc.append('DEFAULT', 'b', '2', lab);
    doc.set('DEFAULT', 'a', '9', post(3));
    assert.equal(doc.toString(), '[DEFAULT]\na = 9\nb = 2\n');
    assert.deepEqual(doc.history, [
      { section: 'DEFAULT', key: 'a', replaced: [{ value: '1', origin: lab }], by: [{ value: '9', origin: post(3) }] },
    ]);
  });

  it('iniset_multiline drops every line of the option and writes each value in order', () => {
    const doc = new IniDocument();
    doc.append('service_providers', 'service_provider', 'old', lab);
    doc.append('service_providers', 'other', 'x', lab);
    doc.setMulti('service_providers', 'service_provider', [
      { value: 'one', origin: post(1) },
      { value: 'two', origin: post(2) },
    ]);
    assert.equal(doc.toString(), '[service_providers]\nservice_provider = one\nservice_provider = two\nother = x\n');
    assert.deepEqual(
      doc.getAll('service_providers', 'service_provider').map((v) => v.value),
      ['one', 'two'],
    );
  });

  it('iniadd keeps the existing values and adds new ones; inicomment and inidelete act on one section only', () => {
    const doc = new IniDocument();
    doc.append('a', 'k', '1', lab);
    doc.append('b', 'k', 'other', lab);
    doc.add('a', 'k', [{ value: '2', origin: lab }]);
    assert.deepEqual(
      doc.getAll('a', 'k').map((v) => v.value),
      ['1', '2'],
    );
    doc.comment('a', 'k');
    assert.equal(doc.toString(), '[a]\n#k = 1\n#k = 2\n\n[b]\nk = other\n');
    doc.delete('b', 'k');
    assert.equal(doc.get('b', 'k'), undefined);
  });

  it('lookup groups sections as oslo.config does: [AGENT] and [agent] are one group', () => {
    const doc = new IniDocument();
    doc.append('AGENT', 'extensions', 'vpnaas', lab);
    doc.append('agent', 'extensions', 'fwaas', post(4));
    assert.deepEqual(
      doc.lookup('agent', 'extensions').map((v) => `${v.section}:${v.value}`),
      ['AGENT:vpnaas', 'agent:fwaas'],
    );
  });
});

describe('post-config bodies', () => {
  it('reads sections and options, skips comments and blanks, and reports what it cannot read', () => {
    const body = parseIniBody([
      { line: 1, text: 'orphan = 1' },
      { line: 2, text: '[DEFAULT]' },
      { line: 3, text: '# a comment' },
      { line: 4, text: '' },
      { line: 5, text: 'debug=False' },
      { line: 6, text: 'this is not ini' },
      { line: 7, text: 'url = rabbit://a:b@c:5672/?x=y' },
    ]);
    assert.deepEqual(
      body.orphans.map((e) => e.key),
      ['orphan'],
    );
    assert.deepEqual(body.unreadable, [{ line: 6, text: 'this is not ini' }]);
    assert.deepEqual(
      body.entries.map((e) => [e.section, e.key, e.value, e.line]),
      [
        ['DEFAULT', 'debug', 'False', 5],
        ['DEFAULT', 'url', 'rabbit://a:b@c:5672/?x=y', 7],
      ],
    );
  });

  it('groups a key given several times in one section into one multi-valued option, in order', () => {
    const groups = groupEntries(
      parseIniBody([
        { line: 1, text: '[service_providers]' },
        { line: 2, text: 'service_provider = A' },
        { line: 3, text: 'other = x' },
        { line: 4, text: 'service_provider = B' },
      ]).entries,
    );
    assert.deepEqual(
      groups.map((g) => [g.key, g.entries.map((e) => e.value)]),
      [
        ['service_provider', ['A', 'B']],
        ['other', ['x']],
      ],
    );
  });
});
