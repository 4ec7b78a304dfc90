import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../lab/errors.js';
import { localrcScript, looksLikeLocalConf, parseLocalConf, postConfigSections } from '../lab/localrc/localconf.js';

const sample = [
  '# a comment before any section is fine',
  '[[local|localrc]]',
  'LAB_NAME=one',
  '[[post-config|$NEUTRON_CONF]]',
  '[DEFAULT]',
  'debug = False',
  '[[local|localrc]]',
  'Q_PORT=9797',
].join('\n');

describe('local.conf meta-sections', () => {
  it('splits the file into sections with their header lines and bodies', () => {
    const conf = parseLocalConf(sample, 'local.conf');
    assert.deepEqual(
      conf.sections.map((s) => [s.phase, s.file, s.headerLine, s.body.map((b) => b.line)]),
      [
        ['local', 'localrc', 2, [3]],
        ['post-config', '$NEUTRON_CONF', 4, [5, 6]],
        ['local', 'localrc', 7, [8]],
      ],
    );
    assert.deepEqual(
      postConfigSections(conf).map((s) => s.file),
      ['$NEUTRON_CONF'],
    );
    assert.deepEqual(conf.warnings, []);
  });

  it("joins every [[local|localrc]] body into one script whose line numbers are the file's", () => {
    const script = localrcScript(parseLocalConf(sample, 'local.conf')).split('\n');
    assert.equal(script[2], 'LAB_NAME=one');
    assert.equal(script[7], 'Q_PORT=9797');
    assert.equal(script[5], '', 'post-config lines are not bash');
  });

  it('recognises a local.conf by its headers', () => {
    assert.equal(looksLikeLocalConf(sample), true);
    assert.equal(looksLikeLocalConf('Q_PORT=1\n# [[not a header]] inside a comment\n'), false);
  });

  const malformed: [string, RegExp][] = [
    [
      '[[post-config|$NEUTRON_CONF',
      /line 2: unterminated meta-section header "\[\[post-config\|\$NEUTRON_CONF": close it with "\]\]"/,
    ],
    ['[[post-config]]', /line 2: malformed meta-section header "\[\[post-config\]\]": write \[\[phase\|file\]\]/],
    ['[[ local | localrc ]]', /line 2: .*has spaces inside/],
    ['  [[local|localrc]]', /line 2: .*must start at the beginning of the line/],
    ['[[local|localrc]] extra', /line 2: .*nothing may follow/],
  ];
  for (const [header, expected] of malformed) {
    it(`rejects the header ${JSON.stringify(header)} with its line`, () => {
      assert.throws(
        () => parseLocalConf(`[[local|localrc]]\n${header}\nX=1\n`, 'local.conf'),
        (error: unknown) => {
          assert.ok(error instanceof InputError);
          assert.match(error.message, expected);
          assert.match(error.message, /^local\.conf line 2: /);
          return true;
        },
      );
    });
  }

  it('warns about phases lab does not act on and about text outside any section', () => {
    const conf = parseLocalConf(
      'stray=1\n[[test-config|$TEMPEST_CONFIG]]\n[x]\n[[bogus|file]]\n[[local|other]]\n',
      'local.conf',
    );
    assert.deepEqual(
      conf.warnings.map((w) => w.where),
      ['local.conf line 1', 'local.conf line 2', 'local.conf line 4', 'local.conf line 5'],
    );
    assert.match(conf.warnings[1]?.message ?? '', /test-config phase has no meaning in lab/);
    assert.match(conf.warnings[2]?.message ?? '', /unknown phase "bogus"/);
    assert.match(conf.warnings[3]?.message ?? '', /write \[\[local\|localrc\]\]/);
  });
});
