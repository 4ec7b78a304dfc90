// `lab logs SVC... [-f] [-n N] [--since DURATION]`: the screen logs of services, from
// $SCREEN_LOGDIR, several interleaved by time with a name prefix; `-f` follows them across
// restarts until interrupted. A stopped (or unstacked) service still shows its log.
import { catalogVariables, loadCatalog } from '../stack/catalog.js';
import { SERVICE_ALIASES } from '../config/services.js';
import { UsageError } from '../errors.js';
import { loadLab } from '../load.js';
import { interleave, LogFollower, parseSince, readServiceLog, selectLines, type ServiceLine } from '../logs/read.js';
import { displayPath } from '../paths.js';
import type { Verb } from './verb.js';

export const logsVerb: Verb = {
  name: 'logs',
  summary: "show services' screen logs ($SCREEN_LOGDIR/screen-<svc>.log); -f follows them across restarts",
  usage: 'lab logs [SVC...] [-f] [-n N] [--since DURATION] [-t]',
  details: [
    'With no SVC, every service of the lab. Aliases work (q-l3 is q-vpn). Several services are',
    'interleaved by time, each line prefixed with its service. -n is per service, as docker compose',
    'does; --since takes 90s, 10m, 2h, 1d (or an ISO date). Ctrl-C ends -f.',
  ],
  positionals: true,
  options: {
    follow: { type: 'boolean', short: 'f', description: 'keep printing new lines, across restarts, until interrupted' },
    tail: { type: 'string', short: 'n', valueName: 'N', description: 'the last N lines of each service' },
    since: { type: 'string', valueName: 'DURATION', description: 'only lines from this long ago on' },
    timestamps: { type: 'boolean', short: 't', description: "show Docker's timestamp of each line" },
  },
  async run({ values, positionals, localrc, out }) {
    const tail = values.tail === undefined ? undefined : Number(values.tail);
    if (tail !== undefined && (!Number.isInteger(tail) || tail < 0))
      throw new UsageError(`-n takes a whole number of lines, not "${String(values.tail)}"`);
    const since = values.since === undefined ? undefined : parseSince(String(values.since));
    if (values.since !== undefined && !since)
      throw new UsageError(
        `--since takes a duration like 90s, 10m, 2h or 1d, or an ISO date, not "${String(values.since)}"`,
      );

    const lab = await loadLab({ localrc });
    const known = loadCatalog(catalogVariables(lab.config)).services.map((s) => s.name);
    const services = positionals.length === 0 ? known : positionals.map((name) => SERVICE_ALIASES[name] ?? name);
    const unknown = services.filter((s) => !known.includes(s));
    if (unknown.length > 0) {
      const aliases = Object.entries(SERVICE_ALIASES)
        .map(([a, s]) => `${a} for ${s}`)
        .join(', ');
      throw new UsageError(
        `no service ${unknown.map((u) => `"${u}"`).join(', ')}; the services are ${known.join(', ')} (aliases: ${aliases})`,
      );
    }
    const prefixed = services.length > 1;
    const width = Math.max(...services.map((s) => s.length));
    const show = (line: ServiceLine) =>
      out(
        `${prefixed ? `${line.service.padEnd(width)} | ` : ''}${values.timestamps === true && line.timestamp ? `${line.timestamp} ` : ''}${line.text}`,
      );

    const logDir = lab.config.screenLogDir;
    const followers = values.follow === true ? services.map((s) => new LogFollower(logDir, s)) : [];
    interleave(services.map((s) => selectLines(readServiceLog(logDir, s), { tail, since }))).forEach(show);
    if (values.follow !== true) return 0;

    process.stderr.write(`lab: following ${services.join(', ')} in ${displayPath(logDir)}; Ctrl-C to stop\n`);
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => interleave(followers.map((f) => f.poll())).forEach(show), 200);
      const stop = () => {
        clearInterval(timer);
        resolve();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    return 0;
  },
};
