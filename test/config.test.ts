// `lab config` end to end through the real CLI and bash: how a localrc and a local.conf are read.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fixture, lab, readRendered, removeScratch, scratch } from './helpers.js';
import { DEFAULT_RELEASE, RELEASES, releaseByName } from '../lab/config/release.js';

const dirs: string[] = [];
after(() => dirs.forEach(removeScratch));
function dir(files: Record<string, string>): string {
  const d = scratch(files);
  dirs.push(d);
  return d;
}

interface JsonConfig {
  labName: string;
  enabledServices: string[];
  ignoredServices: string[];
  variables: Record<string, { value: string | null; from: string }>;
  vpn: {
    key: string;
    values: { value: string; from: string }[];
    replaced: { value: string; from: string }[];
    note?: string;
  }[];
  files: { name: string; path: string; content: string; services: string[] }[];
  warnings: { where: string; message: string }[];
}

async function configJson(cwd: string, args: string[] = [], env: Record<string, string> = {}): Promise<JsonConfig> {
  const result = await lab(['config', '--json', ...args], { cwd, env });
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as JsonConfig;
}

describe('reading a localrc like DevStack', () => {
  it('handles quoting, ${VAR:-default}, comments and multi-line values', async () => {
    const cwd = dir({ localrc: fixture('quoting.localrc') });
    const result = await lab(['config', '--show-secrets'], { cwd });
    assert.equal(result.code, 0, result.stderr);
    const neutron = readRendered(cwd, 'quoted', 'etc/neutron/neutron.conf');
    assert.match(neutron, /^bind_port = 9797$/m);
    // The single-quoted password kept its `$x`, and is URL-encoded inside the transport URL.
    assert.match(neutron, /^transport_url = rabbit:\/\/rabbit:p%40ss%3Aw%2Frd%20%24x@rabbit:5672\/$/m);
    assert.match(neutron, /^connection = mysql\+pymysql:\/\/root:db-quoted@mysql\/neutron\?charset=utf8$/m);
    const vpnaas = readRendered(cwd, 'quoted', 'etc/neutron/neutron_vpnaas.conf');
    assert.deepEqual(
      vpnaas.split('\n').filter((l) => l.startsWith('service_provider')),
      [
        'service_provider = VPN:mine:my_driver.service.MyDriver:default',
        'service_provider = VPN:strongswan:neutron_vpnaas.services.vpn.service_drivers.ipsec.IPsecVPNDriver',
      ],
    );
  });

  it('lets the localrc see exported variables, and uses the environment when the localrc sets nothing', async () => {
    const cwd = dir({ localrc: fixture('quoting.localrc') });
    const viaDefault = await configJson(cwd, [], { LAB_TEST_PORT: '9800' });
    assert.equal(viaDefault.variables.Q_PORT?.value, '9800');
    assert.match(viaDefault.variables.Q_PORT?.from ?? '', /localrc line 6/);

    const fallback = dir({ localrc: 'LAB_NAME=envlab\n' });
    const fromEnv = await configJson(fallback, [], { Q_PORT: '9811', IPSEC_PACKAGE: 'libreswan' });
    assert.equal(fromEnv.variables.Q_PORT?.value, '9811');
    assert.match(fromEnv.variables.Q_PORT?.from ?? '', /environment/);
    const driver = fromEnv.vpn.find((s) => s.key === 'vpn_device_driver');
    assert.deepEqual(
      driver?.values.map((v) => v.value),
      ['neutron_vpnaas.services.vpn.device_drivers.libreswan_ipsec.LibreSwanDriver'],
    );

    const overriding = dir({ localrc: 'Q_PORT=9822\n' });
    const fromLocalrc = await configJson(overriding, [], { Q_PORT: '9811' });
    assert.equal(fromLocalrc.variables.Q_PORT?.value, '9822');
    assert.match(fromLocalrc.variables.Q_PORT?.from ?? '', /localrc line 1/);
  });

  it('runs enable_service, disable_service, disable_all_services and ENABLED_SERVICES+=,-x as DevStack does', async () => {
    const cwd = dir({ localrc: fixture('services.localrc') });
    const result = await lab(['config', '--json'], { cwd });
    assert.equal(result.code, 0, result.stderr);
    const config = JSON.parse(result.stdout) as JsonConfig;
    // rabbit stays disabled after disable_service (DevStack refuses to re-enable it), mysql was negated, q-l3 is q-vpn.
    assert.deepEqual(config.enabledServices, ['q-svc', 'q-vpn', 'q-agt']);
    assert.deepEqual(config.ignoredServices, ['horizon']);
    assert.match(result.stderr, /localrc line 5: enable_service rabbit: rabbit was disabled earlier/);
    assert.match(result.stderr, /DevStack services lab does not run are ignored: horizon/);
  });

  it('uses a plain localrc over [[local|localrc]] of a local.conf beside it, says so, and still applies its post-config', async () => {
    const cwd = dir({
      localrc: 'LAB_NAME=fromlocalrc\n',
      'local.conf':
        '[[local|localrc]]\nLAB_NAME=fromlocalconf\n[[post-config|$NEUTRON_CONF]]\n[DEFAULT]\napi_workers = 3\n',
    });
    const result = await lab(['config'], { cwd });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /lab "fromlocalrc"/);
    assert.match(
      result.stdout,
      /note: \.\/localrc and \[\[local\|localrc\]\] in \.\/local\.conf \(line 1\) both exist: using \.\/localrc/,
    );
    assert.match(readRendered(cwd, 'fromlocalrc', 'etc/neutron/neutron.conf'), /^api_workers = 3$/m);
    assert.equal(fs.existsSync(path.join(cwd, '.lab', 'fromlocalconf')), false);
  });

  it('names the local.conf line of a setting made under [[local|localrc]]', async () => {
    const cwd = dir({ 'local.conf': '# my lab\n\n[[local|localrc]]\nLAB_NAME=lines\n\nQ_PORT=9833\n' });
    const config = await configJson(cwd);
    assert.equal(config.variables.Q_PORT?.from, './local.conf line 6');
    assert.equal(config.variables.LAB_NAME?.from, './local.conf line 4');
  });

  it('takes --localrc before or after the verb, for a localrc or a local.conf anywhere', async () => {
    const elsewhere = dir({ 'my.conf': '[[local|localrc]]\nLAB_NAME=elsewhere\n' });
    const cwd = dir({});
    const before = await lab(['--localrc', path.join(elsewhere, 'my.conf'), 'config'], { cwd });
    const afterVerb = await lab(['config', `--localrc=${path.join(elsewhere, 'my.conf')}`], { cwd });
    assert.equal(before.code, 0, before.stderr);
    assert.equal(afterVerb.code, 0, afterVerb.stderr);
    assert.match(before.stdout, /lab "elsewhere"/);
    assert.equal(before.stdout, afterVerb.stdout);
    // The lab directory is beside the localrc, as DevStack keeps its state beside stack.sh.
    assert.ok(fs.existsSync(path.join(elsewhere, '.lab', 'elsewhere', 'etc', 'neutron', 'neutron.conf')));
  });
});

