// Every kind of bad input: exit code 2, a message naming the file and line or the variable
// and saying what to write instead, and nothing written to the lab directory.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { lab, listFiles, removeScratch, scratch } from './helpers.js';

const dirs: string[] = [];
after(() => dirs.forEach(removeScratch));

interface Case {
  title: string;
  files: Record<string, string>;
  args?: string[];
  env?: Record<string, string>;
  /** Each must appear in stderr. */
  expect: RegExp[];
  /** None may appear in stderr (a secret's value, a raw control byte). */
  absent?: RegExp[];
}

const PROVIDER = 'VPN:strongswan:neutron_vpnaas.services.vpn.service_drivers.ipsec.IPsecVPNDriver';

const cases: Case[] = [
  {
    title: "a peer address in the half of FLOATING_RANGE that is Neutron's pool",
    files: { localrc: 'LAB_NAME=ok\nFLOATING_RANGE=172.24.9.0/24\nSTRONGSWAN_IP=172.24.9.200\n' },
    expect: [
      /lab: error: \.\/localrc line 3: STRONGSWAN_IP="172\.24\.9\.200" must be an address in the lower half of FLOATING_RANGE \(172\.24\.9\.0\/25\); the upper half is Neutron's floating pool\. E\.g\. 172\.24\.9\.10/,
    ],
  },
  {
    title: 'a FLOATING_RANGE too small to share, and a NETWORK_GATEWAY outside FIXED_RANGE',
    files: {
      localrc:
        'LAB_NAME=ok\nFLOATING_RANGE=172.24.9.0/30\nNETWORK_GATEWAY=10.9.0.1\nNEUTRON_CREATE_INITIAL_NETWORKS=maybe\n',
    },
    expect: [
      /localrc line 2: FLOATING_RANGE="172\.24\.9\.0\/30" is too small: .*write a \/28 or larger/,
      /localrc line 3: NETWORK_GATEWAY="10\.9\.0\.1" must be an address in FIXED_RANGE \(10\.0\.0\.0\/24\), e\.g\. 10\.0\.0\.1/,
      /localrc line 4: NEUTRON_CREATE_INITIAL_NETWORKS="maybe": write True or False/,
    ],
  },
  {
    title: 'FIXED_RANGE overlapping FLOATING_RANGE, with a network that is free',
    files: { localrc: 'LAB_NAME=ok\nFIXED_RANGE=172.24.4.128/25\n' },
    expect: [
      /lab: error: \.\/localrc line 2: FIXED_RANGE="172\.24\.4\.128\/25" overlaps FLOATING_RANGE \(172\.24\.4\.0\/24, its default\): .*must not share addresses; write a network of its own, e\.g\. FIXED_RANGE=10\.0\.0\.0\/24/,
    ],
  },
  {
    title: 'STRONGSWAN_SUBNET overlapping FIXED_RANGE, both set: the next free network',
    files: { localrc: 'FIXED_RANGE=10.5.0.0/24\nSTRONGSWAN_SUBNET=10.5.0.0/24\n' },
    expect: [
      /\.\/localrc line 1: FIXED_RANGE="10\.5\.0\.0\/24" overlaps STRONGSWAN_SUBNET \(10\.5\.0\.0\/24, \.\/localrc line 2\): .*e\.g\. FIXED_RANGE=10\.0\.0\.0\/24/,
    ],
  },
  {
    title: 'a FLOATING_RANGE with host bits set, with the network to write',
    files: { localrc: 'FLOATING_RANGE=172.24.4.5/24\n' },
    expect: [
      /\.\/localrc line 1: FLOATING_RANGE="172\.24\.4\.5\/24" has host bits set: the network it falls in is 172\.24\.4\.0\/24; write FLOATING_RANGE=172\.24\.4\.0\/24/,
    ],
  },
  {
    title: 'Q_PORT equal to CSR_PORT',
    files: { localrc: 'LAB_NAME=x\nCSR_PORT=9696\n' },
    expect: [
      /\.\/localrc line 2: CSR_PORT=9696 is Q_PORT's port too \(its default\): each is published on 127\.0\.0\.1 .*e\.g\. CSR_PORT=9697/,
    ],
  },
  {
    title: 'an enable_plugin NAME that would mount outside the plugins directory',
    files: { localrc: 'LAB_NAME=x\nenable_plugin ../up ./driver\n', 'driver/x.py': '' },
    expect: [
      /\.\/localrc line 2: enable_plugin \.\.\/up: the NAME .* may not hold "\/", "\.\." or ":"; .*e\.g\. enable_plugin up \.\/driver/,
    ],
  },
  {
    title: 'an enable_plugin directory holding ":"',
    files: { localrc: 'enable_plugin mine ./a:b\n', 'a:b/x.py': '' },
    expect: [
      /\.\/localrc line 1: enable_plugin mine \.\/a:b: the directory .*a:b holds ":", which Docker's bind mounts \(SOURCE:TARGET:ro\) cannot carry/,
    ],
  },
  {
    title: 'one enable_plugin NAME with two directories, at the second line',
    files: { localrc: 'enable_plugin mine ./one\nenable_plugin mine ./two\n', 'one/x.py': '', 'two/x.py': '' },
    expect: [
      /\.\/localrc line 2: enable_plugin mine \.\/two: "mine" is enabled already at line 1 with \.\/one; one NAME mounts one directory/,
    ],
  },
  {
    title: 'a provider list with no VPN provider, from the environment',
    files: { localrc: 'LAB_NAME=x\n' },
    env: { NEUTRON_VPNAAS_SERVICE_PROVIDER: 'FIREWALL:fw:a.b.Driver:default' },
    expect: [
      /environment variable NEUTRON_VPNAAS_SERVICE_PROVIDER: NEUTRON_VPNAAS_SERVICE_PROVIDER has no VPN provider: neutron-server would exit .*add one, e\.g\. NEUTRON_VPNAAS_SERVICE_PROVIDER="VPN:strongswan:/,
    ],
  },
  {
    title: 'a password holding a newline, without showing it',
    files: { localrc: "DATABASE_PASSWORD=$'abc\\n[database]\\nconnection = sqlite://'\n" },
    expect: [
      /\.\/localrc line 1: DATABASE_PASSWORD holds a control character \(\\n\), .*its value is not shown \(a secret\)/,
    ],
    absent: [/abc/, /sqlite/],
  },
  {
    title: 'a user name holding a newline, shown escaped',
    files: { localrc: "RABBIT_USERID=$'stack\\nrabbit'\n" },
    expect: [
      /\.\/localrc line 1: RABBIT_USERID="stack\\nrabbit" holds a control character \(\\n\), .*write it on one line, e\.g\. RABBIT_USERID=stackrabbit/,
    ],
    absent: [/stack\nrabbit/],
  },
  {
    title: 'a PSK from the environment holding a carriage return, without showing it',
    files: { localrc: 'LAB_NAME=x\n' },
    env: { STRONGSWAN_PSK: 'psk-start\rpsk-end' },
    expect: [
      /environment variable STRONGSWAN_PSK: STRONGSWAN_PSK holds a control character \(\\r\), .*its value is not shown \(a secret\): write it on one line, or leave STRONGSWAN_PSK unset/,
    ],
    absent: [/psk-start/, /psk-end/],
  },
  {
    title: 'a database user holding a terminal escape, shown escaped',
    files: { localrc: "DATABASE_USER=$'db\\e[2Juser'\n" },
    expect: [
      /\.\/localrc line 1: DATABASE_USER="db\\e\[2Juser" holds a control character \(\\e\), .*write it on one line, e\.g\. DATABASE_USER=root/,
    ],
    // eslint-disable-next-line no-control-regex -- the raw escape is what must be absent
    absent: [/\u001b/],
  },
  {
    title: 'a non-ASCII database password, which PyMySQL would send as Latin-1, without showing it',
    files: { localrc: "DATABASE_PASSWORD='pass-é'\n" },
    expect: [
      /\.\/localrc line 1: DATABASE_PASSWORD holds a character outside ASCII; its value is not shown \(a secret\): .*PyMySQL.*Write it in ASCII/,
    ],
    absent: [/pass-/],
  },
  {
    title: 'a database user with an emoji (a RabbitMQ user may hold one)',
    files: { localrc: `DATABASE_USER='db🔑'\n` },
    env: { RABBIT_USERID: 'r🔑' },
    expect: [/\.\/localrc line 1: DATABASE_USER="db🔑" holds 🔑, beyond U\+FFFF: MariaDB's user names are utf8mb3/],
    absent: [/RABBIT_USERID/],
  },
  {
    title: 'a database user longer than 128 characters',
    files: { localrc: `DATABASE_USER=${'u'.repeat(129)}\n` },
    expect: [/\.\/localrc line 1: DATABASE_USER is 129 characters long: MariaDB takes user names of at most 128/],
  },
  {
    title: 'a PSK longer than the 255 characters Neutron keeps, without showing it',
    files: { localrc: `STRONGSWAN_PSK=${'k'.repeat(256)}\n` },
    expect: [
      /\.\/localrc line 1: STRONGSWAN_PSK is 256 characters long; its value is not shown \(a secret\): Neutron keeps a connection's PSK in a utf8mb3 column of 255 characters/,
    ],
    absent: [/kkkk/],
  },
  {
    title: 'a PSK with an emoji, without showing it',
    files: { localrc: "STRONGSWAN_PSK='psk-🔑'\n" },
    expect: [
      /\.\/localrc line 1: STRONGSWAN_PSK holds a character beyond U\+FFFF \(an emoji, say\); its value is not shown/,
    ],
    absent: [/psk-/],
  },
  {
    title: 'a device driver holding a carriage return (a line break between two drivers is fine)',
    files: { localrc: "NEUTRON_VPNAAS_DEVICE_DRIVER=$'a.b.C\\nd.e.F\\r'\n" },
    expect: [
      /\.\/localrc line 1: NEUTRON_VPNAAS_DEVICE_DRIVER="a\.b\.C\\nd\.e\.F\\r" holds a control character \(\\r\)/,
    ],
    absent: [/\r/],
  },

  {
    title: "a bash syntax error in localrc, with bash's line",
    files: { localrc: 'LAB_NAME=ok\n\nFOO=(unclosed\nBAR=1\n' },
    expect: [/lab: error: \.\/localrc line \d: bash syntax error: .*(unexpected|syntax)/, /fix that line/],
  },
  {
    title: 'a bash syntax error inside [[local|localrc]], with the local.conf line',
    files: { 'local.conf': '# header\n[[local|localrc]]\nLAB_NAME=ok\nif true; then\n' },
    expect: [/lab: error: \.\/local\.conf line \d: bash syntax error: /],
  },
  {
    title: 'an unterminated [[...]] header',
    files: { 'local.conf': '[[local|localrc]]\nLAB_NAME=x\n[[post-config|$NEUTRON_CONF\n[DEFAULT]\n' },
    expect: [
      /\.\/local\.conf line 3: unterminated meta-section header "\[\[post-config\|\$NEUTRON_CONF": close it with "\]\]"/,
    ],
  },
  {
    title: 'a malformed [[...]] header',
    files: { 'local.conf': '[[local]]\nLAB_NAME=x\n' },
    expect: [/\.\/local\.conf line 1: malformed meta-section header "\[\[local\]\]": write \[\[phase\|file\]\]/],
  },
  {
    title: 'a service_provider value of the wrong form, naming the variable',
    files: { localrc: 'LAB_NAME=x\nNEUTRON_VPNAAS_SERVICE_PROVIDER=VPN:broken\n' },
    expect: [
      /\.\/localrc line 2: NEUTRON_VPNAAS_SERVICE_PROVIDER: "VPN:broken" is not a service provider .*write <service_type>:<name>:<dotted\.class\.Path>\[:default\]/,
    ],
  },
  {
    title: 'a service_provider from the environment, naming the variable',
    files: { localrc: 'LAB_NAME=x\n' },
    env: { NEUTRON_VPNAAS_SERVICE_PROVIDER: 'VPN:a:b:c:d' },
    expect: [/environment variable NEUTRON_VPNAAS_SERVICE_PROVIDER: NEUTRON_VPNAAS_SERVICE_PROVIDER: "VPN:a:b:c:d"/],
  },
  {
    title: 'a service_provider in post-config whose driver is not a class path',
    files: {
      'local.conf':
        '[[post-config|$NEUTRON_VPNAAS_CONF]]\n[service_providers]\nservice_provider = VPN:mine:not a class:default\n',
    },
    expect: [
      /\.\/local\.conf line 3: service_provider: "VPN:mine:not a class:default": the driver "not a class" is not a dotted Python class path/,
    ],
  },
  {
    title: 'two VPN providers both marked default (variable)',
    files: { localrc: `NEUTRON_VPNAAS_SERVICE_PROVIDER="${PROVIDER}:default VPN:mine:my.Driver:default"\n` },
    expect: [
      /\.\/localrc line 1: NEUTRON_VPNAAS_SERVICE_PROVIDER marks 2 VPN providers as default \(strongswan, mine\).*keep ":default" on one of them/,
    ],
  },
  {
    title: 'two VPN providers both marked default (post-config)',
    files: {
      'local.conf': `[[post-config|$NEUTRON_VPNAAS_CONF]]\n[service_providers]\nservice_provider = ${PROVIDER}:default\nservice_provider = VPN:mine:my.Driver:default\n`,
    },
    expect: [
      /\.\/local\.conf line 3 and \.\/local\.conf line 4: 2 VPN providers are marked default \(strongswan, mine\)/,
    ],
  },
  {
    title: 'a device driver that is not a dotted class path',
    files: { localrc: 'NEUTRON_VPNAAS_DEVICE_DRIVER=StrongSwanDriver\n' },
    expect: [
      /\.\/localrc line 1: NEUTRON_VPNAAS_DEVICE_DRIVER: "StrongSwanDriver" is not a dotted Python class path; write the class the agent should import/,
    ],
  },
  {
    title: 'a device driver written with a colon before the class, with the corrected path',
    files: {
      localrc:
        'NEUTRON_VPNAAS_DEVICE_DRIVER=neutron_vpnaas.services.vpn.device_drivers.strongswan_ipsec:StrongSwanDriver\n',
    },
    expect: [
      /a "\." before the class, not a ":": neutron_vpnaas\.services\.vpn\.device_drivers\.strongswan_ipsec\.StrongSwanDriver/,
    ],
  },
  {
    title: 'a device driver in post-config that is not a class path',
    files: { 'local.conf': '[[post-config|$Q_L3_CONF_FILE]]\n[vpnagent]\nvpn_device_driver = strongswan\n' },
    expect: [/\.\/local\.conf line 3: vpn_device_driver: "strongswan" is not a dotted Python class path/],
  },
  {
    title: 'an unknown service in ENABLED_SERVICES, with the closest known name',
    files: { localrc: 'ENABLED_SERVICES=mysql,rabbit,q-svc,q-vnp\n' },
    expect: [/\.\/localrc line 1: ENABLED_SERVICES names the unknown service "q-vnp"; did you mean "q-vpn"\?/],
  },
  {
    title: 'an unknown service added with enable_service',
    files: { localrc: 'LAB_NAME=x\nenable_service strongswam\n' },
    expect: [
      /\.\/localrc line 2: ENABLED_SERVICES names the unknown service "strongswam"; did you mean "strongswan"\?/,
    ],
  },
  {
    title: 'enable_plugin with neither URL nor directory',
    files: { localrc: 'LAB_NAME=x\nenable_plugin my-driver\n' },
    expect: [
      /\.\/localrc line 2: enable_plugin my-driver has neither a URL nor a directory; write enable_plugin my-driver \/path\/to\/your\/driver\/checkout/,
    ],
  },
  {
    title: 'enable_plugin with a remote URL lab cannot clone',
    files: { localrc: 'enable_plugin my-driver https://example.invalid/my-driver.git\n' },
    expect: [
      /\.\/localrc line 1: enable_plugin my-driver https:\/\/example\.invalid\/my-driver\.git: lab cannot clone/,
    ],
  },
  {
    title: 'a port that is not a number',
    files: { localrc: 'Q_PORT=http\n' },
    expect: [/\.\/localrc line 1: Q_PORT="http" is not a whole number from 1 to 65535; write e\.g\. Q_PORT=9696/],
  },
  {
    title: 'an IPSEC_PACKAGE lab does not know',
    files: { localrc: 'IPSEC_PACKAGE=openswan\n' },
    expect: [
      /\.\/localrc line 1: IPSEC_PACKAGE="openswan" is not supported: write IPSEC_PACKAGE=strongswan or IPSEC_PACKAGE=libreswan/,
    ],
  },
  {
    title: 'a post-config option before any [section]',
    files: { 'local.conf': '[[post-config|$NEUTRON_CONF]]\ndebug = True\n' },
    expect: [/\.\/local\.conf line 2: "debug" comes before any \[section\].*e\.g\. \[DEFAULT\]/],
  },
  {
    title: 'a LAB_NAME that cannot name containers',
    files: { localrc: 'LAB_NAME="My Lab"\n' },
    expect: [/\.\/localrc line 1: LAB_NAME="My Lab" cannot name containers/],
  },
  {
    title: 'a localrc that exits',
    files: { localrc: 'LAB_NAME=x\nexit 0\n' },
    expect: [/\.\/localrc: the localrc stopped bash before its end/],
  },
  {
    title: 'a --localrc that does not exist',
    files: {},
    args: ['--localrc', 'nowhere/localrc'],
    expect: [
      /lab: error: --localrc: no such file \.\/nowhere\/localrc; give the path of a DevStack localrc or local\.conf/,
    ],
  },
];

describe('bad input', () => {
  for (const c of cases) {
    it(`exits 2 on ${c.title}, and writes nothing`, async () => {
      const cwd = scratch(c.files);
      dirs.push(cwd);
      const result = await lab(['config', ...(c.args ?? [])], { cwd, ...(c.env ? { env: c.env } : {}) });
      assert.equal(result.code, 2, `exit code; stderr:\n${result.stderr}`);
      for (const pattern of c.expect) assert.match(result.stderr, pattern);
      for (const pattern of c.absent ?? []) assert.doesNotMatch(result.stderr, pattern);
      assert.match(result.stderr, /nothing was started or written/);
      assert.equal(result.stdout, '');
      assert.deepEqual(listFiles(cwd), Object.keys(c.files).sort(), 'no file was written');
    });
  }

  it('reports every problem of one run, not just the first', async () => {
    const cwd = scratch({ localrc: 'Q_PORT=x\nIPSEC_PACKAGE=y\n' });
    dirs.push(cwd);
    const result = await lab(['config'], { cwd });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /localrc line 1: Q_PORT/);
    assert.match(result.stderr, /localrc line 2: IPSEC_PACKAGE/);
  });

  it('keeps the lab directory as it was when a later run has bad input', async () => {
    const cwd = scratch({ localrc: 'LAB_NAME=keep\nDATABASE_PASSWORD=first\n' });
    dirs.push(cwd);
    assert.equal((await lab(['config'], { cwd })).code, 0);
    const before = listFiles(cwd);
    const rendered = `${cwd}/.lab/keep/etc/neutron/neutron.conf`;
    const content = readFileSync(rendered, 'utf8');
    writeFileSync(`${cwd}/localrc`, 'LAB_NAME=keep\nDATABASE_PASSWORD=second\nQ_PORT=bad\n');
    assert.equal((await lab(['config'], { cwd })).code, 2);
    assert.deepEqual(listFiles(cwd), before);
    assert.equal(readFileSync(rendered, 'utf8'), content);
  });
});
