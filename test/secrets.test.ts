// How the user's passwords and PSK are written where the services read them: the encoders
// of the containers' start scripts (run here with the host's bash, the functions alone),
// the client launcher that hands the PSK to Neutron, and the URLs of neutron.conf.
// test/secrets.e2e.test.ts runs the same values against the real services.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { packagePath } from '../lab/paths.js';
import type { Engine } from '../lab/engine.js';
import { LAUNCHER, OpenStackClient, secretArgument } from '../lab/vpn/client.js';
import { lab, readRendered, removeScratch, scratch } from './helpers.js';

/** The printable characters the issue names, and the ones each file's syntax could trip on. */
const AWKWARD = `a"b'c\\d$e f`;
const VALUES = [
  AWKWARD,
  '$HOME ${X} $$ `id` $(id)',
  '# not a comment; } { = ,',
  '  edge spaces  ',
  'tab\there',
  'é ü 日本 🔑',
  '0x1234', // swanctl would decode a secret written as it is
  '0sQUJD',
  'a'.repeat(40), // od squeezes repeated lines without -v
  '-starts-with-a-dash',
  "''\\'\\\\'",
];

/** Runs FUNCTION ARGS of a compose start script, sourced (which runs none of its main), with ENV. */
function scriptFunction(script: string, fn: string, args: string[], env: Record<string, string> = {}): string {
  const run = `source "$1" && shift && ${fn} "$@"`;
  return execFileSync('bash', ['--norc', '--noprofile', '-c', run, 'bash', packagePath('compose', script), ...args], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    encoding: 'utf8',
  });
}