describe('post-config sections', () => {
  it('renders two service_provider lines of [[post-config|$NEUTRON_VPNAAS_CONF]] both, in order', async () => {
    const cwd = dir({ 'local.conf': fixture('two-providers.local.conf') });
    const config = await configJson(cwd);
    const vpnaas = config.files.find((f) => f.name === 'neutron_vpnaas.conf');
    assert.deepEqual(
      vpnaas?.content.split('\n').filter((l) => l.startsWith('service_provider')),
      [
        'service_provider = VPN:mine:my_driver.service.MyDriver:default',
        'service_provider = VPN:strongswan:neutron_vpnaas.services.vpn.service_drivers.ipsec.IPsecVPNDriver',
      ],
    );
    const providers = config.vpn.find((s) => s.key === 'service_provider');
    assert.deepEqual(
      providers?.values.map((v) => v.from),
      [
        './local.conf line 9 [[post-config|$NEUTRON_VPNAAS_CONF]]',
        './local.conf line 10 [[post-config|$NEUTRON_VPNAAS_CONF]]',
      ],
    );
    // The default provider is what they replaced, and lab says so.
    assert.deepEqual(
      providers?.replaced.map((v) => v.from),
      ['default'],
    );
  });

  it('keeps every value of a multi-valued option and the last body for a single-valued one', async () => {
    const cwd = dir({ 'local.conf': fixture('two-providers.local.conf') });
    const config = await configJson(cwd);
    const l3 = config.files.find((f) => f.name === 'l3_agent.ini')?.content ?? '';
    assert.deepEqual(
      l3.split('\n').filter((l) => l.startsWith('vpn_device_driver')),
      [
        'vpn_device_driver = my_driver.device.MyDeviceDriver',
        'vpn_device_driver = neutron_vpnaas.services.vpn.device_drivers.strongswan_ipsec.StrongSwanDriver',
      ],
    );
    const neutron = config.files.find((f) => f.name === 'neutron.conf')?.content ?? '';
    // `debug` is given twice in two [DEFAULT] blocks of one body: a multi-valued option, both kept, in order.
    assert.deepEqual(
      neutron.split('\n').filter((l) => l.startsWith('debug')),
      ['debug = False', 'debug = True'],
    );
    assert.match(
      config.files.find((f) => f.name === 'ml2_conf.ini')?.content ?? '',
      /^mechanism_drivers = openvswitch,l2population$/m,
    );
  });

  it('lets a later post-config section win for a single-valued key', async () => {
    const cwd = dir({
      'local.conf':
        '[[post-config|$NEUTRON_CONF]]\n[DEFAULT]\napi_workers = 2\n[[post-config|$NEUTRON_CONF]]\n[DEFAULT]\napi_workers = 4\n',
    });
    const config = await configJson(cwd);
    const neutron = config.files.find((f) => f.name === 'neutron.conf')?.content ?? '';
    assert.deepEqual(
      neutron.split('\n').filter((l) => l.startsWith('api_workers')),
      ['api_workers = 4'],
    );
  });

  it('warns about and skips a section whose file lab does not render, as DevStack does', async () => {
    const cwd = dir({
      'local.conf': '[[post-config|$NOVA_CONF]]\n[DEFAULT]\nx = 1\n[[post-config|$UNSET_VARIABLE]]\n[DEFAULT]\ny = 2\n',
    });
    const result = await lab(['config'], { cwd });
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stderr,
      /\.\/local\.conf line 1: \[\[post-config\|\$NOVA_CONF\]\] expands to nothing; section skipped/,
    );
    assert.match(
      result.stderr,
      /\.\/local\.conf line 4: \[\[post-config\|\$UNSET_VARIABLE\]\] expands to nothing; section skipped/,
    );
    assert.doesNotMatch(result.stdout, /^x = 1$/m);
  });

  it('expands a header variable the localrc defines', async () => {
    const cwd = dir({
      'local.conf':
        '[[local|localrc]]\nMY_CONF=/etc/neutron/neutron.conf\n[[post-config|$MY_CONF]]\n[DEFAULT]\napi_workers = 5\n',
    });
    const config = await configJson(cwd);
    assert.match(config.files.find((f) => f.name === 'neutron.conf')?.content ?? '', /^api_workers = 5$/m);
  });
});

