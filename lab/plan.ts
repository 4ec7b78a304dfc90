// What should run: for each enabled catalog service, the container to create, named and
// labelled for this lab, with a hash of everything that defines it (create options, image,
// the rendered files it mounts). A container whose hash differs is recreated (as docker
// compose does). Pure.
import { createHash } from 'node:crypto';
import type { Catalog, CatalogService, NetworkIpam } from './catalog.js';
import type { LabConfig } from './config/resolve.js';
import type { ContainerCreate } from './engine.js';
import { InputError, type Problem } from './errors.js';
import { LABEL } from './labels.js';

export interface ServicePlan {
  service: CatalogService;
  containerName: string;
  image: string;
  create: ContainerCreate;
  configHash: string;
  /** Networks beyond the first, connected after the container is created. */
  extraNetworks: { name: string; aliases: string[]; ipv4Address?: string }[];
  /** Catalog services this one waits for, with the condition. */
  waitsFor: { service: string; condition: CatalogService['dependsOn'][number]['condition'] }[];
}

export interface Plan {
  project: string;
  services: ServicePlan[];
  networks: { name: string; labels: Record<string, string>; ipam?: NetworkIpam }[];
  volumes: { name: string; labels: Record<string, string> }[];
  warnings: Problem[];
}

export function containerName(project: string, service: string): string {
  return `${project}-${service}`;
}

export function resourceName(project: string, name: string): string {
  return `${project}-${name}`;
}

export function planLab(config: LabConfig, catalog: Catalog, images: Map<string, { tag: string; id: string }>, mounted: Map<string, string>): Plan {
  const project = config.labName;
  const warnings: Problem[] = [];
  const enabled = catalog.services.filter((s) => config.enabledServices.includes(s.partOf));
  const enabledNames = new Set(enabled.map((s) => s.name));
  for (const name of config.enabledServices.filter((n) => !catalog.services.some((s) => s.partOf === n))) {
    warnings.push({ where: 'ENABLED_SERVICES', message: `${name} is enabled, but the catalog (compose/lab.yaml) has no container for it; it is not started` });
  }
  const projectLabels = { [LABEL.project]: project };

  const services = enabled.map((service): ServicePlan => {
    const image = images.get(service.context);
    if (!image) throw new Error(`no image for ${service.context}`);
    const waitsFor = service.dependsOn.filter((d) => {
      if (enabledNames.has(d.service)) return true;
      const needed = catalog.services.find((s) => s.name === d.service)?.partOf ?? d.service;
      warnings.push({ where: 'ENABLED_SERVICES', message: `${service.partOf} needs ${needed}, which is not enabled; ${service.partOf} will start without it and may not become ready` });
      return false;
    });
    const create = createOptions(project, withPlugins(service, config), image.tag);
    const configHash = hashOf({ create, networks: service.networks, imageId: image.id, mounted: withPlugins(service, config).mounts.filter((m) => m.kind === 'bind').map((m) => [m.source, mounted.get(m.source) ?? null]) });
    create.Labels = { ...create.Labels, [LABEL.configHash]: configHash };
    const extraNetworks = service.networks.slice(1).map((n) => ({ name: resourceName(project, n.name), aliases: n.aliases, ...(n.ipv4Address ? { ipv4Address: n.ipv4Address } : {}) }));
    return { service, containerName: containerName(project, service.name), image: image.tag, create, configHash, extraNetworks, waitsFor };
  });

  // A dependency cycle would leave every service of it waiting for the others.
  startOrder(services);
  const usedNetworks = new Set(enabled.flatMap((s) => s.networks.map((n) => n.name)));
  const usedVolumes = new Set(enabled.flatMap((s) => s.mounts.filter((m) => m.kind === 'volume').map((m) => m.source)));
  return {
    project,
    services,
    networks: [...usedNetworks].map((n) => ({ name: resourceName(project, n), labels: { ...projectLabels, [LABEL.service]: n, [LABEL.labDir]: config.labDir }, ...(catalog.ipam[n] ? { ipam: catalog.ipam[n] } : {}) })),
    volumes: [...usedVolumes].map((v) => ({ name: resourceName(project, v), labels: { ...projectLabels, [LABEL.service]: v } })),
    warnings,
  };
}

