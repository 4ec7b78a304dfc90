// What should run: for each enabled catalog service, the container to create, named and
// labelled for this lab, with a hash of everything that defines it (create options, image,
// the rendered files it mounts). A container whose hash differs is recreated (as docker
// compose does). Pure.
import { createHash } from 'node:crypto';
import type { Catalog, CatalogService, NetworkIpam } from './catalog.js';
import type { LabConfig } from '../config/resolve.js';
import type { ContainerCreate } from '../engine.js';
import { InputError, type Problem } from '../errors.js';
import { LABEL } from '../labels.js';

export interface ServicePlan {
  service: CatalogService;
  containerName: string;
  image: string;
  create: ContainerCreate;
  configHash: string;
  /** What the hash is made of, piece by piece: recorded on the container, so a changed one can be named. */
  parts: ConfigParts;
  /** Networks beyond the first, connected after the container is created. */
  extraNetworks: { name: string; aliases: string[]; ipv4Address?: string }[];
  /** Catalog services this one waits for, with the condition. */
  waitsFor: { service: string; condition: CatalogService['dependsOn'][number]['condition'] }[];
}

/** The inputs of a container, each hashed short: what `lab stack` names when it recreates one. */
export interface ConfigParts {
  /** The OpenStack release (absent on containers of labs before releases could be chosen). */
  release?: string;
  /** "lab/neutron:4ceacd9b9dea 1f2e3d4c5b6a" (tag, image id), or "<tag> not built". */
  image: string;
  /** Rendered files and lab's own code it mounts, by their path in the container. */
  files: Record<string, string>;
  /** Its create options by kind: environment, command, ports, mounts, networks, host settings. */
  options: Record<string, string>;
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

/**
 * A data volume is of one release: a database migrated by one Neutron is never opened by
 * another, and the simulator's state is what that Neutron's driver made.
 */
export function volumeName(project: string, release: string, volume: string): string {
  return resourceName(project, `${volume}-${release}`);
}

export function planLab(
  config: LabConfig,
  catalog: Catalog,
  images: Map<string, { tag: string; id: string }>,
  mounted: Map<string, string>,
): Plan {
  const project = config.labName;
  const warnings: Problem[] = [];
  const enabled = catalog.services.filter((s) => config.enabledServices.includes(s.partOf));
  const enabledNames = new Set(enabled.map((s) => s.name));
  for (const name of config.enabledServices.filter((n) => !catalog.services.some((s) => s.partOf === n))) {
    warnings.push({
      where: 'ENABLED_SERVICES',
      message: `${name} is enabled, but the catalog (compose/lab.yaml) has no container for it; it is not started`,
    });
  }
  const projectLabels = { [LABEL.project]: project };

  const services = enabled.map((service): ServicePlan => {
    const image = images.get(service.context);
    if (!image) throw new Error(`no image for ${service.context}`);
    const waitsFor = service.dependsOn.filter((d) => {
      if (enabledNames.has(d.service)) return true;
      const needed = catalog.services.find((s) => s.name === d.service)?.partOf ?? d.service;
      warnings.push({
        where: 'ENABLED_SERVICES',
        message: `${service.partOf} needs ${needed}, which is not enabled; ${service.partOf} will start without it and may not become ready`,
      });
      return false;
    });
    const withCode = withPlugins(service, config);
    const create = createOptions(project, config.release.name, withCode, image.tag);
    const binds = withCode.mounts.filter((m) => m.kind === 'bind');
    const configHash = hashOf({
      create,
      networks: service.networks,
      imageId: image.id,
      mounted: binds.map((m) => [m.source, mounted.get(m.source) ?? null]),
    });
    const parts = configParts(
      config.release.name,
      create,
      service,
      image,
      binds.flatMap((m) => (mounted.has(m.source) ? [[m.target, mounted.get(m.source) ?? ''] as const] : [])),
    );
    create.Labels = { ...create.Labels, [LABEL.configHash]: configHash, [LABEL.configParts]: JSON.stringify(parts) };
    const extraNetworks = service.networks.slice(1).map((n) => ({
      name: resourceName(project, n.name),
      aliases: n.aliases,
      ...(n.ipv4Address ? { ipv4Address: n.ipv4Address } : {}),
    }));
    return {
      service,
      containerName: containerName(project, service.name),
      image: image.tag,
      create,
      configHash,
      parts,
      extraNetworks,
      waitsFor,
    };
  });

  // A dependency cycle would leave every service of it waiting for the others.
  startOrder(services);
  const usedVolumes = new Set(enabled.flatMap((s) => s.mounts.filter((m) => m.kind === 'volume').map((m) => m.source)));
  return {
    project,
    services,
    networks: planNetworks(config, catalog),
    volumes: [...usedVolumes].map((v) => ({
      name: volumeName(project, config.release.name, v),
      labels: { ...projectLabels, [LABEL.service]: v, [LABEL.release]: config.release.name },
    })),
    warnings,
  };
}

/** The lab's networks: those its enabled services use, each with a hash of its addressing (a change is drift). */
export function planNetworks(config: LabConfig, catalog: Catalog): Plan['networks'] {
  const project = config.labName;
  const used = new Set(
    catalog.services
      .filter((s) => config.enabledServices.includes(s.partOf))
      .flatMap((s) => s.networks.map((n) => n.name)),
  );
  return [...used].map((n) => ({
    name: resourceName(project, n),
    labels: {
      [LABEL.project]: project,
      [LABEL.service]: n,
      [LABEL.labDir]: config.labDir,
      [LABEL.configHash]: hashOf(catalog.ipam[n] ?? null),
    },
    ...(catalog.ipam[n] ? { ipam: catalog.ipam[n] } : {}),
  }));
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
  const mounts = plugins.map((p) => ({
    kind: 'bind' as const,
    source: p.directory as string,
    target: pluginMountPoint(p.name),
    readOnly: true,
  }));
  const pythonPath = plugins.map((p) => pluginMountPoint(p.name)).join(':');
  return {
    ...service,
    mounts: [...service.mounts, ...mounts],
    environment: { ...service.environment, PYTHONPATH: pythonPath, PYTHONDONTWRITEBYTECODE: '1' },
  };
}

function createOptions(project: string, release: string, service: CatalogService, image: string): ContainerCreate {
  const ns = (ms: number) => Math.round(ms * 1e6);
  const exposed = Object.fromEntries(service.ports.map((p) => [`${p.containerPort}/tcp`, {}]));
  const bindings = Object.fromEntries(
    service.ports.map((p) => [`${p.containerPort}/tcp`, [{ HostIp: p.hostIp, HostPort: String(p.hostPort) }]]),
  );
  const [first] = service.networks;
  // Docker resolves the owner's name when the container is made: a new owner needs a new one.
  const shared = service.networkOf === undefined ? undefined : `container:${containerName(project, service.networkOf)}`;
  const network = shared ?? (first ? resourceName(project, first.name) : 'none');
  return {
    name: containerName(project, service.name),
    Image: image,
    ...(service.hostname ? { Hostname: service.hostname } : {}),
    ...(service.command ? { Cmd: service.command } : {}),
    Env: Object.entries(service.environment).map(([k, v]) => `${k}=${v}`),
    Labels: {
      [LABEL.project]: project,
      [LABEL.service]: service.name,
      [LABEL.partOf]: service.partOf,
      [LABEL.release]: release,
    },
    ExposedPorts: exposed,
    ...(service.healthcheck
      ? {
          Healthcheck: {
            Test: service.healthcheck.test,
            Interval: ns(service.healthcheck.intervalMs),
            Timeout: ns(service.healthcheck.timeoutMs),
            Retries: service.healthcheck.retries,
            StartPeriod: ns(service.healthcheck.startPeriodMs),
          },
        }
      : {}),
    HostConfig: {
      Binds: service.mounts.map(
        (m) =>
          `${m.kind === 'volume' ? volumeName(project, release, m.source) : m.source}:${m.target}${m.readOnly ? ':ro' : ''}`,
      ),
      PortBindings: bindings,
      CapAdd: service.capAdd,
      SecurityOpt: service.securityOpt,
      Devices: service.devices.map((d) => ({ PathOnHost: d, PathInContainer: d, CgroupPermissions: 'rwm' })),
      NetworkMode: network,
      // The catalog says per service: Neutron's services stay down when they crash (their
      // log says why, as in DevStack); the broker, the database and the peers come back.
      RestartPolicy: { Name: service.restart },
      ...(service.memLimitBytes !== undefined
        ? { Memory: service.memLimitBytes, MemorySwap: service.memLimitBytes }
        : {}),
      // A real init reaps the children agents spawn (dnsmasq, charon, privsep helpers).
      Init: true,
    },
    ...(shared
      ? {}
      : {
          NetworkingConfig: {
            EndpointsConfig: {
              [network]: {
                Aliases: first?.aliases ?? [],
                ...(first?.ipv4Address ? { IPAMConfig: { IPv4Address: first.ipv4Address } } : {}),
              },
            },
          },
        }),
  };
}

function hashOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}

