// Labels on everything lab creates. What runs is found by these, never by re-reading localrc.
export const LABEL = {
  project: 'lab.project',
  service: 'lab.service',
  /** The ENABLED_SERVICES name a container belongs to (q-db-sync belongs to q-svc). */
  partOf: 'lab.part-of',
  configHash: 'lab.config-hash',
  /** On containers: what the config hash is made of, each part hashed (JSON): the cause of a recreate. */
  configParts: 'lab.config-parts',
  /** On the network: the lab directory, so `lab clean` finds it without the localrc. */
  labDir: 'lab.dir',
  /** On images: the build context they were made from. */
  image: 'lab.image',
  contextHash: 'lab.context-hash',
  /** On images, containers and volumes: the OpenStack release (OPENSTACK_RELEASE) they are of. */
  release: 'lab.release',
} as const;

export function projectFilter(project: string): { label: string[] } {
  return { label: [`${LABEL.project}=${project}`] };
}