describe('the service_plugins precedence rule', () => {
  it('lets a post-config service_plugins win over the default, says so, and warns when vpnaas is missing', async () => {
    const cwd = dir({ 'local.conf': '[[post-config|$NEUTRON_CONF]]\n[DEFAULT]\nservice_plugins = router\n' });
    const result = await lab(['config', '--json'], { cwd });
    assert.equal(result.code, 0, result.stderr);
    const config = JSON.parse(result.stdout) as JsonConfig;
    const plugins = config.vpn.find((s) => s.key === 'service_plugins');
    assert.deepEqual(
      plugins?.values.map((v) => v.value),
      ['router'],
    );
    assert.match(
      plugins?.note ?? '',
      /service_plugins at \.\/local\.conf line 3 .* wins over the default Q_SERVICE_PLUGIN_CLASSES/,
    );
    assert.match(
      result.stderr,
      /"router" has no vpnaas: every \/v2\.0\/vpn request will answer 404; add vpnaas to Q_SERVICE_PLUGIN_CLASSES/,
    );
  });

  it('lets Q_SERVICE_PLUGIN_CLASSES set in localrc win over post-config, as DevStack does, and says so', async () => {
    const cwd = dir({
      'local.conf':
        '[[local|localrc]]\nQ_SERVICE_PLUGIN_CLASSES=router,vpnaas\n[[post-config|$NEUTRON_CONF]]\n[DEFAULT]\nservice_plugins = router\n',
    });
    const result = await lab(['config'], { cwd });
    assert.equal(result.code, 0, result.stderr);
    assert.match(readRendered(cwd, 'lab', 'etc/neutron/neutron.conf'), /^service_plugins = router,vpnaas$/m);
    assert.match(
      result.stdout,
      /Q_SERVICE_PLUGIN_CLASSES \(\.\/local\.conf line 2\) wins over service_plugins at \.\/local\.conf line 5 .*, as in DevStack/,
    );
    assert.match(result.stdout, /replaced: router\n\s+from \.\/local\.conf line 5/);
  });
});