/** Where a developer's plugin directory appears in the containers. */
export function pluginMountPoint(name: string): string {
  return `/opt/lab/plugins/${name}`;
}

/**
 * enable_plugin directories, mounted read-only, each on PYTHONPATH (as DevStack's
 * setup_develop makes a checkout importable), so their classes can be named as drivers.
 * Editing the code changes no hash: a restart runs the new code, with no rebuild.
 */
function withPlugins(service: CatalogService, config: LabConfig): CatalogService {
  const plugins = config.plugins.filter((p) => p.kind === 'directory' && p.directory !== undefined);
  if (!service.plugins || plugins.length === 0) return service;
  const mounts = plugins.map((p) => ({ kind: 'bind' as const, source: p.directory as string, target: pluginMountPoint(p.name), readOnly: true }));
  const pythonPath = plugins.map((p) => pluginMountPoint(p.name)).join(':');
  return { ...service, mounts: [...service.mounts, ...mounts], environment: { ...service.environment, PYTHONPATH: pythonPath, PYTHONDONTWRITEBYTECODE: '1' } };
}

function createOptions(project: string, service: CatalogService, image: string): ContainerCreate {
  const ns = (ms: number) => Math.round(ms * 1e6);
  const exposed = Object.fromEntries(service.ports.map((p) => [`${p.containerPort}/tcp`, {}]));
  const bindings = Object.fromEntries(service.ports.map((p) => [`${p.containerPort}/tcp`, [{ HostIp: p.hostIp, HostPort: String(p.hostPort) }]]));
  const [first] = service.networks;
  const network = first ? resourceName(project, first.name) : 'none';
  return {
    name: containerName(project, service.name),
    Image: image,
    ...(service.hostname ? { Hostname: service.hostname } : {}),
    ...(service.command ? { Cmd: service.command } : {}),
    Env: Object.entries(service.environment).map(([k, v]) => `${k}=${v}`),
    Labels: { [LABEL.project]: project, [LABEL.service]: service.name, [LABEL.partOf]: service.partOf },
    ExposedPorts: exposed,
    ...(service.healthcheck
      ? { Healthcheck: { Test: service.healthcheck.test, Interval: ns(service.healthcheck.intervalMs), Timeout: ns(service.healthcheck.timeoutMs), Retries: service.healthcheck.retries, StartPeriod: ns(service.healthcheck.startPeriodMs) } }
      : {}),
    HostConfig: {
      Binds: service.mounts.map((m) => `${m.kind === 'volume' ? resourceName(project, m.source) : m.source}:${m.target}${m.readOnly ? ':ro' : ''}`),
      PortBindings: bindings,
      CapAdd: service.capAdd,
      SecurityOpt: service.securityOpt,
      Devices: service.devices.map((d) => ({ PathOnHost: d, PathInContainer: d, CgroupPermissions: 'rwm' })),
      NetworkMode: network,
      // The catalog says per service: Neutron's services stay down when they crash (their
      // log says why, as in DevStack); the broker, the database and the peers come back.
      RestartPolicy: { Name: service.restart },
      ...(service.memLimitBytes !== undefined ? { Memory: service.memLimitBytes, MemorySwap: service.memLimitBytes } : {}),
      // A real init reaps the children agents spawn (dnsmasq, charon, privsep helpers).
      Init: true,
    },
    NetworkingConfig: { EndpointsConfig: { [network]: { Aliases: first?.aliases ?? [], ...(first?.ipv4Address ? { IPAMConfig: { IPv4Address: first.ipv4Address } } : {}) } } },
  };
}

function hashOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}

/** Order in which services can start: each after what it waits for. */
export function startOrder(plans: ServicePlan[]): ServicePlan[] {
  const done = new Set<string>();
  const order: ServicePlan[] = [];
  while (order.length < plans.length) {
    const next = plans.find((p) => !done.has(p.service.name) && p.waitsFor.every((w) => done.has(w.service)));
    if (!next) throw new InputError([{ where: 'compose/lab.yaml', message: `depends_on makes a cycle among ${plans.filter((p) => !done.has(p.service.name)).map((p) => p.service.name).join(', ')}; remove one of the dependencies` }]);
    done.add(next.service.name);
    order.push(next);
  }
  return order;
}
