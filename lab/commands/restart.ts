// `lab restart SVC...`: after editing driver code or config. Re-reads localrc/local.conf
// and re-renders; a service whose rendered config or image changed is recreated, the
// others are restarted; each is waited for with the same readiness checks as `lab stack`.
import { aliasWords, SERVICE_ALIASES, LAB_SERVICES } from '../config/services.js';
import { UsageError } from '../errors.js';
import { startRunLog } from '../logs/runlog.js';
import { seconds, stackLab } from '../stack/executor.js';
import type { Verb } from './verb.js';

export const restartVerb: Verb = {
  name: 'restart',
  summary: 'restart services (recreate those whose config or image changed), each until ready again',
  usage: 'lab restart SVC... [--localrc PATH]',
  details: [
    "The driver developer's loop: edit the service driver, `lab restart q-svc`; edit the device",
    'driver, `lab restart q-vpn` (q-l3 is an alias). Code mounted with enable_plugin needs no',
    'rebuild. After restarting rabbit, lab waits for the agent to reconnect (and restarts it,',
    'saying so, if it does not).',
  ],
  positionals: true,
  options: {},
  async run({ positionals, localrc, out, err }) {
    if (positionals.length === 0) throw new UsageError('name the services to restart, e.g. lab restart q-svc q-vpn');
    const services = positionals.map((name) => SERVICE_ALIASES[name] ?? name);
    const unknown = services.filter((s) => !(LAB_SERVICES as readonly string[]).includes(s));
    if (unknown.length > 0)
      throw new UsageError(
        `no service ${unknown.map((u) => `"${u}"`).join(', ')}; lab's services are ${LAB_SERVICES.join(', ')} (${aliasWords()})`,
      );
    let stopRunLog: (() => void) | undefined;
    try {
      const result = await stackLab({
        localrc,
        restart: services,
        warn: (w) => err(`lab: warning: ${w.where}: ${w.message}`),
        notice: (line) => err(`lab: ${line}`),
        onLoaded: (lab) => {
          const notEnabled = services.filter((s) => !lab.config.enabledServices.includes(s as never));
          if (notEnabled.length > 0)
            throw new UsageError(
              `${notEnabled.join(', ')} ${notEnabled.length > 1 ? 'are' : 'is'} not in ENABLED_SERVICES (${lab.config.enabledServices.join(',')})`,
            );
          if (lab.config.logFile) stopRunLog = startRunLog(lab.config.logFile, lab.config.logDays);
        },
      });
      out('');
      for (const s of result.services)
        out(
          `  ${s.service.padEnd(12)} ${s.action.padEnd(12)} ${s.readyMs > 0 ? `ready ${seconds(s.readyMs)} after start` : ''}`.trimEnd(),
        );
      out(`restarted ${services.join(', ')} in ${seconds(result.totalMs)}`);
      if (result.stale.length > 0)
        err(
          `lab: note: the config of ${result.stale.join(', ')} changed too (a shared file); lab restart ${result.stale.join(' ')} applies it`,
        );
      return 0;
    } finally {
      stopRunLog?.();
    }
  },
};