describe('generated passwords', () => {
  it('generates unset passwords once per lab, keeps them 0600 in the lab directory and reuses them', async () => {
    const cwd = dir({ localrc: 'LAB_NAME=pw\n' });
    const first = await configJson(cwd, ['--show-secrets']);
    const second = await configJson(cwd, ['--show-secrets']);
    const password = first.variables.DATABASE_PASSWORD?.value ?? '';
    assert.match(password, /^[0-9a-f]{24}$/);
    assert.equal(second.variables.DATABASE_PASSWORD?.value, password);
    assert.notEqual(first.variables.RABBIT_PASSWORD?.value, password);
    assert.match(
      first.variables.DATABASE_PASSWORD?.from ?? '',
      /generated once for this lab, kept in \.\/\.lab\/pw\/passwords/,
    );
    const store = path.join(cwd, '.lab', 'pw', 'passwords');
    assert.equal(fs.statSync(store).mode & 0o777, 0o600);
    assert.match(fs.readFileSync(store, 'utf8'), new RegExp(`^DATABASE_PASSWORD=${password}$`, 'm'));
    assert.match(readRendered(cwd, 'pw', 'etc/neutron/neutron.conf'), new RegExp(`root:${password}@mysql`));

    const other = dir({ localrc: 'LAB_NAME=pw2\n' });
    const otherLab = await configJson(other, ['--show-secrets']);
    assert.notEqual(otherLab.variables.DATABASE_PASSWORD?.value, password);
  });

  it('uses a password the localrc sets and generates none for it', async () => {
    const cwd = dir({ localrc: 'DATABASE_PASSWORD=mine\nRABBIT_PASSWORD=alsomine\n' });
    const config = await configJson(cwd, ['--show-secrets']);
    assert.equal(config.variables.DATABASE_PASSWORD?.value, 'mine');
    const stored = fs.readFileSync(path.join(cwd, '.lab', 'lab', 'passwords'), 'utf8');
    assert.doesNotMatch(stored, /^(DATABASE|RABBIT)_PASSWORD=/m);
    assert.match(stored, /^STRONGSWAN_PSK=[0-9a-f]{24}$/m, 'the others are still generated');
  });
});

describe('classes an enable_plugin directory must hold', () => {
  it('warns before anything starts when no enable_plugin directory holds a driver module', async () => {
    const cwd = dir({
      localrc: 'NEUTRON_VPNAAS_DEVICE_DRIVER=my_driver.device.MyDriver\nenable_plugin mine ./mine\n',
      'mine/my_driver/__init__.py': '',
      'mine/my_driver/other.py': '',
    });
    const result = await lab(['config'], { cwd });
    assert.equal(result.code, 0);
    assert.match(
      result.stderr,
      /variable NEUTRON_VPNAAS_DEVICE_DRIVER: my_driver\.device\.MyDriver cannot be imported: no enable_plugin directory \(.*mine\) holds my_driver\/device\.py/,
    );
    fs.writeFileSync(path.join(cwd, 'mine', 'my_driver', 'device.py'), '');
    assert.doesNotMatch((await lab(['config'], { cwd })).stderr, /cannot be imported/);
  });
});

