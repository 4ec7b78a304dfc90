// The one direction of data up to rendered files: localrc -> typed config -> rendered files.
// Nothing is written until everything has been read and validated, so bad input leaves
// the lab directory as it was.
import fs from 'node:fs';
import { InputError } from './errors.js';
import { evaluateLocalrc } from './localrc/evaluate.js';
import { locateLocalrc } from './localrc/source.js';
import { fileSecrets, storeSecrets, writeRendered } from './config/labdir.js';
import { renderConfig, type Rendering } from './config/render.js';
import { resolveConfig, trackedVariables, type LabConfig, type SecretSource } from './config/resolve.js';
import { DEFAULT_SERVICES } from './config/services.js';

export interface LoadOptions {
  localrc?: string | undefined;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  secrets?: SecretSource;
}

export interface LoadedLab {
  config: LabConfig;
  rendering: Rendering;
}

export async function loadLab(options: LoadOptions = {}): Promise<LoadedLab> {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const input = locateLocalrc(options.localrc, cwd);
  const evaluated = await evaluateLocalrc(input, trackedVariables(input), env, DEFAULT_SERVICES);
  const config = resolveConfig(input, evaluated, env, options.secrets ?? fileSecrets);
  requirePluginDirectories(config);
  const rendering = renderConfig(config);
  return { config, rendering };
}

/** An enable_plugin directory must exist: it is mounted into q-svc and q-vpn. */
function requirePluginDirectories(config: LabConfig): void {
  const missing = config.plugins.filter((p) => p.kind === 'directory' && !(p.directory && fs.existsSync(p.directory) && fs.statSync(p.directory).isDirectory()));
  if (missing.length === 0) return;
  throw new InputError(
    missing.map((p) => ({ where: `${config.source.localrc} line ${p.line}`, message: `enable_plugin ${p.name} ${p.source}: no such directory (${p.directory}); write the path of your driver's checkout` })),
  );
}

/** Keeps generated passwords and writes the rendered files into LAB_DIR. */
export function persistLab(lab: LoadedLab): string[] {
  storeSecrets(lab.config.labDir, lab.config.newSecrets);
  return writeRendered(lab.config.labDir, lab.rendering.files);
}
