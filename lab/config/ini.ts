// An ini document edited the way DevStack's inc/ini-config edits files (iniset,
// iniset_multiline, iniadd, inicomment, inidelete), keeping lines in place.
//
// Why our own writer: oslo.config files have multi-valued options (service_provider and
// vpn_device_driver are given once per value, all kept in order) and DevStack's helpers
// edit in place (a new option goes right after its section header). The ini packages we
// looked at either collapse repeated keys into one value or rewrite the whole file.
// Each option line also remembers where its value came from, for `lab config`.
import type { Origin } from './origin.js';

interface SectionLine {
  kind: 'section';
  name: string;
}
interface OptionLine {
  kind: 'option';
  key: string;
  value: string;
  origin: Origin;
}
interface TextLine {
  kind: 'text';
  text: string;
}
type Line = SectionLine | OptionLine | TextLine;

export interface OptionValue {
  value: string;
  origin: Origin;
}

/** A value an edit replaced, kept so `lab config` can say which source won. */
export interface Replaced {
  section: string;
  key: string;
  replaced: OptionValue[];
  by: OptionValue[];
}

export class IniDocument {
  private lines: Line[] = [];
  readonly history: Replaced[] = [];

  constructor(header: string[] = []) {
    this.lines = header.map((text) => ({ kind: 'text', text }));
  }

  /** iniset: replace the option in place, or add it right after the section header. */
  set(section: string, key: string, value: string, origin: Origin): void {
    const existing = this.optionIndexes(section, key);
    const by = [{ value, origin }];
    this.remember(section, key, existing, by);
    const first = existing[0];
    if (first === undefined) {
      this.lines.splice(this.sectionIndex(section) + 1, 0, { kind: 'option', key, value, origin });
      return;
    }
    this.lines[first] = { kind: 'option', key, value, origin };
    this.removeAt(existing.slice(1));
  }

  /** Appends an option at the end of its section: how lab writes its base files, in reading order. */
  append(section: string, key: string, value: string, origin: Origin): void {
    let at = this.sectionIndex(section) + 1;
    while (at < this.lines.length && this.lines[at]?.kind !== 'section') at++;
    this.lines.splice(at, 0, { kind: 'option', key, value, origin });
  }

  /** iniset_multiline: drop every line of the option, then one line per value, in order. */
  setMulti(section: string, key: string, values: OptionValue[]): void {
    const existing = this.optionIndexes(section, key);
    this.remember(section, key, existing, values);
    this.removeAt(existing);
    const at = this.sectionIndex(section) + 1;
    this.lines.splice(
      at,
      0,
      ...values.map(({ value, origin }): OptionLine => ({ kind: 'option', key, value, origin })),
    );
  }

  /** iniadd: the existing values plus new ones, written as iniset_multiline does. */
  add(section: string, key: string, values: OptionValue[]): void {
    this.setMulti(section, key, [...this.getAll(section, key), ...values]);
  }

  /** inicomment: prefix the option's lines with `#`. */
  comment(section: string, key: string): void {
    for (const index of this.optionIndexes(section, key)) {
      const line = this.lines[index] as OptionLine;
      this.lines[index] = { kind: 'text', text: `#${line.key} = ${line.value}` };
    }
  }

  /** inidelete: remove the option. */
  delete(section: string, key: string): void {
    this.removeAt(this.optionIndexes(section, key));
  }

  /** The single value of an option (the last line, as oslo.config reads a single-valued option). */
  get(section: string, key: string): OptionValue | undefined {
    return this.getAll(section, key).at(-1);
  }

  getAll(section: string, key: string): OptionValue[] {
    return this.optionIndexes(section, key).map((i) => {
      const line = this.lines[i] as OptionLine;
      return { value: line.value, origin: line.origin };
    });
  }

  toString(): string {
    const out: string[] = [];
    this.lines.forEach((line, index) => {
      if (line.kind === 'section') {
        if (index > 0 && out.at(-1) !== '') out.push('');
        out.push(`[${line.name}]`);
      } else if (line.kind === 'option') out.push(`${line.key} = ${line.value}`);
      else out.push(line.text);
    });
    return `${out.join('\n')}\n`;
  }