describe('the OpenStack release', () => {
  it('is the default when the localrc names none, and the base image follows its suite', async () => {
    const json = await configJson(dir({ localrc: 'LAB_NAME=rel\n' }));
    const release = releaseByName(DEFAULT_RELEASE);
    assert.equal(json.variables.OPENSTACK_RELEASE?.value, release.name);
    assert.equal(json.variables.OPENSTACK_RELEASE?.from, 'default');
    assert.equal(json.variables.LAB_BASE_IMAGE?.value, `debian:${release.suite}-slim`);
  });

  it('is OPENSTACK_RELEASE from the localrc, an alias too, or from the environment', async () => {
    const named = await configJson(dir({ localrc: 'LAB_NAME=rel\nOPENSTACK_RELEASE=2025.1\n' }));
    assert.equal(named.variables.OPENSTACK_RELEASE?.value, '2025.1');
    assert.match(named.variables.OPENSTACK_RELEASE?.from ?? '', /localrc line 2/);
    assert.equal(named.variables.LAB_BASE_IMAGE?.value, 'debian:trixie-slim');
    const alias = await configJson(dir({ localrc: 'OPENSTACK_RELEASE=2022.2\n' }));
    assert.equal(alias.variables.OPENSTACK_RELEASE?.value, 'zed');
    assert.equal(alias.variables.LAB_BASE_IMAGE?.value, 'debian:bookworm-slim');
    const env = await configJson(dir({ localrc: 'LAB_NAME=rel\n' }), [], { OPENSTACK_RELEASE: 'zed' });
    assert.equal(env.variables.OPENSTACK_RELEASE?.value, 'zed');
    assert.equal(env.variables.OPENSTACK_RELEASE?.from, 'the environment (exported, not set in localrc)');
    assert.equal(env.variables.LAB_BASE_IMAGE?.value, 'debian:bookworm-slim');
  });

  it('on 2026.1: forky, IKEv2 for the peer (its strongSwan has no IKEv1), q-svc as neutron-api, rpc-server and periodic workers', async () => {
    const cwd = dir({ localrc: 'LAB_NAME=rel\nOPENSTACK_RELEASE=2026.1\n' });
    const json = await configJson(cwd);
    assert.equal(json.variables.LAB_BASE_IMAGE?.value, 'debian:forky-slim');
    assert.equal(json.variables.STRONGSWAN_IKE_VERSION?.value, '2');
    assert.equal(json.variables.STRONGSWAN_IKE_VERSION?.from, 'default');
    const shown = await lab(['config'], { cwd });
    assert.match(
      shown.stdout,
      /^OpenStack 2026\.1 \(Debian forky \(testing\), from \.\/localrc line 2\); q-svc runs neutron-api \(uWSGI\), neutron-rpc-server, neutron-periodic-workers; L2 agent: Open vSwitch/m,
    );
    const older = await lab(['config'], { cwd: dir({ localrc: 'LAB_NAME=rel\nOPENSTACK_RELEASE=zed\n' }) });
    assert.match(older.stdout, /^OpenStack zed .*; q-svc runs neutron-server; L2 agent: Linux bridge/m);
  });

  it("is what DevStack's NEUTRON_BRANCH names, saying so", async () => {
    for (const [branch, release] of [
      ['stable/zed', 'zed'],
      ['zed-eol', 'zed'],
      ['unmaintained/2025.1', '2025.1'],
      ['stable/2025.1', '2025.1'],
      ['master', RELEASES[0]?.name],
    ]) {
      const json = await configJson(dir({ localrc: `LAB_NAME=rel\nNEUTRON_BRANCH=${branch}\n` }));
      assert.equal(json.variables.OPENSTACK_RELEASE?.value, release, branch);
      assert.match(
        json.variables.OPENSTACK_RELEASE?.from ?? '',
        new RegExp(`NEUTRON_BRANCH=${branch}.*line 2`),
        branch,
      );
    }
  });

  it('refuses a release lab does not run, a branch naming none, two that disagree, and IKEv1 where strongSwan has none, before anything is written', async () => {
    const cases: [string, RegExp][] = [
      [
        'OPENSTACK_RELEASE=2026.1\nSTRONGSWAN_IKE_VERSION=1\n',
        /localrc line 2: STRONGSWAN_IKE_VERSION=1, but the strongSwan of 2026\.1 \(Debian forky \(testing\)\) is built without IKEv1: .*Write STRONGSWAN_IKE_VERSION=2/,
      ],
      [
        'OPENSTACK_RELEASE=2024.2\n',
        /localrc line 1: OPENSTACK_RELEASE="2024.2" is not a release lab runs: write one of 2026\.1, 2025\.1, epoxy, zed, 2022\.2/,
      ],
      ['NEUTRON_BRANCH=stable/yoga\n', /localrc line 1: NEUTRON_BRANCH="stable\/yoga" names no release lab runs/],
      [
        'OPENSTACK_RELEASE=zed\nNEUTRON_BRANCH=stable/2025.1\n',
        /localrc line 1: OPENSTACK_RELEASE=zed and NEUTRON_BRANCH=stable\/2025\.1 \(\.\/localrc line 2\) name different releases \(zed, 2025\.1\): keep one of them/,
      ],
    ];
    for (const [localrc, message] of cases) {
      const cwd = dir({ localrc });
      const result = await lab(['config'], { cwd });
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, message);
      assert.equal(fs.existsSync(path.join(cwd, '.lab')), false, 'no lab directory made');
    }
  });
});
