// `lab check [--json]`: what is wrong with the running lab, the evidence, and the fix.
import { formatChecks, runChecks } from '../check/runner.js';
import { Engine } from '../engine.js';
import { loadLab } from '../load.js';
import { maskedJson, maskSecrets } from '../mask.js';
import type { Verb } from './verb.js';

export const checkVerb: Verb = {
  name: 'check',
  summary: 'say what is wrong with the running lab, with the evidence and the fix',
  usage: 'lab check [--localrc PATH] [--json]',
  details: [
    'Checks the server, the VPN API, the database migrations, the agent, the device driver, VPN',
    'resources stuck in PENDING_*, the data path (routers hosted, their namespaces, gateways the',
    'peer reaches, IKE and CHILD SAs on both sides), and driver code changed since the services started. Each',
    'failure shows its evidence (the HTTP answer, or the log line with file and line number) and',
    'what to change and restart. Exit 0 when every check passes, 1 otherwise.',
  ],
  options: { json: { type: 'boolean', description: 'print the checks as JSON' } },
  async run({ values, localrc, out }) {
    const lab = await loadLab({ localrc });
    const engine = new Engine();
    await engine.requireEngine();
    const results = await runChecks(lab, engine);
    const secrets = lab.config.secrets;
    out(
      values.json === true
        ? maskedJson({ lab: lab.config.labName, ok: results.every((r) => r.ok), checks: results }, secrets)
        : maskSecrets(formatChecks(results), secrets),
    );
    return results.every((r) => r.ok) ? 0 : 1;
  },
};
