// `lab check` against real misconfigured labs: for each mistake users make, a localrc or
// local.conf that makes it, `lab stack` (warning, or failing with the diagnosis), and
// `lab check` naming the cause and the fix.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { packagePath } from '../lab/paths.js';
import { createTestLab, requireEngine, type TestLab } from './e2e-helpers.js';

interface Check {
  id: string;
  ok: boolean;
  evidence: string[];
  fix?: string;
}

const IPSEC_PROVIDER = 'VPN:strongswan:neutron_vpnaas.services.vpn.service_drivers.ipsec.IPsecVPNDriver:default';

describe('lab check against misconfigured labs', { timeout: 40 * 60_000 }, () => {
  let lab: TestLab;
  let base: string;

  const configure = (extra: string[], localConf?: string) => {
    lab.writeFile('localrc', [base, ...extra, ''].join('\n'));
    const conf = path.join(lab.dir, 'local.conf');
    if (localConf === undefined) fs.rmSync(conf, { force: true });
    else fs.writeFileSync(conf, localConf);
  };
  const check = async () => {
    const result = await lab.run(['check', '--json']);
    const parsed = JSON.parse(result.stdout) as { ok: boolean; checks: Check[] };
    return { code: result.code, ...parsed, failing: parsed.checks.filter((c) => !c.ok) };
  };

  before(async () => {
    await requireEngine();
    lab = await createTestLab('check', (name, port) => `LAB_NAME=${name}\nQ_PORT=${port}\n`);
    fs.cpSync(packagePath('test', 'fixtures', 'lab-test-driver'), path.join(lab.dir, 'my-driver'), { recursive: true });
    base =
      fs.readFileSync(path.join(lab.dir, 'localrc'), 'utf8').trim() +
      '\nENABLED_SERVICES=mysql,rabbit,q-svc,q-agt,q-vpn\nSCREEN_LOGDIR=./logs\nenable_plugin lab-test-driver ./my-driver';
    configure([]);
    const stack = await lab.run(['stack']);
    assert.equal(stack.code, 0, `${stack.stdout.slice(-2000)}\n${stack.stderr}`);
  });
  after(async () => {
    await lab?.dispose();
  });

  it('passes every check on a correct lab, the stevedore "Could not load" warning notwithstanding', async () => {
    const result = await check();
    assert.equal(result.code, 0, JSON.stringify(result.failing, null, 1));
    assert.ok(result.checks.length >= 7);
    const agentLog = fs.readFileSync(path.join(lab.dir, 'logs', 'screen-q-vpn.log'), 'utf8');
    assert.match(
      agentLog,
      /WARNING stevedore\.named .*Could not load neutron_vpnaas\.services\.vpn\.device_drivers\.strongswan_ipsec\.StrongSwanDriver/,
    );
    const text = await lab.run(['check']);
    assert.match(
      text.stdout,
      /^PASS {2}the VPN agent loaded the configured device driver\n {8}\.\/logs\/screen-q-vpn\.\d{4}-\d{2}-\d{2}-\d{6}\.log:\d+: .*Loaded VPNaaS device driver/m,
    );
  });

  it('says driver code changed since the services started, and which to restart (misconfiguration 10)', async () => {
    const file = path.join(lab.dir, 'my-driver', 'lab_test_driver', 'device.py');
    fs.appendFileSync(file, '\n# edited\n');
    const result = await check();
    assert.equal(result.code, 1);
    const code = result.failing.find((c) => c.id === 'code');
    assert.match(code?.evidence.join('\n') ?? '', /my-driver\/lab_test_driver\/device\.py changed after q-svc started/);
    assert.equal(code?.fix, 'the old code still runs: lab restart q-svc q-vpn');
    assert.equal((await lab.run(['restart', 'q-svc', 'q-vpn'])).code, 0);
    assert.equal((await check()).code, 0);
  });

  it('warns before starting and then names the 404 when vpnaas is not in service_plugins (1)', async () => {
    configure(['Q_SERVICE_PLUGIN_CLASSES=router']);
    const stack = await lab.run(['stack']);
    assert.equal(stack.code, 0, stack.stderr);
    assert.match(
      stack.stderr,
      /lab: warning: neutron\.conf \[DEFAULT\] service_plugins: "router" has no vpnaas: every \/v2\.0\/vpn request will answer 404/,
    );
    const result = await check();
    const vpn = result.failing.find((c) => c.id === 'vpn-api');
    assert.match(vpn?.evidence[0] ?? '', /GET http:\/\/127\.0\.0\.1:\d+\/v2\.0\/vpn\/vpnservices -> 404/);
    assert.match(
      vpn?.fix ?? '',
      /every \/v2\.0\/vpn call answers 404 because vpnaas is not in service_plugins \("router"\): write Q_SERVICE_PLUGIN_CLASSES=router,vpnaas in localrc \(now Q_SERVICE_PLUGIN_CLASSES at \.\/localrc line \d+\), then lab restart q-svc/,
    );
  });

  it('names the class, the import error and the variable for a misspelled device driver (6)', async () => {
    configure(['NEUTRON_VPNAAS_DEVICE_DRIVER=lab_test_driver.device.VersionedDriverr']);
    const stack = await lab.run(['stack']);
    assert.equal(stack.code, 1);
    assert.match(
      stack.stderr,
      /lab: what lab check finds:\n[\s\S]*^FAIL {2}the VPN agent loaded the configured device driver$/m,
    );
    const driver = (await check()).failing.find((c) => c.id === 'device-driver');
    assert.match(
      driver?.evidence.join('\n') ?? '',
      /screen-q-vpn\.[\d-]+\.log:\d+: .*Can not load driver :lab_test_driver\.device\.VersionedDriverr: .*DeviceDriverImportError/,
    );
    assert.match(
      driver?.fix ?? '',
      /cannot import the device driver lab_test_driver\.device\.VersionedDriverr: check the class path in NEUTRON_VPNAAS_DEVICE_DRIVER at \.\/localrc line \d+/,
    );
  });

  it('names the import error of a service driver that cannot be imported (3)', async () => {
    configure([`NEUTRON_VPNAAS_SERVICE_PROVIDER=${IPSEC_PROVIDER.replace('IPsecVPNDriver', 'IPsecVPNDriverr')}`]);
    const stack = await lab.run(['stack']);
    assert.equal(stack.code, 1);
    const server = (await check()).failing.find((c) => c.id === 'server');
    assert.match(server?.evidence[0] ?? '', /q-svc is exited/);
    assert.match(
      server?.fix ?? '',
      /cannot import a service driver \(neutron_vpnaas\.services\.vpn\.service_drivers\.ipsec\.IPsecVPNDriverr\): check the class path in NEUTRON_VPNAAS_SERVICE_PROVIDER at \.\/localrc line \d+/,
    );
  });

  it('refuses a provider variable with no VPN provider before starting, and names the post-config list that gets through (4)', async () => {
    const noVpn = 'L3_ROUTER_NAT:single:neutron.services.l3_router.service_providers.single_node.SingleNodeDriver';
    configure([`NEUTRON_VPNAAS_SERVICE_PROVIDER=${noVpn}`]);
    const refused = await lab.run(['stack']);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(
      refused.stderr,
      /\.\/localrc line \d+: NEUTRON_VPNAAS_SERVICE_PROVIDER has no VPN provider: neutron-server would exit/,
    );
    assert.match(refused.stderr, /nothing was started or written/);
    // A post-config list is the user's own: lab warns and starts, neutron-server exits, lab check names the line.
    configure([], `[[post-config|$NEUTRON_VPNAAS_CONF]]\n[service_providers]\nservice_provider = ${noVpn}\n`);
    const stack = await lab.run(['stack']);
    assert.equal(stack.code, 1);
    assert.match(
      stack.stderr,
      /neutron_vpnaas\.conf \[service_providers\]: no VPN service_provider: neutron-server will exit/,
    );
    const server = (await check()).failing.find((c) => c.id === 'server');
    assert.match(server?.evidence.join('\n') ?? '', /No providers specified for 'VPN' service/);
    assert.match(
      server?.fix ?? '',
      /^no VPN service provider reaches neutron-server: set service_provider at \.\/local\.conf line 3 \[\[post-config\|\$NEUTRON_VPNAAS_CONF\]\]/,
    );
  });

  it("says the agent's file lacks the vpnaas extension (5)", async () => {
    configure([], '[[post-config|$Q_L3_CONF_FILE]]\n[AGENT]\nextensions =\n');
    const stack = await lab.run(['stack']);
    assert.equal(stack.code, 0, stack.stderr);
    assert.match(stack.stderr, /l3_agent\.ini \[AGENT\] extensions: "" has no vpnaas/);
    const driver = (await check()).failing.find((c) => c.id === 'device-driver');
    assert.deepEqual(driver?.evidence, ['l3_agent.ini [AGENT] extensions = (empty)']);
    assert.match(driver?.fix ?? '', /runs without the vpnaas extension/);
  });

  it('names the broker when the agent is refused by RabbitMQ (7)', async () => {
    configure(
      [],
      '[[post-config|$Q_L3_CONF_FILE]]\n[DEFAULT]\ntransport_url = rabbit://stackrabbit:wrong@rabbit:5672/\n',
    );
    const stack = await lab.run(['stack']);
    assert.equal(stack.code, 1);
    const agent = (await check()).failing.find((c) => c.id === 'agent');
    assert.match(agent?.evidence.join('\n') ?? '', /ACCESS_REFUSED/);
    assert.match(
      agent?.fix ?? '',
      /cannot reach RabbitMQ, or is refused: check rabbit \(lab status\) and RABBIT_USERID/,
    );
  });

  it('names the database when the migrations cannot log in (8)', async () => {
    configure(
      [],
      '[[post-config|$NEUTRON_CONF]]\n[database]\nconnection = mysql+pymysql://root:wrong@mysql/neutron?charset=utf8\n',
    );
    const stack = await lab.run(['stack']);
    assert.equal(stack.code, 1);
    const database = (await check()).failing.find((c) => c.id === 'database');
    assert.match(
      database?.evidence.join('\n') ?? '',
      /q-db-sync is exited \(exit code [1-9]\d*\)[\s\S]*Access denied for user/,
    );
    assert.match(database?.fix ?? '', /the migrations did not run/);
  });
});
