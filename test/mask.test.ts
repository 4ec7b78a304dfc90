// Secrets are never printed: not in `lab config --json` (where JSON escapes them), not in
// the text output, not in an error message; nor a password written by hand into a URL.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { MASK, maskKnownSecrets, maskSecrets, maskValue, registerSecrets } from '../lab/mask.js';
import { lab, removeScratch, scratch } from './helpers.js';

const dirs: string[] = [];
after(() => dirs.forEach(removeScratch));

// One secret each with a quote, a backslash, a tab and "@": what JSON or a URL escapes.
const SECRETS = {
  DATABASE_PASSWORD: 'q"uote-d',
  RABBIT_PASSWORD: 'back\\slash',
  STRONGSWAN_PSK: 'tab\there',
  CSR_PASSWORD: 'p@ss@word',
};
const LOCALRC = [
  'LAB_NAME=masked',
  `DATABASE_PASSWORD='${SECRETS.DATABASE_PASSWORD}'`,
  `RABBIT_PASSWORD='${SECRETS.RABBIT_PASSWORD}'`,
  "STRONGSWAN_PSK=$'tab\\there'",
  `CSR_PASSWORD='${SECRETS.CSR_PASSWORD}'`,
].join('\n');
// A password typed into a URL, holding "@": masked up to the last "@" before the host.
const LOCAL_CONF = `[[local|localrc]]\n${LOCALRC}\n[[post-config|$NEUTRON_CONF]]\n[database]\nconnection = mysql+pymysql://root:by@hand@mysql/neutron\n`;

/** Every form in which a secret could leak: as it is, URL-encoded, JSON-escaped. */
function leaks(output: string, secrets: string[]): string[] {
  const forms = secrets.flatMap((s) => [s, encodeURIComponent(s), JSON.stringify(s).slice(1, -1)]);
  return forms.filter((form) => output.includes(form));
}

describe('masking values', () => {
  it('masks a URL password holding "@" up to the last "@" before the host, and leaves ports alone', () => {
    assert.equal(maskSecrets('mysql+pymysql://root:p@ss@host/db', []), `mysql+pymysql://root:${MASK}@host/db`);
    assert.equal(maskSecrets('rabbit://u:a@b@rabbit:5672/ and more', []), `rabbit://u:${MASK}@rabbit:5672/ and more`);
    assert.equal(maskSecrets('GET http://127.0.0.1:9696/v2.0/x@y', []), 'GET http://127.0.0.1:9696/v2.0/x@y');
  });

  it('masks a secret inside text that was JSON, where its quote, backslash or tab is escaped', () => {
    const text = JSON.stringify({ a: 'q"x', b: 'b\\x', c: 't\tx' });
    assert.equal(maskSecrets(text, ['q"x', 'b\\x', 't\tx']), `{"a":"${MASK}","b":"${MASK}","c":"${MASK}"}`);
  });

  it('masks every string of a value, deep, and keeps the rest', () => {
    const value = {
      list: ['x s3"cr\\et y', { deep: 's3"cr\\et' }],
      n: 3,
      ok: true,
      none: null,
      url: `u=${encodeURIComponent('s3"cr\\et')}`,
    };
    assert.deepEqual(maskValue(value, ['s3"cr\\et']), {
      list: [`x ${MASK} y`, { deep: MASK }],
      n: 3,
      ok: true,
      none: null,
      url: `u=${MASK}`,
    });
  });

  it('masks the secrets registered for this run in any text', () => {
    registerSecrets(['reg"istered', '']);
    assert.equal(maskKnownSecrets('lab: failed: reg"istered and reg\\"istered'), `lab: failed: ${MASK} and ${MASK}`);
  });
});

describe('masking in lab config', () => {
  const cwd = scratch({ 'local.conf': LOCAL_CONF });
  dirs.push(cwd);

  it('prints no secret in --json, however JSON escapes it', async () => {
    const result = await lab(['config', '--json'], { cwd });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(leaks(result.stdout, [...Object.values(SECRETS), 'by@hand']), []);
    const json = JSON.parse(result.stdout) as {
      variables: Record<string, { value: string }>;
      files: { name: string; content: string }[];
    };
    for (const name of Object.keys(SECRETS)) assert.equal(json.variables[name]?.value, MASK, name);
    const neutron = json.files.find((f) => f.name === 'neutron.conf')?.content ?? '';
    assert.match(neutron, /^connection = mysql\+pymysql:\/\/root:\*{8}@mysql\/neutron$/m);
  });

  it('prints no secret in the text output', async () => {
    const result = await lab(['config'], { cwd });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(leaks(result.stdout + result.stderr, [...Object.values(SECRETS), 'by@hand']), []);
    assert.match(result.stdout, /^connection = mysql\+pymysql:\/\/root:\*{8}@mysql\/neutron$/m);
  });

  it('still shows them with --show-secrets', async () => {
    const result = await lab(['config', '--json', '--show-secrets'], { cwd });
    const json = JSON.parse(result.stdout) as { variables: Record<string, { value: string }> };
    assert.equal(json.variables.STRONGSWAN_PSK?.value, SECRETS.STRONGSWAN_PSK);
  });
});

describe('masking in error messages', () => {
  it('masks a secret an error message quotes', async () => {
    const cwd = scratch({ localrc: `DATABASE_PASSWORD='p@ss"w\\rd'\nQ_PORT="$DATABASE_PASSWORD"\n` });
    dirs.push(cwd);
    const result = await lab(['config'], { cwd });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /localrc line 2: Q_PORT="\*{8}" is not a whole number/);
    assert.deepEqual(leaks(result.stderr, ['p@ss"w\\rd']), []);
  });
});
