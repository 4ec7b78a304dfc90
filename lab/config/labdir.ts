// The persistent lab directory (LAB_DIR, by default .lab/<LAB_NAME> beside the localrc):
// rendered config files under etc/, and the passwords generated for this lab (mode 0600),
// so that a re-run reuses them. Never a tmp dir: containers will mount from here.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { displayPath } from '../paths.js';
import type { SecretSource } from './resolve.js';
import type { RenderedFile } from './render.js';

const PASSWORDS_FILE = 'passwords';

export function renderedPath(labDir: string, containerPath: string): string {
  return path.join(labDir, containerPath);
}

export const fileSecrets: SecretSource = {
  stored(labDir) {
    const file = path.join(labDir, PASSWORDS_FILE);
    if (!fs.existsSync(file)) return {};
    const stored: Record<string, string> = {};
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
      const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
      if (match?.[1]) stored[match[1]] = match[2] ?? '';
    }
    return stored;
  },
  // Hex: safe unescaped in URLs, oslo.config values and shell words.
  generate: () => randomBytes(12).toString('hex'),
  storeName: (labDir) => displayPath(path.join(labDir, PASSWORDS_FILE)),
};

/** Keeps newly generated passwords beside the ones already stored (0600, owner only). */
export function storeSecrets(labDir: string, fresh: Record<string, string>): void {
  if (Object.keys(fresh).length === 0) return;
  const all = { ...fileSecrets.stored(labDir), ...fresh };
  fs.mkdirSync(labDir, { recursive: true });
  const file = path.join(labDir, PASSWORDS_FILE);
  const text = ['# Passwords lab generated for this lab because the localrc sets none. Kept so re-runs reuse them.', ...Object.entries(all).map(([k, v]) => `${k}=${v}`), ''].join('\n');
  fs.writeFileSync(file, text, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
}

/** Writes each rendered file under LAB_DIR at its container path (etc/neutron/...). */
export function writeRendered(labDir: string, files: RenderedFile[]): string[] {
  return files.map(({ spec, document }) => {
    const target = renderedPath(labDir, spec.containerPath);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    // Written whole to a sibling then renamed, so a reader never sees half a file.
    const partial = `${target}.partial`;
    fs.writeFileSync(partial, document.toString(), { mode: 0o600 });
    fs.renameSync(partial, target);
    return target;
  });
}
