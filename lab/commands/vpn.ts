// `lab vpn demo [--driver reference|csr] [--delete]`: a site-to-site connection made with
// the real OpenStack client, watched to ACTIVE and proven (lab/vpn/demo.ts).
import { Engine } from '../engine.js';
import { UsageError } from '../errors.js';
import { DEMO_DRIVERS, deleteDemo, runDemo, type DemoDriver } from '../vpn/demo.js';
import { LAB_OPTION, resolveProject } from './project.js';
import type { Verb } from './verb.js';

export const vpnVerb: Verb = {
  name: 'vpn',
  summary: 'lab vpn demo: make a site-to-site IPsec connection to the strongSwan peer and prove it',
  usage: 'lab vpn demo [--driver reference|csr] [--delete] [--json] [--lab NAME]',
  details: [
    'With the OpenStack client: IKE policy lab-demo-ike, IPsec policy lab-demo-ipsec, VPN service',
    'lab-demo-vpn on router1 (private-subnet), connection lab-demo-conn to STRONGSWAN_IP with',
    'STRONGSWAN_PSK and peer CIDR STRONGSWAN_SUBNET. Waits for ACTIVE, printing status changes.',
    "  --driver reference  the in-tree strongSwan drivers (the default localrc): shows the peer's SAs",
    '                      and pings the peer from a host behind router1, across the tunnel',
    '  --driver csr        the CSR example (examples/csr-driver/local.conf): shows what the device',
    '                      driver configured on the CSR simulator and its session status',
    'Resources already there are reused. --delete removes every lab-demo-* resource.',
  ],
  positionals: true,
  options: {
    driver: { type: 'string', valueName: 'DRIVER', description: 'reference (default) or csr' },
    delete: { type: 'boolean', description: 'delete what lab vpn demo made' },
    json: { type: 'boolean', description: 'print the outcome as JSON after the progress' },
    ...LAB_OPTION,
  },
  async run({ values, positionals, localrc, out }) {
    const [sub, ...extra] = positionals;
    if (sub !== 'demo' || extra.length > 0)
      throw new UsageError(
        `write lab vpn demo${sub && sub !== 'demo' ? `, not lab vpn ${sub}` : ''}${extra.length > 0 ? ` (unexpected: ${extra.join(' ')})` : ''}`,
      );
    const driver = (values.driver ?? 'reference') as string;
    if (!DEMO_DRIVERS.includes(driver as DemoDriver))
      throw new UsageError(`--driver ${driver}: write --driver reference or --driver csr`);
    if (values.delete === true && values.driver !== undefined)
      throw new UsageError('--delete removes the demo whatever its driver: leave out --driver');
    const project = await resolveProject(values.lab, localrc);
    const engine = new Engine();
    await engine.requireEngine();
    if (values.delete === true) {
      const deleted = await deleteDemo(engine, project.name, out);
      if (values.json === true) out(JSON.stringify({ deleted }, null, 2));
      return 0;
    }
    const result = await runDemo(engine, project.name, driver as DemoDriver, out);
    if (values.json === true) out(JSON.stringify(result, null, 2));
    // The reference demo is only proven when the ping came back across the tunnel.
    if (result.ping && result.ping.received === 0) return 1;
    if (result.peerSas && !(result.peerSas.ikeEstablished && result.peerSas.childInstalled)) return 1;
    return 0;
  },
};