describe('the strongSwan PSK in swanctl.conf', () => {
  it('is written as 0x and the hex of its UTF-8 bytes, whatever it holds', () => {
    for (const value of VALUES) {
      assert.equal(
        scriptFunction('strongswan/lab-strongswan-start', 'hex_secret', [value]),
        `0x${Buffer.from(value, 'utf8').toString('hex')}`,
        JSON.stringify(value),
      );
    }
  });

  it('renders the whole connection with the secret encoded', () => {
    const conf = scriptFunction('strongswan/lab-strongswan-start', 'swanctl_conf', [], {
      STRONGSWAN_LOCAL_SUBNET: '10.2.0.0/24',
      STRONGSWAN_REMOTE_SUBNET: '10.0.0.0/24',
      STRONGSWAN_PSK: AWKWARD,
      STRONGSWAN_LOCAL_ID: '172.24.4.10',
    });
    assert.equal(
      conf.split('\n').slice(-6).join('\n'),
      [
        'secrets {',
        '    ike-lab-peer {',
        `        secret = 0x${Buffer.from(AWKWARD).toString('hex')}`,
        '    }',
        '}',
        '',
      ].join('\n'),
    );
    assert.match(conf, /^ {12}id = 172\.24\.4\.10$/m);
    assert.match(conf, /^ {16}local_ts = 10\.2\.0\.0\/24$/m);
    assert.doesNotMatch(conf, /a"b/);
  });
});

describe("RabbitMQ's default user in advanced.config", () => {
  it('is an Erlang binary of the bytes of each value', () => {
    for (const value of VALUES) {
      assert.equal(
        scriptFunction('rabbit/lab-rabbit-start', 'erlang_binary', [value]),
        `<<${[...Buffer.from(value, 'utf8')].join(',')}>>`,
        JSON.stringify(value),
      );
    }
  });

  it('renders the user and password as one term', () => {
    const config = scriptFunction('rabbit/lab-rabbit-start', 'advanced_config', [], {
      RABBIT_USERID: 'us er',
      RABBIT_PASSWORD: `"\\$`,
    });
    assert.equal(config, '[{rabbit, [{default_user, <<117,115,32,101,114>>}, {default_pass, <<34,92,36>>}]}].\n');
  });
});

describe("MariaDB's user and password in SQL", () => {
  it('are string literals with backslash and quote doubled', () => {
    const expected: [string, string][] = [
      [AWKWARD, `'a"b''c\\\\d$e f'`],
      ["''\\'\\\\'", `'''''\\\\''\\\\\\\\'''`],
      ['é 日本', "'é 日本'"],
      ['$(id) `id`', "'$(id) `id`'"],
    ];
    for (const [value, literal] of expected)
      assert.equal(scriptFunction('mysql/lab-mysql-start', 'quote', [value]), literal, JSON.stringify(value));
  });

  it('renders the statements with both quoted, and nothing of the values run by bash', () => {
    const sql = scriptFunction('mysql/lab-mysql-start', 'user_sql', [], {
      DATABASE_USER: "o'neil",
      DATABASE_PASSWORD: '$(touch /tmp/x) \\',
    });
    assert.equal(
      sql,
      [
        'CREATE DATABASE IF NOT EXISTS neutron CHARACTER SET utf8;',
        "CREATE USER IF NOT EXISTS 'o''neil'@'%' IDENTIFIED BY '$(touch /tmp/x) \\\\';",
        "ALTER USER 'o''neil'@'%' IDENTIFIED BY '$(touch /tmp/x) \\\\';",
        "GRANT ALL PRIVILEGES ON *.* TO 'o''neil'@'%' WITH GRANT OPTION;",
        'FLUSH PRIVILEGES;',
        '',
      ].join('\n'),
    );
  });
});

describe('the PSK handed to Neutron by the OpenStack client', () => {
  const dir = scratch({
    'openstackclient/__init__.py': '',
    'openstackclient/shell.py':
      'import json, sys\ndef main(args):\n    sys.stdout.write(json.dumps(args))\n    return 0\n',
  });
  after(() => removeScratch(dir));

  it('reaches the client whole, as the value of --psk=, even when it starts with "-"', () => {
    for (const value of VALUES) {
      const out = execFileSync('python3', ['-c', LAUNCHER, 'vpn', `--psk=${secretArgument('psk')}`, '--name', 'x'], {
        env: { PATH: process.env.PATH ?? '', PYTHONPATH: dir, LAB_SECRET_PSK: value },
        encoding: 'utf8',
      });
      assert.deepEqual(JSON.parse(out), ['vpn', `--psk=${value}`, '--name', 'x'], JSON.stringify(value));
    }
  });

  it('is shown masked in the command lab prints', () => {
    const client = new OpenStackClient({} as Engine, 'q-svc', { psk: AWKWARD });
    assert.equal(
      client.show(['vpn', 'create', `--psk=${secretArgument('psk')}`, '--name', 'a b']),
      "vpn create --psk=******** --name 'a b'",
    );
  });
});

describe('the passwords and users in neutron.conf', () => {
  const dirs: string[] = [];
  after(() => dirs.forEach(removeScratch));

  it('are URL-encoded, so that no "$" is left for oslo.config to interpolate', async () => {
    const values = {
      DATABASE_USER: 'db user',
      DATABASE_PASSWORD: AWKWARD,
      RABBIT_USERID: "r'x",
      RABBIT_PASSWORD: '$state_path ${x} %24 @:/,',
    };
    const cwd = scratch({
      localrc: `LAB_NAME=enc\n${Object.entries(values)
        .map(([k, v]) => `${k}='${v.replace(/'/g, "'\\''")}'`)
        .join('\n')}\n`,
    });
    dirs.push(cwd);
    const result = await lab(['config'], { cwd });
    assert.equal(result.code, 0, result.stderr);
    const neutron = readRendered(cwd, 'enc', 'etc/neutron/neutron.conf');
    assert.match(
      neutron,
      /^transport_url = rabbit:\/\/r'x:%24state_path%20%24%7Bx%7D%20%2524%20%40%3A%2F%2C@rabbit:5672\/$/m,
    );
    assert.match(
      neutron,
      /^connection = mysql\+pymysql:\/\/db%20user:a%22b'c%5Cd%24e%20f@mysql\/neutron\?charset=utf8$/m,
    );
  });

  it('take any character RabbitMQ does, and a non-ASCII MariaDB user below U+10000', async () => {
    const cwd = scratch({
      localrc: "LAB_NAME=wide\nDATABASE_USER='dbé日'\nRABBIT_USERID='ré日'\nRABBIT_PASSWORD='pé日🔑'\n",
    });
    dirs.push(cwd);
    const result = await lab(['config'], { cwd });
    assert.equal(result.code, 0, result.stderr);
    const neutron = readRendered(cwd, 'wide', 'etc/neutron/neutron.conf');
    assert.match(neutron, /^transport_url = rabbit:\/\/r%C3%A9%E6%97%A5:p%C3%A9%E6%97%A5%F0%9F%94%91@rabbit:5672\/$/m);
    assert.match(neutron, /^connection = mysql\+pymysql:\/\/db%C3%A9%E6%97%A5:/m);
    const options = neutron.split('\n').filter((l) => /^(transport_url|connection) = /.test(l));
    assert.equal(options.length, 2);
    for (const line of options) assert.doesNotMatch(line, /\$/);
  });
});
