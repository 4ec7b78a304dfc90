// What the bind mounts of the plan hold, for the config hash: the rendered config files
// (a changed file recreates its services), and lab's own code mounted from the checkout
// (the CSR simulator: changed code recreates it). A developer's enable_plugin code is not
// hashed: after editing it, a restart runs it.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Catalog } from './catalog.js';
import { renderedPath } from '../config/labdir.js';
import type { LoadedLab } from '../load.js';
import { packageRoot } from '../paths.js';

export function mountedContents(lab: LoadedLab, catalog: Catalog): Map<string, string> {
  const contents = new Map(
    lab.rendering.files.map((f) => [renderedPath(lab.config.labDir, f.spec.containerPath), f.document.toString()]),
  );
  for (const service of catalog.services) {
    for (const mount of service.mounts) {
      if (mount.kind !== 'bind' || contents.has(mount.source) || !mount.source.startsWith(packageRoot + path.sep))
        continue;
      contents.set(mount.source, digest(mount.source));
    }
  }
  return contents;
}

function digest(source: string): string {
  const hash = createHash('sha256');
  if (!fs.existsSync(source)) return 'missing';
  const files = fs.statSync(source).isDirectory()
    ? (fs.readdirSync(source, { recursive: true }) as string[])
        .filter((f) => fs.statSync(path.join(source, f)).isFile())
        .sort()
    : [''];
  for (const file of files) {
    hash.update(`${file}\n`);
    hash.update(fs.readFileSync(path.join(source, file)));
  }
  return hash.digest('hex');
}
