// The only module that talks to Docker (dockerode). Everything else asks it in lab's terms:
// images by tag, containers, networks and volumes by the lab's labels.
import Docker from 'dockerode';
import { PassThrough, type Readable } from 'node:stream';
import { OperationError } from './errors.js';
import { LABEL } from './labels.js';
import { DockerLogLines, LineSplitter } from './logs/lines.js';
import type { NetworkIpam } from './stack/catalog.js';
import { isCidr, overlaps } from './config/ipv4.js';

export type ContainerCreate = Docker.ContainerCreateOptions;

export interface ContainerInfo {
  id: string;
  name: string;
  service: string;
  partOf: string;
  labels: Record<string, string>;
  state: string;
  health: string | undefined;
  startedAt: string | undefined;
  finishedAt: string | undefined;
  exitCode: number | undefined;
  /** How often the engine restarted it (its restart policy). */
  restartCount: number;
  image: string;
  ports: string[];
  configHash: string | undefined;
  hostname: string;
  /** The container's environment (may hold secrets: never print it whole). */
  env: Record<string, string>;
}

export interface ResourceInfo {
  name: string;
  labels: Record<string, string>;
}

export interface NetworkInfo extends ResourceInfo {
  subnets: string[];
}

export class BuildFailed extends OperationError {
  constructor(
    readonly tag: string,
    readonly detail: string,
    readonly lastLines: string[],
  ) {
    super(`building ${tag} failed: ${detail}\n${lastLines.map((l) => `    ${l}`).join('\n')}`);
  }
}

/** A network of the engine's that overlaps the subnet a lab network needs. */
export interface SubnetHolder {
  network: string;
  subnet: string;
  /** Its lab, when lab made it. */
  project: string | undefined;
}

export class SubnetInUse extends OperationError {
  constructor(
    readonly network: string,
    readonly subnet: string,
    readonly holders: SubnetHolder[],
    readonly taken: string[],
  ) {
    super(
      `cannot create the network ${network} on ${subnet}: ${holders.map((h) => `the Docker network ${h.network}${h.project ? ` (lab "${h.project}")` : ''} uses ${h.subnet}`).join('; ')}`,
    );
  }
}

/** A Docker call that got no answer within its bound, or whose connection to the engine broke. */
export class EngineStopped extends OperationError {
  constructor(
    readonly step: string,
    detail: string,
  ) {
    super(
      `the Docker engine stopped answering during ${step} (${detail}); see whether it runs (docker info; scripts/prepare-host.sh starts one), then run the command again`,
    );
  }
}

/**
 * The bound of one request to the engine, in seconds: LAB_ENGINE_TIMEOUT, else 60. Long
 * operations (builds, imports, pulls) have their own, longer bounds.
 */
export function engineTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const seconds = Number(env.LAB_ENGINE_TIMEOUT);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 60_000;
}

const BUILD_BOUND_MS = 30 * 60_000;
const IMPORT_BOUND_MS = 10 * 60_000;
/** Lab's own commands in containers (checks, the demo's client calls, lab-probe). */
const EXEC_BOUND_MS = 180_000;

export interface ExecOptions {
  /** Extra environment of the command: how a secret reaches it without its command line. */
  env?: Record<string, string>;
  /** Bound on the command's run; undefined: none (a user's own `lab exec` command). */
  timeoutMs?: number | undefined;
}

export class Engine {
  private readonly docker: Docker;
  private readonly callMs: number;

  constructor(options?: Docker.DockerOptions, callMs = engineTimeoutMs()) {
    this.docker = new Docker(options);
    this.callMs = callMs;
  }

  /** Throws a message saying how to get an engine when none answers. */
  async requireEngine(): Promise<void> {
    try {
      await this.call(
        'a ping',
        (abortSignal) => (this.docker.ping as (options: object) => Promise<unknown>).call(this.docker, { abortSignal }),
        Math.min(5000, this.callMs),
      );
    } catch (error) {
      const detail =
        error instanceof EngineStopped
          ? (/\((.*)\);/.exec(error.message)?.[1] ?? error.message)
          : (error as Error).message;
      throw new OperationError(
        `no Docker engine answers (${detail}): start one with scripts/prepare-host.sh (as root; installs docker.io and starts dockerd), or set DOCKER_HOST`,
      );
    }
  }

