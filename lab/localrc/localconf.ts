// local.conf meta-sections, as DevStack's inc/meta-config reads them: a header
// `[[phase|file]]` at the start of a line opens a section that runs to the next header.
// Pure: text in, sections out. Malformed headers are errors (DevStack would silently
// treat them as body lines, which hides the user's mistake).
import { InputError, type Problem } from '../errors.js';

export interface SourceLine {
  /** 1-based line number in the file. */
  line: number;
  text: string;
}

export interface MetaSection {
  phase: string;
  /** The file part as written, e.g. `$NEUTRON_CONF`; expanded later. */
  file: string;
  headerLine: number;
  body: SourceLine[];
}

export interface LocalConf {
  /** The file as the user names it in messages, e.g. `./local.conf`. */
  display: string;
  lineCount: number;
  sections: MetaSection[];
  warnings: Problem[];
}

const EXAMPLE_HEADER = '[[post-config|$NEUTRON_CONF]]';
const WELL_FORMED = /^\[\[([^\s|\]]+)\|([^\s|\]]+)\]\]\s*$/;

/** Phases DevStack knows; lab acts on `local` and `post-config`. */
const DEVSTACK_PHASES = new Set(['local', 'post-config', 'extra', 'post-extra', 'test-config']);

export function looksLikeLocalConf(text: string): boolean {
  return text.split('\n').some((line) => /^\s*\[\[/.test(line));
}

export function parseLocalConf(text: string, display: string): LocalConf {
  const lines = text.split('\n');
  const sections: MetaSection[] = [];
  const warnings: Problem[] = [];
  const errors: Problem[] = [];
  let current: MetaSection | undefined;
  let strayLine: number | undefined;

  lines.forEach((text, index) => {
    const line = index + 1;
    if (/^\s*\[\[/.test(text)) {
      const problem = headerProblem(text);
      if (problem) {
        errors.push({ where: `${display} line ${line}`, message: problem });
        current = undefined;
        return;
      }
      const [, phase = '', file = ''] = WELL_FORMED.exec(text) ?? [];
      current = { phase, file, headerLine: line, body: [] };
      sections.push(current);
      return;
    }
    if (current) current.body.push({ line, text });
    else if (strayLine === undefined && text.trim() !== '' && !text.trim().startsWith('#')) strayLine = line;
  });

  if (errors.length > 0) throw new InputError(errors);
  if (strayLine !== undefined) {
    warnings.push({
      where: `${display} line ${strayLine}`,
      message:
        'text before the first [[...]] header is ignored (as in DevStack); put localrc settings under [[local|localrc]]',
    });
  }
  for (const section of sections) {
    const where = `${display} line ${section.headerLine}`;
    if (!DEVSTACK_PHASES.has(section.phase)) {
      warnings.push({
        where,
        message: `unknown phase "${section.phase}" in [[${section.phase}|${section.file}]]; lab reads [[local|localrc]] and [[post-config|FILE]]; section skipped`,
      });
    } else if (section.phase === 'local' && section.file !== 'localrc') {
      warnings.push({
        where,
        message: `[[local|${section.file}]]: the local phase only has the file "localrc"; write [[local|localrc]]; section skipped`,
      });
    } else if (section.phase !== 'local' && section.phase !== 'post-config') {
      warnings.push({
        where,
        message: `[[${section.phase}|${section.file}]]: the ${section.phase} phase has no meaning in lab (no DevStack extras or tempest run here); section skipped`,
      });
    }
  }
  return { display, lineCount: lines.length, sections, warnings };
}

function headerProblem(text: string): string | undefined {
  if (WELL_FORMED.test(text)) return undefined;
  const shown = text.trim();
  if (!text.startsWith('[['))
    return `meta-section header "${shown}" must start at the beginning of the line; write it as ${EXAMPLE_HEADER}`;
  if (!shown.includes(']]'))
    return `unterminated meta-section header "${shown}": close it with "]]", e.g. ${EXAMPLE_HEADER}`;
  if (/\s/.test(shown.slice(0, shown.indexOf(']]'))))
    return `meta-section header "${shown}" has spaces inside; write it without spaces, e.g. ${EXAMPLE_HEADER}`;
  if (!/^\[\[[^|\]]+\|[^|\]]+\]\]/.test(shown))
    return `malformed meta-section header "${shown}": write [[phase|file]] with both parts, e.g. [[local|localrc]] or ${EXAMPLE_HEADER}`;
  return `malformed meta-section header "${shown}": nothing may follow "]]" on the header line`;
}

export function localSections(conf: LocalConf): MetaSection[] {
  return conf.sections.filter((s) => s.phase === 'local' && s.file === 'localrc');
}

export function postConfigSections(conf: LocalConf): MetaSection[] {
  return conf.sections.filter((s) => s.phase === 'post-config');
}

/**
 * The [[local|localrc]] bodies as one bash script whose line N is line N of local.conf
 * (every other line blank), so that bash's own messages and lab's provenance name the
 * user's real line numbers. Several [[local|localrc]] sections concatenate, as in DevStack.
 */
export function localrcScript(conf: LocalConf): string {
  const out: string[] = new Array<string>(conf.lineCount).fill('');
  for (const section of localSections(conf)) {
    for (const { line, text } of section.body) out[line - 1] = text;
  }
  return out.join('\n');
}
