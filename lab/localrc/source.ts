// Which localrc lab reads, following DevStack's rules: `--localrc PATH` (a localrc or a
// local.conf), else ./local.conf or ./localrc in the current directory, else the embedded
// localrc.example. A plain localrc beside a local.conf wins over its [[local|localrc]].
import fs from 'node:fs';
import path from 'node:path';
import { InputError, type Problem } from '../errors.js';
import { isEntry } from '../pathkind.js';
import { displayPath, packagePath } from '../paths.js';
import { readInput } from './read.js';
import { localSections, localrcScript, looksLikeLocalConf, parseLocalConf, type LocalConf } from './localconf.js';

export interface LocalrcInput {
  kind: 'localrc' | 'local.conf' | 'embedded';
  /** The bash text to source; line N is line N of `scriptDisplay`. */
  script: string;
  /** How messages name the file the script came from. */
  scriptDisplay: string;
  /** DevStack's TOP_DIR: the localrc's directory (the current one for the embedded default). */
  topDir: string;
  /** The local.conf whose post-config sections apply, if any. */
  localConf?: LocalConf;
  /** What lab decided and the user should know ("using ./localrc, not ..."). */
  notes: string[];
  warnings: Problem[];
}

export const EMBEDDED_LOCALRC = packagePath('localrc.example');

export function locateLocalrc(option: string | undefined, cwd: string): LocalrcInput {
  if (option !== undefined) return fromExplicitPath(path.resolve(cwd, option), cwd);
  const localrc = path.join(cwd, 'localrc');
  const localConf = path.join(cwd, 'local.conf');
  // Anything by that name counts, a broken symlink too: falling back to localrc.example
  // would hide the user's file, so it is read and refused with what to do.
  if (isEntry(localConf))
    return fromLocalConf(
      localConf,
      cwd,
      readInput(localConf, cwd, { explicit: false, without: './localrc, else localrc.example' }),
    );
  if (isEntry(localrc))
    return plainLocalrc(
      localrc,
      cwd,
      'localrc',
      cwd,
      readInput(localrc, cwd, { explicit: false, without: 'localrc.example' }),
    );
  const input = plainLocalrc(EMBEDDED_LOCALRC, cwd, 'embedded', cwd, fs.readFileSync(EMBEDDED_LOCALRC, 'utf8'));
  input.scriptDisplay = 'localrc.example';
  input.notes.push('no --localrc, ./local.conf or ./localrc: using the embedded default localrc.example');
  return input;
}

function fromExplicitPath(file: string, cwd: string): LocalrcInput {
  if (!isEntry(file)) {
    throw new InputError([
      {
        where: '--localrc',
        message: `no such file ${displayPath(file, cwd)}; give the path of a DevStack localrc or local.conf`,
      },
    ]);
  }
  const text = readInput(file, cwd, { explicit: true });
  if (path.basename(file) === 'local.conf' || looksLikeLocalConf(text)) return fromLocalConf(file, cwd, text);
  return plainLocalrc(file, path.dirname(file), 'localrc', cwd, text);
}

function fromLocalConf(file: string, cwd: string, text: string): LocalrcInput {
  const display = displayPath(file, cwd);
  const conf = parseLocalConf(text, display);
  const topDir = path.dirname(file);
  const sibling = path.join(topDir, 'localrc');
  if (isEntry(sibling)) {
    const input = plainLocalrc(
      sibling,
      topDir,
      'localrc',
      cwd,
      readInput(sibling, cwd, { explicit: false, without: `the [[local|localrc]] section of ${display}` }),
    );
    const local = localSections(conf)[0];
    input.notes.push(
      local
        ? `${input.scriptDisplay} and [[local|localrc]] in ${display} (line ${local.headerLine}) both exist: using ${input.scriptDisplay}, as DevStack does; the post-config sections of ${display} still apply`
        : `using ${input.scriptDisplay} for the localrc settings and ${display} for its post-config sections`,
    );
    input.localConf = conf;
    input.warnings.unshift(...conf.warnings);
    return input;
  }
  return {
    kind: 'local.conf',
    script: localrcScript(conf),
    scriptDisplay: display,
    topDir,
    localConf: conf,
    notes: [],
    warnings: [...conf.warnings],
  };
}

function plainLocalrc(
  file: string,
  topDir: string,
  kind: 'localrc' | 'embedded',
  cwd: string,
  text: string,
): LocalrcInput {
  return { kind, script: text, scriptDisplay: displayPath(file, cwd), topDir, notes: [], warnings: [] };
}