  /**
   * One bounded request: aborted at the bound (so no socket is left waiting and lab can
   * exit), and a broken connection to the engine becomes EngineStopped naming the step.
   */
  private async call<T>(
    step: string,
    request: (signal: AbortSignal) => Promise<T>,
    ms = this.callMs,
    outer?: AbortSignal,
  ): Promise<T> {
    const bound = new AbortController();
    const timer = setTimeout(() => bound.abort(), ms);
    const signal = outer ? AbortSignal.any([bound.signal, outer]) : bound.signal;
    try {
      return await request(signal);
    } catch (error) {
      if (bound.signal.aborted) throw new EngineStopped(step, `no answer within ${ms / 1000} s`);
      if (isConnectionError(error)) throw new EngineStopped(step, (error as Error).message);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  // ---- images ----

  async imageId(ref: string): Promise<string | undefined> {
    try {
      return (
        await this.call(`the inspect of image ${ref}`, (abortSignal) =>
          this.docker.getImage(ref).inspect(signalled({}, abortSignal)),
        )
      ).Id;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Tries a pull; false when the image cannot be had (no registry), within the bound. */
  async tryPull(ref: string, timeoutMs: number): Promise<boolean> {
    try {
      await this.call(
        `the pull of ${ref}`,
        async (abortSignal) => followProgress(this.docker, await this.docker.pull(ref, { abortSignal })),
        timeoutMs,
      );
      return (await this.imageId(ref)) !== undefined;
    } catch (error) {
      // The engine itself gone is not "no registry": that is said as it is.
      if (error instanceof EngineStopped && !/no answer within/.test(error.message)) throw error;
      return false;
    }
  }

  /** `docker import` of a root file system tar stream. */
  async importRootfs(tar: Readable, ref: string, changes: string[]): Promise<void> {
    const [repo, tag] = splitRef(ref);
    await this.call(
      `the import of ${ref}`,
      async (abortSignal) =>
        followProgress(this.docker, await this.docker.importImage(tar, { repo, tag, changes, abortSignal } as object)),
      IMPORT_BOUND_MS,
    );
    if ((await this.imageId(ref)) === undefined) throw new OperationError(`docker import did not produce ${ref}`);
  }

  /**
   * Builds a context directory into `tag`. The build stream's error objects are the
   * failure signal (the API answers 200 even when a RUN step fails).
   */
  async build(
    contextDir: string,
    files: string[],
    tag: string,
    buildArgs: Record<string, string>,
    labels: Record<string, string>,
    onLine: (line: string) => void,
    signal?: AbortSignal,
  ): Promise<void> {
    const lastLines: string[] = [];
    const remember = (line: string) => {
      lastLines.push(line);
      if (lastLines.length > 25) lastLines.shift();
      onLine(line);
    };
    let failure: string | undefined;
    await this.call(
      `the build of ${tag}`,
      async (abortSignal) => {
        const stream = await this.docker.buildImage(
          { context: contextDir, src: files },
          { t: tag, buildargs: buildArgs, labels, rm: true, forcerm: true, abortSignal },
        );
        await followProgress(
          this.docker,
          stream,
          (event: { stream?: string; error?: string; errorDetail?: { message?: string } }) => {
            if (event.stream)
              for (const line of event.stream.split('\n')) if (line.trim() !== '') remember(line.trimEnd());
            if (event.error || event.errorDetail) failure = event.errorDetail?.message ?? event.error;
          },
        ).catch((error: Error) => {
          if (abortSignal.aborted) throw error;
          failure ??= error.message;
        });
      },
      BUILD_BOUND_MS,
      signal,
    );
    if (failure !== undefined) throw new BuildFailed(tag, failure, lastLines);
    if ((await this.imageId(tag)) === undefined)
      throw new BuildFailed(tag, 'the engine reported no error but the image is missing', lastLines);
  }

  async listImages(label: string): Promise<{ id: string; tags: string[] }[]> {
    const images = await this.call(`the listing of images labelled ${label}`, (abortSignal) =>
      this.docker.listImages({ filters: { label: [label] }, abortSignal }),
    );
    return images.map((i) => ({ id: i.Id, tags: i.RepoTags ?? [] }));
  }

  async removeImage(ref: string): Promise<void> {
    await this.call(`the removal of image ${ref}`, (abortSignal) => this.docker.getImage(ref).remove({ abortSignal }));
  }

  // ---- networks and volumes ----

  async ensureNetwork(name: string, labels: Record<string, string>, ipam?: NetworkIpam): Promise<void> {
    if (await this.networkExists(name)) return;
    if (ipam) await this.refuseTakenSubnet(name, ipam.subnet);
    const IPAM = ipam
      ? {
          Driver: 'default',
          Config: [
            {
              Subnet: ipam.subnet,
              ...(ipam.ipRange ? { IPRange: ipam.ipRange } : {}),
              ...(ipam.gateway ? { Gateway: ipam.gateway } : {}),
            },
          ],
        }
      : undefined;
    try {
      await this.call(`the creation of network ${name}`, (abortSignal) =>
        this.docker.createNetwork({
          Name: name,
          Driver: 'bridge',
          Labels: labels,
          CheckDuplicate: true,
          ...(IPAM ? { IPAM } : {}),
          abortSignal,
        } as Docker.NetworkCreateOptions),
      );
    } catch (error) {
      if (!ipam || !isSubnetConflict(error)) throw error;
      // Another network took the subnet between the look and the create.
      await this.refuseTakenSubnet(name, ipam.subnet);
      throw error;
    }
  }

  /** The subnets the engine gave a network (none when it has no such network). */
  async networkSubnets(name: string): Promise<string[]> {
    return (await this.networksNamed(name)).flatMap(subnetsOf);
  }

  private async networkExists(name: string): Promise<boolean> {
    return (await this.networksNamed(name)).length > 0;
  }

  private async networksNamed(name: string): Promise<Docker.NetworkInspectInfo[]> {
    const networks = await this.call(`the lookup of network ${name}`, (abortSignal) =>
      this.docker.listNetworks({ filters: { name: [name] }, abortSignal }),
    );
    return networks.filter((n) => n.Name === name);
  }

  /** Throws SubnetInUse when another network of the engine's overlaps `subnet`. */
  private async refuseTakenSubnet(name: string, subnet: string): Promise<void> {
    const networks = await this.call('the listing of networks', (abortSignal) =>
      this.docker.listNetworks({ abortSignal }),
    );
    const used = networks
      .filter((n) => n.Name !== name)
      .flatMap((n) =>
        subnetsOf(n)
          .filter(isCidr)
          .map((subnet) => ({ network: n.Name, subnet, project: n.Labels?.[LABEL.project] })),
      );
    const holders = used.filter((u) => overlaps(u.subnet, subnet));
    if (holders.length > 0)
      throw new SubnetInUse(
        name,
        subnet,
        holders,
        used.map((u) => u.subnet),
      );
  }

  async connectNetwork(container: string, network: string, aliases: string[], ipv4Address?: string): Promise<void> {
    await this.call(`connecting ${container} to network ${network}`, (abortSignal) =>
      this.docker.getNetwork(network).connect(
        signalled(
          {
            Container: container,
            EndpointConfig: {
              Aliases: aliases,
              ...(ipv4Address ? { IPAMConfig: { IPv4Address: ipv4Address } } : {}),
            },
          },
          abortSignal,
        ),
      ),
    );
  }

  async listNetworks(project: string): Promise<NetworkInfo[]> {
    const networks = await this.call(`the listing of lab ${project}'s networks`, (abortSignal) =>
      this.docker.listNetworks({ filters: { label: [`${LABEL.project}=${project}`] }, abortSignal }),
    );
    return networks.map((n) => ({ name: n.Name, labels: n.Labels ?? {}, subnets: subnetsOf(n) }));
  }

  async removeNetwork(name: string): Promise<void> {
    await ignoreNotFound(
      this.call(`the removal of network ${name}`, (abortSignal) =>
        this.docker.getNetwork(name).remove({ abortSignal }),
      ),
    );
  }

  async ensureVolume(name: string, labels: Record<string, string>): Promise<void> {
    try {
      await this.call(`the inspect of volume ${name}`, (abortSignal) =>
        this.docker.getVolume(name).inspect({ abortSignal }),
      );
    } catch (error) {
      if (!isNotFound(error)) throw error;
      await this.call(`the creation of volume ${name}`, (abortSignal) =>
        this.docker.createVolume({ Name: name, Labels: labels, abortSignal } as Docker.VolumeCreateOptions),
      );
    }
  }

  async listVolumes(project: string): Promise<ResourceInfo[]> {
    const { Volumes } = await this.call(`the listing of lab ${project}'s volumes`, (abortSignal) =>
      this.docker.listVolumes({ filters: { label: [`${LABEL.project}=${project}`] }, abortSignal }),
    );
    return (Volumes ?? []).map((v) => ({ name: v.Name, labels: v.Labels ?? {} }));
  }

  async removeVolume(name: string): Promise<void> {
    await ignoreNotFound(
      this.call(`the removal of volume ${name}`, (abortSignal) => this.docker.getVolume(name).remove({ abortSignal })),
    );
  }

  /** Every project (lab.project value) that has a container, network or volume here. */
  async projects(): Promise<string[]> {
    const containers = await this.call('the listing of labs', (abortSignal) =>
      this.docker.listContainers({ all: true, filters: { label: [LABEL.project] }, abortSignal }),
    );
    const networks = await this.call('the listing of labs', (abortSignal) =>
      this.docker.listNetworks({ filters: { label: [LABEL.project] }, abortSignal }),
    );
    const names = new Set([
      ...containers.map((c) => c.Labels[LABEL.project]),
      ...networks.map((n) => n.Labels?.[LABEL.project]),
    ]);
    return [...names].filter((n): n is string => typeof n === 'string').sort();
  }

  // ---- containers ----

  async listContainers(project: string): Promise<ContainerInfo[]> {
    const list = await this.call(`the listing of lab ${project}'s containers`, (abortSignal) =>
      this.docker.listContainers({ all: true, filters: { label: [`${LABEL.project}=${project}`] }, abortSignal }),
    );
    const infos = await Promise.all(list.map((c) => this.inspectContainer(c.Id)));
    return infos.filter((i): i is ContainerInfo => i !== undefined);
  }

  async inspectContainer(idOrName: string): Promise<ContainerInfo | undefined> {
    let data: Docker.ContainerInspectInfo;
    try {
      data = await this.call(`the inspect of container ${shortId(idOrName)}`, (abortSignal) =>
        this.docker.getContainer(idOrName).inspect({ abortSignal }),
      );
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
    const labels = data.Config.Labels ?? {};
    const ports = Object.entries(data.HostConfig.PortBindings ?? {}).flatMap(([port, bindings]) =>
      ((bindings as { HostIp?: string; HostPort?: string }[] | null) ?? []).map(
        (b) => `${b.HostIp || '0.0.0.0'}:${b.HostPort}->${port}`,
      ),
    );
    return {
      id: data.Id,
      name: data.Name.replace(/^\//, ''),
      service: labels[LABEL.service] ?? '',
      partOf: labels[LABEL.partOf] ?? labels[LABEL.service] ?? '',
      labels,
      state: data.State.Status,
      health: data.State.Health?.Status,
      startedAt: data.State.StartedAt,
      finishedAt: data.State.FinishedAt,
      exitCode: data.State.ExitCode,
      restartCount: data.RestartCount ?? 0,
      image: data.Config.Image,
      ports,
      configHash: labels[LABEL.configHash],
      hostname: data.Config.Hostname,
      env: Object.fromEntries(
        (data.Config.Env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]),
      ),
    };
  }

  async createContainer(options: ContainerCreate): Promise<string> {
    const container = await this.call(`the creation of container ${options.name ?? ''}`, (abortSignal) =>
      this.docker.createContainer({ ...options, abortSignal } as ContainerCreate),
    );
    return container.id;
  }

  async startContainer(id: string): Promise<void> {
    try {
      await this.call(`the start of container ${shortId(id)}`, (abortSignal) =>
        this.docker.getContainer(id).start({ abortSignal }),
      );
    } catch (error) {
      // 304: already running.
      if ((error as { statusCode?: number }).statusCode !== 304) throw error;
    }
  }

  /** The engine waits `stopSeconds` before it kills: the bound is that plus the usual one. */
  async restartContainer(id: string, stopSeconds: number): Promise<void> {
    await this.call(
      `the restart of container ${shortId(id)}`,
      (abortSignal) => this.docker.getContainer(id).restart({ t: stopSeconds, abortSignal }),
      stopSeconds * 1000 + this.callMs,
    );
  }

  async stopContainer(id: string, stopSeconds: number): Promise<void> {
    try {
      await this.call(
        `the stop of container ${shortId(id)}`,
        (abortSignal) => this.docker.getContainer(id).stop({ t: stopSeconds, abortSignal }),
        stopSeconds * 1000 + this.callMs,
      );
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode;
      if (status !== 304 && !isNotFound(error)) throw error;
    }
  }

  async removeContainer(id: string): Promise<void> {
    await ignoreNotFound(
      this.call(`the removal of container ${shortId(id)}`, (abortSignal) =>
        this.docker.getContainer(id).remove({ force: true, v: false, abortSignal }),
      ),
    );
  }

  /** The last `tail` lines of a container's stdout and stderr, in order. */
  async logTail(id: string, tail: number): Promise<string[]> {
    try {
      const buffer = (await this.call(`reading the log of container ${shortId(id)}`, (abortSignal) =>
        this.docker.getContainer(id).logs({ stdout: true, stderr: true, tail, follow: false, abortSignal }),
      )) as unknown as Buffer;
      return demuxBuffer(buffer)
        .split('\n')
        .filter((l) => l !== '');
    } catch (error) {
      if (isNotFound(error)) return [];
      throw error;
    }
  }

  /**
   * Streams a container's log lines (stdout and stderr as Docker stored them, in order),
   * each with Docker's RFC 3339 nanosecond timestamp, from `since` (Unix seconds, may be
   * fractional) until the container stops or `stop` is called; `onEnd` is called once.
   * The bound is on the engine's answer; the stream then lasts as long as the container.
   */
  async followLogs(
    id: string,
    onLine: (timestamp: string, text: string) => void,
    options: { since?: string; onEnd?: () => void } = {},
  ): Promise<() => void> {
    const stream = (await this.call(`following the log of container ${shortId(id)}`, (abortSignal) =>
      this.docker.getContainer(id).logs({
        stdout: true,
        stderr: true,
        follow: true,
        timestamps: true,
        ...(options.since ? { since: options.since as unknown as number } : {}),
        abortSignal,
      }),
    )) as unknown as Readable;
    const lines = new DockerLogLines(onLine);
    stream.on('data', (chunk: Buffer) => lines.write(chunk));
    let ended = false;
    const end = (complete: boolean) => {
      if (ended) return;
      ended = true;
      // A line cut off by a broken connection is held back: read again, it comes whole.
      if (complete) lines.end();
      options.onEnd?.();
    };
    stream.on('end', () => end(true));
    stream.on('close', () => end(false));
    stream.on('error', () => end(false));
    return () => stream.destroy();
  }

  /**
   * Container start, die and destroy events of one lab, as they happen; `onEnd` is called
   * once when the stream ends, breaks (the engine went away) or is stopped.
   */
  async containerEvents(
    project: string,
    onEvent: (event: { action: string; id: string; service: string }) => void,
    options: { onEnd?: () => void } = {},
  ): Promise<() => void> {
    const stream = (await this.call(`subscribing to lab ${project}'s events`, (abortSignal) =>
      this.docker.getEvents({
        filters: { type: ['container'], label: [`${LABEL.project}=${project}`], event: ['start', 'die', 'destroy'] },
        abortSignal,
      }),
    )) as unknown as Readable;
    const lines = new LineSplitter((line) => {
      if (line.trim() === '') return;
      let event: {
        Action?: string;
        status?: string;
        id?: string;
        Actor?: { ID?: string; Attributes?: Record<string, string> };
      };
      try {
        event = JSON.parse(line) as typeof event;
      } catch {
        return;
      }
      onEvent({
        action: event.Action ?? event.status ?? '',
        id: event.Actor?.ID ?? event.id ?? '',
        service: event.Actor?.Attributes?.[LABEL.service] ?? '',
      });
    });
    stream.on('data', (chunk: Buffer) => lines.write(chunk));
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      options.onEnd?.();
    };
    stream.on('end', end);
    stream.on('close', end);
    stream.on('error', end);
    return () => stream.destroy();
  }

  /**
   * Runs a command in a running container with its output passed through; its exit code.
   * Each request is bounded; the command's own run is bounded by `timeoutMs` when given.
   */
  async execPassThrough(
    id: string,
    cmd: string[],
    stdout: NodeJS.WritableStream,
    stderr: NodeJS.WritableStream,
    options: ExecOptions = {},
  ): Promise<number> {
    const what = `the command ${cmd[0] ?? ''} in container ${shortId(id)}`;
    const Env = Object.entries(options.env ?? {}).map(([k, v]) => `${k}=${v}`);
    const exec = await this.call(`the start of ${what}`, (abortSignal) =>
      this.docker.getContainer(id).exec({
        Cmd: cmd,
        AttachStdout: true,
        AttachStderr: true,
        ...(Env.length > 0 ? { Env } : {}),
        abortSignal,
      } as Docker.ExecCreateOptions),
    );
    const stream = await this.call(`the start of ${what}`, (abortSignal) =>
      exec.start({ hijack: true, stdin: false, abortSignal } as Docker.ExecStartOptions),
    );
    this.docker.modem.demuxStream(stream, stdout, stderr);
    const finished = new Promise<void>((resolve, reject) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', reject);
    });
    if (options.timeoutMs === undefined) await finished;
    else {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), options.timeoutMs)));
      const outcome = await Promise.race([finished, late]).finally(() => clearTimeout(timer));
      if (outcome === 'late') {
        stream.destroy();
        throw new OperationError(`${what} did not finish within ${(options.timeoutMs / 1000).toFixed(0)} s`);
      }
    }
    for (let i = 0; i < 50; i++) {
      const info = await this.call(`the inspect of ${what}`, (abortSignal) => exec.inspect({ abortSignal }));
      if (!info.Running) return info.ExitCode ?? 1;
      await new Promise((r) => setTimeout(r, 20));
    }
    return (await this.call(`the inspect of ${what}`, (abortSignal) => exec.inspect({ abortSignal }))).ExitCode ?? 1;
  }

  /** Runs one of lab's own commands in a running container (bounded); its output (stdout and stderr together) and exit code. */
  async exec(id: string, cmd: string[], options: ExecOptions = {}): Promise<{ exitCode: number; output: string }> {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    const exitCode = await this.execPassThrough(id, cmd, out, out, { timeoutMs: EXEC_BOUND_MS, ...options });
    return { exitCode, output: Buffer.concat(chunks).toString('utf8') };
  }
}