const shortHash = (value: unknown) => hashOf(value).slice(0, 12);

function configParts(
  release: string,
  create: ContainerCreate,
  service: CatalogService,
  image: { tag: string; id: string },
  files: readonly (readonly [string, string])[],
): ConfigParts {
  const { Env, Cmd, ExposedPorts, HostConfig, NetworkingConfig, Labels: _labels, Image: _image, ...container } = create;
  const { Binds, PortBindings, NetworkMode, ...host } = HostConfig ?? {};
  const id = image.id.replace(/^sha256:/, '').slice(0, 12);
  return {
    release,
    image: /^[0-9a-f]{12}$/.test(id) ? `${image.tag} ${id}` : `${image.tag} not built`,
    files: Object.fromEntries(files.map(([target, content]) => [target, shortHash(content)])),
    options: {
      environment: shortHash(Env ?? []),
      command: shortHash(Cmd ?? []),
      ports: shortHash([ExposedPorts, PortBindings]),
      mounts: shortHash(Binds ?? []),
      networks: shortHash([NetworkMode, NetworkingConfig, service.networks]),
      'container settings': shortHash([container, host]),
    },
  };
}

/** Order in which services can start: each after what it waits for. */
export function startOrder(plans: ServicePlan[]): ServicePlan[] {
  const done = new Set<string>();
  const order: ServicePlan[] = [];
  while (order.length < plans.length) {
    const next = plans.find((p) => !done.has(p.service.name) && p.waitsFor.every((w) => done.has(w.service)));
    if (!next)
      throw new InputError([
        {
          where: 'compose/lab.yaml',
          message: `depends_on makes a cycle among ${plans
            .filter((p) => !done.has(p.service.name))
            .map((p) => p.service.name)
            .join(', ')}; remove one of the dependencies`,
        },
      ]);
    done.add(next.service.name);
    order.push(next);
  }
  return order;
}
