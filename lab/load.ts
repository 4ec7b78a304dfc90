// The one direction of data up to rendered files: localrc -> typed config -> rendered files.
// Nothing is written until everything has been read and validated, so bad input leaves
// the lab directory as it was.
import fs from 'node:fs';
import path from 'node:path';
import { InputError, type Problem } from './errors.js';
import { evaluateLocalrc } from './localrc/evaluate.js';
import { locateLocalrc } from './localrc/source.js';
import { fileSecrets, prepareLabDir, storeSecrets, writeRendered } from './config/labdir.js';
import { requirePlaces } from './config/places.js';
import { renderConfig, renderedDocument, type Rendering } from './config/render.js';
import {
  resolveConfig,
  trackedVariables,
  type HostFacts,
  type LabConfig,
  type SecretSource,
} from './config/resolve.js';
import { DEFAULT_SERVICES } from './config/services.js';
import { isSecretName } from './config/variables.js';
import { agentExtensions } from './config/vpn.js';
import { registerSecrets } from './mask.js';

export interface LoadOptions {
  localrc?: string | undefined;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  secrets?: SecretSource;
  /** Stops the localrc's evaluation (lab stack's Ctrl-C); its reason is thrown. */
  signal?: AbortSignal;
  /** What lab reads of the host (tests give their own): see HostFacts. */
  host?: HostFacts;
}

export interface LoadedLab {
  config: LabConfig;
  rendering: Rendering;
  /**
   * The same localrc resolved again (bash is not run again): under the lab's lock, the
   * passwords another run stored meanwhile are used instead of generating others.
   */
  again(): LoadedLab;
}

export async function loadLab(options: LoadOptions = {}): Promise<LoadedLab> {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const input = locateLocalrc(options.localrc, cwd);
  const evaluated = await evaluateLocalrc(input, trackedVariables(input), env, DEFAULT_SERVICES, options.signal);
  // What the error output masks: the passwords given, before anything can fail on them, then every secret once resolved.
  registerSecrets([...evaluated.values].flatMap(([name, value]) => (isSecretName(name) ? [value] : [])));
  const resolve = (): LoadedLab => {
    const config = resolveConfig(input, evaluated, env, options.secrets ?? fileSecrets, options.host ?? hostFacts());
    registerSecrets(config.secrets);
    requirePluginDirectories(config);
    config.warnings.push(...unreachableClasses(config));
    const rendering = renderConfig(config);
    config.agentLoadsVpnExtension = agentExtensions(renderedDocument(rendering, 'l3_agent.ini')).vpnaas;
    return { config, rendering, again: resolve };
  };
  return resolve();
}

/** An enable_plugin directory must exist: it is mounted into q-svc and q-vpn. */
function requirePluginDirectories(config: LabConfig): void {
  const missing = config.plugins.filter(
    (p) =>
      p.kind === 'directory' && !(p.directory && fs.existsSync(p.directory) && fs.statSync(p.directory).isDirectory()),
  );
  if (missing.length === 0) return;
  throw new InputError(
    missing.map((p) => ({
      where: `${config.source.localrc} line ${p.line}`,
      message: `enable_plugin ${p.name} ${p.source}: no such directory (${p.directory}); write the path of your driver's checkout`,
    })),
  );
}

/** Packages the images ship; any other class must come from an enable_plugin directory. */
const SHIPPED = new Set(['neutron', 'neutron_vpnaas', 'neutron_lib']);

/**
 * A driver class whose module no enable_plugin directory holds cannot be imported: the
 * server or the agent would fail at start. A warning, not an error: DevStack would go on.
 */
function unreachableClasses(config: LabConfig): Problem[] {
  const dirs = config.plugins.flatMap((p) => (p.kind === 'directory' && p.directory ? [p.directory] : []));
  const classes = [
    ...config.serviceProviders.map((p) => ({ path: p.value.driver, variable: 'NEUTRON_VPNAAS_SERVICE_PROVIDER' })),
    ...config.deviceDrivers.map((d) => ({ path: d.value, variable: 'NEUTRON_VPNAAS_DEVICE_DRIVER' })),
  ];
  const problems: Problem[] = [];
  for (const { path: classPath, variable } of classes) {
    const parts = classPath.split('.').slice(0, -1);
    if (SHIPPED.has(parts[0] ?? '')) continue;
    const module = parts.join('/');
    const found = dirs.some(
      (dir) => fs.existsSync(path.join(dir, `${module}.py`)) || fs.existsSync(path.join(dir, module, '__init__.py')),
    );
    if (found) continue;
    const where =
      dirs.length === 0
        ? 'no enable_plugin directory is given'
        : `no enable_plugin directory (${dirs.join(', ')}) holds ${module}.py`;
    problems.push({
      where: `variable ${variable}`,
      message: `${classPath} cannot be imported: ${where}; add enable_plugin NAME /path/to/your/checkout, or correct the class path`,
    });
  }
  return problems;
}

/**
 * Keeps generated passwords and writes the rendered files into LAB_DIR, after making sure
 * every place lab writes to is its own (exit 2 and nothing written otherwise).
 */
export function persistLab(lab: LoadedLab): string[] {
  requirePlaces(lab.config);
  prepareLabDir(lab.config.labDir, lab.config.labName);
  storeSecrets(lab.config.labDir, lab.config.newSecrets);
  return writeRendered(lab.config.labDir, lab.rendering.files);
}

/** The host's kernel, as lab stack finds it: the containers share it. */
export function hostFacts(): HostFacts {
  return { ovsKernelModule: fs.existsSync('/sys/module/openvswitch') };
}
