// The real OpenStack client (Debian's python3-openstackclient with neutronclient's VPN
// commands), run inside q-svc against its own Neutron: the container's environment says
// OS_AUTH_TYPE=none and OS_ENDPOINT (compose/lab.yaml).
//
// A secret argument (the demo's --psk) must not be on a command line: `ps` on the host
// shows every process of every container. So the client is started as python3 running its
// own entry point, `openstackclient.shell.main`, with the argument list in which a
// placeholder is replaced by the secret from the exec's environment, inside the process.
// The placeholder may end an argument (`--psk={{lab-secret:psk}}`): a secret that starts
// with "-" would be read as an option if it were an argument of its own.
import type { Engine } from '../engine.js';
import { OperationError } from '../errors.js';
import { MASK, maskSecrets } from '../mask.js';

const PLACEHOLDER = /\{\{lab-secret:([a-z0-9_]+)\}\}/g;

/** The argument that stands for a secret given to the client in `secrets[name]`. */
export function secretArgument(name: string): string {
  return `{{lab-secret:${name}}}`;
}

/** The client's entry point as python3 -c runs it (exported for the unit tests). */
export const LAUNCHER = [
  'import os, re, sys',
  'from openstackclient.shell import main',
  `secret = re.compile(r'${PLACEHOLDER.source}')`,
  "args = [secret.sub(lambda m: os.environ['LAB_SECRET_' + m.group(1).upper()], a) for a in sys.argv[1:]]",
  'sys.exit(main(args))',
].join('\n');

export class OpenStackClient {
  constructor(
    private readonly engine: Engine,
    private readonly containerId: string,
    private readonly secrets: Record<string, string> = {},
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
    const env = Object.fromEntries(
      Object.entries(this.secrets).map(([name, value]) => [`LAB_SECRET_${name.toUpperCase()}`, value]),
    );
    const { exitCode, output } = await this.engine.exec(this.containerId, ['python3', '-c', LAUNCHER, ...args], {
      env,
    });
    if (exitCode !== 0)
      throw new OperationError(
        `openstack ${this.show(args)} failed (exit ${exitCode}): ${this.mask(output).trim().split('\n').slice(-5).join('\n')}`,
      );
    return output;
  }

  /** The command as it can be shown: secrets masked. */
  show(args: string[]): string {
    return this.mask(
      args
        .map((a) => a.replace(PLACEHOLDER, MASK))
        .map((a) => (/[\s'"]/.test(a) ? `'${a}'` : a))
        .join(' '),
    );
  }

  private mask(text: string): string {
    return maskSecrets(text, Object.values(this.secrets));
  }
}
