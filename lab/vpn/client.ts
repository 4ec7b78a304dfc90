// The real OpenStack client (Debian's python3-openstackclient with neutronclient's VPN
// commands), run inside q-svc against its own Neutron: the container's environment says
// OS_AUTH_TYPE=none and OS_ENDPOINT (compose/lab.yaml).
import type { Engine } from '../engine.js';
import { OperationError } from '../errors.js';
import { maskSecrets } from '../mask.js';

export class OpenStackClient {
  constructor(
    private readonly engine: Engine,
    private readonly containerId: string,
    private readonly secrets: string[] = [],
  ) {}

  /** `openstack ARGS -f json`, parsed; a failure names the command (secrets masked). */
  async json<T = Record<string, unknown>>(args: string[]): Promise<T> {
    const output = await this.run([...args, '-f', 'json']);
    try {
      return JSON.parse(output) as T;
    } catch {
      throw new OperationError(`openstack ${this.show(args)} printed no JSON: ${this.mask(output).slice(0, 400)}`);
    }
  }

  /** `openstack ARGS`, its output; throws when it exits non-zero. */
  async run(args: string[]): Promise<string> {
    const { exitCode, output } = await this.engine.exec(this.containerId, ['openstack', ...args]);
    if (exitCode !== 0) throw new OperationError(`openstack ${this.show(args)} failed (exit ${exitCode}): ${this.mask(output).trim().split('\n').slice(-5).join('\n')}`);
    return output;
  }

  /** The command as it can be shown: secrets masked. */
  show(args: string[]): string {
    return this.mask(args.map((a) => (/[\s'"]/.test(a) ? `'${a}'` : a)).join(' '));
  }

  private mask(text: string): string {
    return maskSecrets(text, this.secrets);
  }
}
