import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CATALOG_FILE, loadCatalog, parseCatalog } from '../lab/stack/catalog.js';
import { InputError } from '../lab/errors.js';

const vars = {
  LAB_NAME: 'lab',
  LAB_DIR: '/labdir',
  LAB_PACKAGE: '/pkg',
  Q_PORT: '9696',
  DATABASE_USER: 'root',
  DATABASE_PASSWORD: 'pw',
  RABBIT_USERID: 'u',
  RABBIT_PASSWORD: 'pw',
  NEUTRON_VPNAAS_DEVICE_DRIVER: 'a.B',
  FIXED_RANGE: '10.0.0.0/24',
  FLOATING_RANGE: '172.24.4.0/24',
  PUBLIC_DOCKER_RANGE: '172.24.4.0/25',
  PUBLIC_NETWORK_GATEWAY: '172.24.4.1',
  STRONGSWAN_SUBNET: '10.2.0.0/24',
  STRONGSWAN_IP: '172.24.4.10',
  STRONGSWAN_PSK: 'psk',
  STRONGSWAN_IKE_VERSION: '1',
  STRONGSWAN_IKE_PROPOSALS: 'aes128-sha1-modp1536',
  STRONGSWAN_ESP_PROPOSALS: 'aes128-sha1-modp1536',
  CSR_PORT: '55443',
  CSR_USERNAME: 'stack',
  CSR_PASSWORD: 'pw',
  CSR_TOKEN_LIFETIME: '900',
  LAB_L2: 'linuxbridge',
  LAB_L2_AGENT: 'Linux bridge agent',
  LAB_NEUTRON_SERVER: 'neutron-server',
};

function problems(text: string): string {
  try {
    parseCatalog(text, vars, '/x/lab.yaml');
  } catch (error) {
    assert.ok(error instanceof InputError);
    return error.message;
  }
  assert.fail('the catalog was accepted');
}

const minimal = (service: string) =>
  `networks: {mgmt: {}}\nservices:\n  s:\n    build: {context: ctx}\n    x-lab: {service: mysql}\n${service}`;