function followProgress<T>(docker: Docker, stream: NodeJS.ReadableStream, onEvent?: (event: T) => void): Promise<T[]> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (error: Error | null, output: T[]) => (error ? reject(error) : resolve(output)),
      onEvent,
    );
  });
}

/** Docker's multiplexed log format: 8-byte frame headers, then the payload. */
function demuxBuffer(buffer: Buffer): string {
  if (!Buffer.isBuffer(buffer)) return String(buffer);
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const size = buffer.readUInt32BE(offset + 4);
    parts.push(buffer.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return Buffer.concat(parts).toString('utf8');
}

function splitRef(ref: string): [string, string] {
  const colon = ref.lastIndexOf(':');
  return colon > ref.lastIndexOf('/') ? [ref.slice(0, colon), ref.slice(colon + 1)] : [ref, 'latest'];
}

function subnetsOf(network: Docker.NetworkInspectInfo): string[] {
  return (network.IPAM?.Config ?? []).flatMap((c) => (c.Subnet ? [c.Subnet] : []));
}

/** The engine's ways of refusing a subnet: its address pools, the bridge driver, a taken gateway. */
function isSubnetConflict(error: unknown): boolean {
  const message = (error as Error).message ?? '';
  return /overlap/i.test(message) || /failed to allocate gateway .*already in use/i.test(message);
}

function isNotFound(error: unknown): boolean {
  return (error as { statusCode?: number }).statusCode === 404;
}

async function ignoreNotFound(promise: Promise<unknown>): Promise<void> {
  try {
    await promise;
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

/** Every dockerode call takes `abortSignal` in its options; not every one of its types says so. */
function signalled<T extends object>(options: T, abortSignal: AbortSignal): T {
  return { ...options, abortSignal } as T;
}

/** The engine's socket is gone, refused or cut: it is not there to answer. */
function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: string }).code ?? '';
  return (
    ['ECONNREFUSED', 'ENOENT', 'ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ETIMEDOUT'].includes(code) ||
    /socket hang up/i.test((error as Error).message ?? '')
  );
}

/** Docker's ids are long; messages name containers by the first twelve characters. */
function shortId(idOrName: string): string {
  return /^[0-9a-f]{64}$/.test(idOrName) ? idOrName.slice(0, 12) : idOrName;
}
