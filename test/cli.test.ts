import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { VERBS } from '../lab/cli.js';
import { lab, removeScratch, scratch } from './helpers.js';

const dirs: string[] = [];
after(() => dirs.forEach(removeScratch));
function dir(files: Record<string, string> = {}): string {
  const d = scratch(files);
  dirs.push(d);
  return d;
}

describe('the lab command line', () => {
  it('refuses a lab vpn or lab openstack it cannot run with exit 2 and what to write, before looking for a lab', async () => {
    const cases: [string[], RegExp][] = [
      [['vpn', 'show'], /lab: write lab vpn demo, not lab vpn show/],
      [['vpn', 'demo', '--driver', 'cisco'], /lab: --driver cisco: write --driver reference or --driver csr/],
      [
        ['vpn', 'demo', '--delete', '--driver', 'csr'],
        /--delete removes the demo whatever its driver: leave out --driver/,
      ],
      [['openstack'], /lab: give the client its command, e\.g\. lab openstack vpn service list/],
    ];
    for (const [args, message] of cases) {
      const result = await lab(args, { cwd: dir({ localrc: 'LAB_NAME=cli\n' }) });
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
      assert.equal(result.stdout, '');
    }
    const help = await lab(['vpn', '--help'], { cwd: dir() });
    assert.match(help.stdout, /Usage: lab vpn demo \[--driver reference\|csr\] \[--delete\]/);
  });

  it('shows general help with --help, and lists the verbs', async () => {
    const result = await lab(['--help'], { cwd: dir() });
    assert.equal(result.code, 0);
    assert.match(result.stdout, /Usage: lab \[--localrc PATH\] <verb>/);
    assert.match(result.stdout, /config\s+render the config files/);
  });

  it('shows help for every verb, global options included, and runs nothing', async () => {
    const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const general = await lab(['--help'], { cwd: dir() });
    const listed = /^Verbs:\n((?: {2}\S+ .*\n)+)/m.exec(general.stdout)?.[1] ?? '';
    assert.deepEqual(
      listed
        .trimEnd()
        .split('\n')
        .map((l) => l.trim().split(' ')[0]),
      VERBS.map((v) => v.name),
      'general help lists every verb',
    );
    for (const verb of VERBS) {
      const cwd = dir();
      const result = await lab([verb.name, '--help'], { cwd });
      assert.equal(result.code, 0, `lab ${verb.name} --help: ${result.stderr}`);
      assert.equal(result.stderr, '', `lab ${verb.name} --help`);
      assert.ok(verb.usage.startsWith(`lab ${verb.name}`), `the usage of ${verb.name} names it: ${verb.usage}`);
      assert.match(result.stdout, new RegExp(`^Usage: ${escape(verb.usage)}$`, 'm'));
      assert.match(result.stdout, new RegExp(`^${escape(verb.summary)}$`, 'm'));
      for (const [name, option] of Object.entries(verb.options)) {
        const flag = `${option.short ? `-${option.short}, ` : ''}--${name}${option.type === 'string' ? ` ${option.valueName ?? 'VALUE'}` : ''}`;
        assert.match(
          result.stdout,
          new RegExp(`^ {2}${escape(flag)} +${escape(option.description)}$`, 'm'),
          `lab ${verb.name} --help names ${flag}`,
        );
      }
      assert.match(
        result.stdout,
        /^ {2}--localrc PATH +a DevStack localrc or local\.conf/m,
        `lab ${verb.name} --help names --localrc`,
      );
      assert.match(result.stdout, /^ {2}-h, --help +show help$/m, `lab ${verb.name} --help names --help`);
      assert.deepEqual(fs.readdirSync(cwd), [], `lab ${verb.name} --help runs nothing`);
    }
  });

  it('exits 2 with usage for no verb, an unknown verb, an unknown option or a stray argument', async () => {
    const cwd = dir();
    const none = await lab([], { cwd });
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no verb given/);
    const unknown = await lab(['confg'], { cwd });
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown verb "confg"; did you mean "config"\?/);
    const option = await lab(['config', '--colour'], { cwd });
    assert.equal(option.code, 2);
    assert.match(option.stderr, /Unknown option '--colour'/);
    const stray = await lab(['config', 'extra'], { cwd });
    assert.equal(stray.code, 2);
    assert.match(stray.stderr, /lab config takes no arguments, got "extra"/);
    assert.equal(fs.existsSync(path.join(cwd, '.lab')), false);
  });
});

describe('lab config with no localrc', () => {
  it('renders the embedded default: service_plugins, the default provider, extensions and device driver, no clear password', async () => {
    const cwd = dir();
    const result = await lab(['config'], { cwd });
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stdout,
      /no --localrc, \.\/local\.conf or \.\/localrc: using the embedded default localrc\.example/,
    );
    assert.match(result.stdout, /==> \.\/\.lab\/lab\/etc\/neutron\/neutron\.conf\n.*in q-svc, q-agt and q-vpn /);
    assert.match(result.stdout, /^service_plugins = router,vpnaas$/m);
    assert.match(
      result.stdout,
      /==> \.\/\.lab\/lab\/etc\/neutron\/neutron_vpnaas\.conf[\s\S]*^service_provider = VPN:strongswan:neutron_vpnaas\.services\.vpn\.service_drivers\.ipsec\.IPsecVPNDriver:default$/m,
    );
    assert.match(result.stdout, /==> \.\/\.lab\/lab\/etc\/neutron\/l3_agent\.ini[\s\S]*^extensions = vpnaas$/m);
    assert.match(
      result.stdout,
      /^vpn_device_driver = neutron_vpnaas\.services\.vpn\.device_drivers\.strongswan_ipsec\.StrongSwanDriver$/m,
    );
    assert.match(result.stdout, /transport_url = rabbit:\/\/stackrabbit:\*{8}@rabbit:5672\//);
    const passwords = fs.readFileSync(path.join(cwd, '.lab', 'lab', 'passwords'), 'utf8');
    for (const [, value] of passwords.matchAll(/^[A-Z_]+=(.+)$/gm)) {
      assert.ok(
        value && !result.stdout.includes(value) && !result.stderr.includes(value),
        'a generated password is printed',
      );
    }
    assert.equal(result.stderr, '', 'the default config gives no warning');
  });

  it('masks passwords in --json the same way, and shows them with --show-secrets', async () => {
    const cwd = dir({ localrc: 'DATABASE_PASSWORD=s3cret-db\nRABBIT_PASSWORD=s3cret-mq\n' });
    const masked = await lab(['config', '--json'], { cwd });
    assert.equal(masked.code, 0, masked.stderr);
    assert.doesNotMatch(masked.stdout, /s3cret/);
    const json = JSON.parse(masked.stdout) as { variables: Record<string, { value: string }> };
    assert.equal(json.variables.DATABASE_PASSWORD?.value, '********');
    const shown = await lab(['config', '--json', '--show-secrets'], { cwd });
    assert.match(shown.stdout, /s3cret-db/);
    assert.match(shown.stdout, /rabbit:\/\/stackrabbit:s3cret-mq@rabbit/);
  });
});