describe('the service catalog', () => {
  it('reads the project catalog: dependencies, one-shot steps, interpolation, loopback ports', () => {
    const catalog = loadCatalog(vars, CATALOG_FILE);
    const names = catalog.services.map((s) => s.name);
    assert.deepEqual(names, ['mysql', 'rabbit', 'q-db-sync', 'q-svc', 'q-agt', 'q-vpn', 'strongswan', 'csr']);
    assert.deepEqual(catalog.ipam, {
      public: { subnet: '172.24.4.0/24', ipRange: '172.24.4.0/25', gateway: '172.24.4.1' },
    });
    assert.deepEqual(catalog.services.find((s) => s.name === 'strongswan')?.networks, [
      { name: 'public', aliases: ['strongswan'], ipv4Address: '172.24.4.10' },
    ]);
    assert.deepEqual(catalog.services.find((s) => s.name === 'csr')?.ports, [
      { hostIp: '127.0.0.1', hostPort: 55443, containerPort: 55443 },
    ]);
    const svc = catalog.services.find((s) => s.name === 'q-svc');
    assert.deepEqual(svc?.ports, [{ hostIp: '127.0.0.1', hostPort: 9696, containerPort: 9696 }]);
    assert.deepEqual(svc?.dependsOn, [
      { service: 'q-db-sync', condition: 'service_completed_successfully' },
      { service: 'rabbit', condition: 'service_healthy' },
    ]);
    assert.equal(catalog.services.find((s) => s.name === 'q-db-sync')?.oneShot, true);
    assert.equal(svc?.oneShot, false);
    assert.ok(
      svc?.mounts.some((m) => m.kind === 'bind' && m.source === '/labdir/etc/neutron/neutron.conf' && m.readOnly),
    );
    // $$ is a literal $ for the container's shell.
    assert.match(catalog.services.find((s) => s.name === 'mysql')?.healthcheck?.test[1] ?? '', /-u"\$DATABASE_USER"/);
    const vpn = catalog.services.find((s) => s.name === 'q-vpn');
    assert.deepEqual(vpn?.ready, [
      { agent: 'L3 agent' },
      { log: 'Loaded VPNaaS device driver: a.B' },
      { fail: 'DeviceDriverImportError' },
      { fail: 'ACCESS_REFUSED' },
    ]);
    // q-vpn works in q-agt's network namespace: it has no networks of its own, and starts after q-agt.
    assert.equal(vpn?.networkOf, 'q-agt');
    assert.deepEqual(vpn?.networks, []);
    assert.ok(vpn?.dependsOn.some((d) => d.service === 'q-agt'));
    const agt = catalog.services.find((s) => s.name === 'q-agt');
    assert.deepEqual(agt?.ready, [{ agent: 'Linux bridge agent' }, { fail: 'ACCESS_REFUSED' }]);
    assert.deepEqual(
      agt?.networks.map((n) => n.name),
      ['mgmt', 'public'],
    );
    assert.ok(!vpn?.capAdd.includes('ALL'));
  });

  it('refuses a Compose key it does not support, naming it', () => {
    assert.match(
      problems(minimal('    privileged: true\n')),
      /services\.s\.privileged: lab does not support the Compose key "privileged"/,
    );
    assert.match(
      problems(`${minimal('')}configs: {}\n`),
      /^\/x\/lab\.yaml: configs: lab does not support the Compose key "configs"/,
    );
    assert.match(
      problems(minimal('    healthcheck: {test: [CMD, x], disable: true}\n')),
      /services\.s\.healthcheck\.disable: lab does not support/,
    );
  });

  it('refuses an unknown ${VAR}, a bare $VAR and a port published beyond loopback', () => {
    assert.match(
      problems(minimal('    command: ["${NOPE}"]\n')),
      /services\.s\.command\[0\]: \$\{NOPE\} is not a lab variable/,
    );
    assert.match(problems(minimal('    command: ["$Q_PORT"]\n')), /write \$\{Q_PORT\} \(or \$\$ for a literal \$\)/);
    assert.match(
      problems(minimal('    ports: ["0.0.0.0:${Q_PORT}:9696"]\n')),
      /publishes on 0\.0\.0\.0; lab publishes on 127\.0\.0\.1 only/,
    );
  });

  it('takes network_mode service:NAME only, without networks, ports or hostname of its own, and adds the dependency', () => {
    const two = (extra: string) =>
      `networks: {mgmt: {}}\nservices:\n  a:\n    build: {context: ctx}\n    networks: [mgmt]\n    x-lab: {service: q-agt}\n  b:\n    build: {context: ctx}\n    x-lab: {service: q-vpn}\n${extra}`;
    const catalog = parseCatalog(two('    network_mode: service:a\n'), vars, '/x/lab.yaml');
    assert.deepEqual(catalog.services.find((s) => s.name === 'b')?.dependsOn, [
      { service: 'a', condition: 'service_started' },
    ]);
    assert.match(
      problems(two('    network_mode: host\n')),
      /services\.b\.network_mode: "host" is not supported; lab takes only service:<name>/,
    );
    assert.match(problems(two('    network_mode: service:ghost\n')), /services\.b\.network_mode: no service "ghost"/);
    assert.match(
      problems(two('    network_mode: service:a\n    networks: [mgmt]\n')),
      /services\.b\.networks: a service with network_mode service:a has that service's networks; move it there/,
    );
    assert.match(
      problems(two('    network_mode: service:a\n    hostname: b\n')),
      /services\.b\.hostname: a service with network_mode service:a has that service's hostname/,
    );
  });

  it('refuses a dependency on a service it does not have, an unknown condition and undeclared networks or volumes', () => {
    assert.match(
      problems(minimal('    depends_on: {ghost: {condition: service_healthy}}\n')),
      /depends_on: no service "ghost"/,
    );
    assert.match(
      problems(minimal('    depends_on: {s: {condition: service_ready}}\n')),
      /"service_ready" is not one of/,
    );
    assert.match(problems(minimal('    networks: [other]\n')), /"other" is not declared under the top-level networks/);
    assert.match(problems(minimal('    volumes: ["data:/var/lib"]\n')), /the volume "data" is not declared/);
  });
});