  /**
   * Every value of an option as oslo.config groups it: section names compare without case
   * (`[AGENT]` and `[agent]` are one group), DEFAULT apart.
   */
  lookup(section: string, key: string): (OptionValue & { section: string })[] {
    const wanted = section === 'DEFAULT' ? 'DEFAULT' : section.toLowerCase();
    const found: (OptionValue & { section: string })[] = [];
    let current: string | undefined;
    for (const line of this.lines) {
      if (line.kind === 'section') current = line.name;
      else if (line.kind === 'option' && current !== undefined && line.key === key) {
        const group = current === 'DEFAULT' ? 'DEFAULT' : current.toLowerCase();
        if (group === wanted) found.push({ value: line.value, origin: line.origin, section: current });
      }
    }
    return found;
  }

  private remember(section: string, key: string, indexes: number[], by: OptionValue[]): void {
    if (indexes.length === 0) return;
    const replaced = indexes.map((i) => {
      const line = this.lines[i] as OptionLine;
      return { value: line.value, origin: line.origin };
    });
    this.history.push({ section, key, replaced, by });
  }

  /** Index of the section header, created at the end of the file when missing. */
  private sectionIndex(section: string): number {
    const index = this.lines.findIndex((l) => l.kind === 'section' && l.name === section);
    if (index >= 0) return index;
    this.lines.push({ kind: 'section', name: section });
    return this.lines.length - 1;
  }

  private optionIndexes(section: string, key: string): number[] {
    const found: number[] = [];
    let current: string | undefined;
    this.lines.forEach((line, index) => {
      if (line.kind === 'section') current = line.name;
      else if (line.kind === 'option' && current === section && line.key === key) found.push(index);
    });
    return found;
  }

  private removeAt(indexes: number[]): void {
    for (const index of [...indexes].sort((a, b) => b - a)) this.lines.splice(index, 1);
  }
}

/** One `key = value` of a post-config body, with its line in local.conf. */
export interface IniEntry {
  section: string;
  key: string;
  value: string;
  line: number;
}

export interface IniBodyLine {
  line: number;
  text: string;
}

export interface ParsedIniBody {
  entries: IniEntry[];
  /** Lines that are neither a section, an option, a comment nor blank (line, text). */
  unreadable: IniBodyLine[];
  /** Options given before any [section]. */
  orphans: IniEntry[];
}

/** Reads a post-config body: `[section]`, `key = value`; `#` and `;` lines and blanks skipped. */
export function parseIniBody(lines: IniBodyLine[]): ParsedIniBody {
  const parsed: ParsedIniBody = { entries: [], unreadable: [], orphans: [] };
  let section: string | undefined;
  for (const { line, text } of lines) {
    const trimmed = text.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) continue;
    const header = /^\[([^\]]+)\]$/.exec(trimmed);
    if (header) {
      section = (header[1] ?? '').trim();
      continue;
    }
    const option = /^([^=\s][^=]*?)\s*=\s*(.*)$/.exec(trimmed);
    if (!option) {
      parsed.unreadable.push({ line, text });
      continue;
    }
    const entry = { section: section ?? '', key: option[1] ?? '', value: option[2] ?? '', line };
    if (section === undefined) parsed.orphans.push(entry);
    else parsed.entries.push(entry);
  }
  return parsed;
}

/**
 * Groups a body's entries as DevStack's merge does: per section and key, in first-seen
 * order; a key given once is an iniset, a key given several times an iniset_multiline.
 */
export function groupEntries(entries: IniEntry[]): { section: string; key: string; entries: IniEntry[] }[] {
  const groups = new Map<string, { section: string; key: string; entries: IniEntry[] }>();
  for (const entry of entries) {
    const id = `${entry.section}\0${entry.key}`;
    const group = groups.get(id) ?? { section: entry.section, key: entry.key, entries: [] };
    group.entries.push(entry);
    groups.set(id, group);
  }
  return [...groups.values()];
}
