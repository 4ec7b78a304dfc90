// The address plan of the lab's networks and the initial Neutron networks, from the config
// alone (no Docker, no Neutron).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inNetwork, nthAddress, splitPublicRange } from '../lab/config/ipv4.js';
import { loadLab } from '../lab/load.js';
import { initialNetworks } from '../lab/neutron/networks.js';
import { hostAddressFor } from '../lab/vpn/demo.js';
import { removeScratch, scratch } from './helpers.js';

describe('the network address plan', () => {
  it('gives Docker the lower half of FLOATING_RANGE and Neutron the upper half', () => {
    assert.deepEqual(splitPublicRange('172.24.4.0/24'), { docker: '172.24.4.0/25', neutronPool: { start: '172.24.4.128', end: '172.24.4.254' } });
    assert.deepEqual(splitPublicRange('192.168.16.0/20'), { docker: '192.168.16.0/21', neutronPool: { start: '192.168.24.0', end: '192.168.31.254' } });
    assert.equal(nthAddress('10.0.0.0/24', 1), '10.0.0.1');
    assert.equal(nthAddress('10.0.0.0/24', -2), '10.0.0.254');
    assert.equal(hostAddressFor('10.1.2.0/28'), '10.1.2.14');
    assert.ok(inNetwork('10.0.0.255', '10.0.0.0/24') && !inNetwork('10.0.1.0', '10.0.0.0/24'));
  });

  it("makes DevStack's public, private and router1 from the localrc's ranges and gateways", async () => {
    const dir = scratch({ localrc: 'LAB_NAME=nets\nFLOATING_RANGE=172.30.0.0/24\nPUBLIC_NETWORK_GATEWAY=172.30.0.9\nFIXED_RANGE=10.8.0.0/24\nSTRONGSWAN_IP=172.30.0.10\n' });
    try {
      const { config } = await loadLab({ localrc: `${dir}/localrc` });
      assert.equal(config.networks.dockerPublicRange, '172.30.0.0/25');
      const wanted = initialNetworks(config);
      assert.deepEqual(wanted.publicNetwork, { name: 'public', 'router:external': true, 'provider:network_type': 'flat', 'provider:physical_network': 'public' });
      assert.deepEqual(wanted.publicSubnet, { name: 'public-subnet', ip_version: 4, cidr: '172.30.0.0/24', gateway_ip: '172.30.0.9', allocation_pools: [{ start: '172.30.0.128', end: '172.30.0.254' }], enable_dhcp: false });
      assert.deepEqual(wanted.privateSubnet, { name: 'private-subnet', ip_version: 4, cidr: '10.8.0.0/24', gateway_ip: '10.8.0.1', enable_dhcp: false });
      assert.deepEqual(wanted.router, { name: 'router1' });
    } finally {
      removeScratch(dir);
    }
  });
});
