// `lab unstack` (DevStack's unstack.sh) and `lab clean` (clean.sh), by label.
import { Engine } from '../engine.js';
import { displayPath } from '../paths.js';
import { withLabLock } from '../lock.js';
import { cleanLab, unstackLab, type Teardown } from '../stack/teardown.js';
import { LAB_OPTION, resolveProject } from './project.js';
import type { Verb } from './verb.js';

export const unstackVerb: Verb = {
  name: 'unstack',
  summary: "stop and remove the lab's containers and network; keep its data volumes",
  usage: 'lab unstack [--localrc PATH] [--lab NAME]',
  details: [
    'Finds what to remove by the labels lab.project=<LAB_NAME>, so it works on a half-created lab',
    'and after the localrc changed. The database volume stays, as DevStack keeps its database.',
  ],
  options: { ...LAB_OPTION },
  async run({ values, localrc, out, err }) {
    const project = await resolveProject(values.lab, localrc);
    const engine = new Engine();
    await engine.requireEngine();
    const result = await withLabLock(project.name, 'unstack', () => unstackLab(engine, project.name, project.labDir), {
      say: (line) => err(`lab: ${line}`),
    });
    out(report(project.name, 'unstacked', result));
    return 0;
  },
};

export const cleanVerb: Verb = {
  name: 'clean',
  summary: 'unstack, then remove the data volumes, rendered files and state (and images with --images)',
  usage: 'lab clean [--localrc PATH] [--lab NAME] [--images]',
  details: [
    "The deep wipe, like DevStack's clean.sh: containers, networks, volumes (the database is lost),",
    'the lab directory with its rendered files and generated passwords. --images also removes the',
    'images lab built (those another lab still uses stay).',
  ],
  options: { ...LAB_OPTION, images: { type: 'boolean', description: 'also remove the images lab built' } },
  async run({ values, localrc, out, err }) {
    const project = await resolveProject(values.lab, localrc);
    const engine = new Engine();
    await engine.requireEngine();
    const result = await withLabLock(
      project.name,
      'clean',
      () => cleanLab(engine, project.name, project.labDir ?? '', values.images === true),
      { say: (line) => err(`lab: ${line}`) },
    );
    out(report(project.name, 'cleaned', result));
    return 0;
  },
};

function labDirLine(t: Teardown): string {
  const cleaning = t.labDirCleaning;
  if (!t.labDir || !cleaning) return 'none';
  if (cleaning.leftAlone) return cleaning.leftAlone;
  if (cleaning.removed.length === 0 && !cleaning.removedDir) return `${displayPath(t.labDir)}: nothing of lab's in it`;
  if (cleaning.removedDir) return `${displayPath(t.labDir)} removed (${cleaning.removed.length} files lab wrote)`;
  return `${displayPath(t.labDir)}: removed the ${cleaning.removed.length} files lab wrote; kept what lab did not write: ${cleaning.kept.join(', ')}`;
}

function report(project: string, verb: string, t: Teardown): string {
  const lines = [`lab "${project}" ${verb}:`];
  const list = (what: string, items: string[]) =>
    lines.push(`  ${what}: ${items.length > 0 ? items.join(', ') : 'none'}`);
  list('containers removed', t.containers);
  list('networks removed', t.networks);
  if (t.follower) lines.push('  log follower stopped (the screen logs stay)');
  if (verb === 'cleaned') {
    list('volumes removed', t.volumes);
    lines.push(`  lab directory: ${labDirLine(t)}`);
    if (t.images.length > 0 || t.imagesInUse.length > 0) list('images removed', t.images);
    if (t.imagesInUse.length > 0) list('images kept (in use)', t.imagesInUse);
  } else {
    lines.push('  data volumes kept (lab clean removes them)');
  }
  return lines.join('\n');
}
