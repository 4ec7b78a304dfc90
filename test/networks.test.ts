// The address plan of the lab's networks and the initial Neutron networks, from the config
// alone (no Docker, no Neutron).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { freeNetworkLike, inNetwork, nthAddress, overlaps, splitPublicRange } from '../lab/config/ipv4.js';
import { loadLab } from '../lab/load.js';
import { initialNetworks } from '../lab/neutron/networks.js';
import { subnetAdvice } from '../lab/stack/subnets.js';
import { hostAddressFor } from '../lab/vpn/demo.js';
import { removeScratch, scratch } from './helpers.js';

describe('the network address plan', () => {
  it('gives Docker the lower half of FLOATING_RANGE and Neutron the upper half', () => {
    assert.deepEqual(splitPublicRange('172.24.4.0/24'), {
      docker: '172.24.4.0/25',
      neutronPool: { start: '172.24.4.128', end: '172.24.4.254' },
    });
    assert.deepEqual(splitPublicRange('192.168.16.0/20'), {
      docker: '192.168.16.0/21',
      neutronPool: { start: '192.168.24.0', end: '192.168.31.254' },
    });
    assert.equal(nthAddress('10.0.0.0/24', 1), '10.0.0.1');
    assert.equal(nthAddress('10.0.0.0/24', -2), '10.0.0.254');
    assert.equal(hostAddressFor('10.1.2.0/28'), '10.1.2.14');
    assert.ok(inNetwork('10.0.0.255', '10.0.0.0/24') && !inNetwork('10.0.1.0', '10.0.0.0/24'));
  });

  it('tells overlapping networks apart, and finds the next free one of the same size', () => {
    assert.ok(overlaps('172.24.4.0/24', '172.24.0.0/16') && overlaps('172.24.0.0/16', '172.24.4.128/25'));
    assert.ok(!overlaps('172.24.4.0/24', '172.24.5.0/24') && !overlaps('10.0.0.0/8', '172.16.0.0/12'));
    assert.equal(freeNetworkLike('172.24.4.0/24', ['172.24.4.0/24']), '172.24.5.0/24');
    assert.equal(
      freeNetworkLike('172.24.4.0/24', ['172.24.4.0/25', '172.24.5.0/24', '172.24.6.128/25', '172.17.0.0/16']),
      '172.24.7.0/24',
    );
    assert.equal(freeNetworkLike('10.255.255.0/24', ['10.255.255.0/24']), undefined);
    assert.equal(freeNetworkLike('172.31.255.0/24', ['172.31.255.0/24']), undefined);
  });

  it('says how to get out of a taken subnet: stop the lab holding it, remove a foreign network, or move FLOATING_RANGE', () => {
    const peers = { floatingRange: '172.24.4.0/24' } as Parameters<typeof subnetAdvice>[1]['peers'];
    const byLab = subnetAdvice(
      {
        subnet: '172.24.4.0/24',
        holders: [{ network: 'other-public', subnet: '172.24.4.0/24', project: 'other' }],
        taken: ['172.24.4.0/24', '172.24.5.0/24'],
      },
      { peers, labName: 'mine' },
    );
    assert.equal(
      byLab,
      'To fix: stop lab "other" first (lab unstack --lab other), or give this lab another range: write FLOATING_RANGE=172.24.6.0/24 in localrc (STRONGSWAN_IP and PUBLIC_NETWORK_GATEWAY follow it unless you set them).',
    );
    const foreign = subnetAdvice(
      {
        subnet: '172.24.4.0/24',
        holders: [{ network: 'wide', subnet: '172.24.0.0/16', project: undefined }],
        taken: ['172.24.0.0/16'],
      },
      { peers, labName: 'mine' },
    );
    const own = subnetAdvice(
      {
        subnet: '172.24.4.0/24',
        holders: [{ network: 'mine-mgmt', subnet: '172.24.0.0/16', project: 'mine' }],
        taken: ['172.24.0.0/16'],
      },
      { peers, labName: 'mine' },
    );
    assert.match(
      own,
      /^To fix: run lab unstack, then lab stack again \(it makes mine-mgmt anew, clear of 172\.24\.4\.0\/24\)/,
    );
    assert.match(
      foreign,
      /^To fix: remove wide if nothing uses it \(docker network rm wide\), or give this lab another range: write FLOATING_RANGE=172\.25\.0\.0\/24/,
    );
  });

  it("makes DevStack's public, private and router1 from the localrc's ranges and gateways", async () => {
    const dir = scratch({
      localrc:
        'LAB_NAME=nets\nFLOATING_RANGE=172.30.0.0/24\nPUBLIC_NETWORK_GATEWAY=172.30.0.9\nFIXED_RANGE=10.8.0.0/24\nSTRONGSWAN_IP=172.30.0.10\n',
    });
    try {
      const { config } = await loadLab({ localrc: `${dir}/localrc` });
      assert.equal(config.networks.dockerPublicRange, '172.30.0.0/25');
      const wanted = initialNetworks(config);
      assert.deepEqual(wanted.publicNetwork, {
        name: 'public',
        'router:external': true,
        'provider:network_type': 'flat',
        'provider:physical_network': 'public',
      });
      assert.deepEqual(wanted.publicSubnet, {
        name: 'public-subnet',
        ip_version: 4,
        cidr: '172.30.0.0/24',
        gateway_ip: '172.30.0.9',
        allocation_pools: [{ start: '172.30.0.128', end: '172.30.0.254' }],
        enable_dhcp: false,
      });
      assert.deepEqual(wanted.privateSubnet, {
        name: 'private-subnet',
        ip_version: 4,
        cidr: '10.8.0.0/24',
        gateway_ip: '10.8.0.1',
        enable_dhcp: false,
      });
      assert.deepEqual(wanted.router, { name: 'router1' });
    } finally {
      removeScratch(dir);
    }
  });
});
