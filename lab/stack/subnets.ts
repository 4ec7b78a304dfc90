// What to tell a user whose lab network's subnet another Docker network already holds:
// which network, whose, and the two ways out (stop the other, or move this lab).
import { freeNetworkLike } from '../config/ipv4.js';
import type { LabConfig } from '../config/resolve.js';
import type { SubnetInUse } from '../engine.js';

export function subnetAdvice(
  conflict: Pick<SubnetInUse, 'subnet' | 'holders' | 'taken'>,
  config: Pick<LabConfig, 'peers' | 'labName'>,
): string {
  const ways = conflict.holders.map((h) => {
    // Its own network, made before FLOATING_RANGE's by an older lab: made again, it avoids it.
    if (h.project === config.labName)
      return `run lab unstack, then lab stack again (it makes ${h.network} anew, clear of ${conflict.subnet})`;
    return h.project
      ? `stop lab "${h.project}" first (lab unstack --lab ${h.project})`
      : `remove ${h.network} if nothing uses it (docker network rm ${h.network})`;
  });
  if (conflict.subnet === config.peers.floatingRange) {
    const free = freeNetworkLike(conflict.subnet, conflict.taken);
    ways.push(
      `give this lab another range: write ${free ? `FLOATING_RANGE=${free}` : 'a free FLOATING_RANGE'} in localrc (STRONGSWAN_IP and PUBLIC_NETWORK_GATEWAY follow it unless you set them)`,
    );
  }
  return `To fix: ${ways.join(', or ')}.`;
}
