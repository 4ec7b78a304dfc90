// Which lab a teardown or status verb acts on: `--lab NAME`, else LAB_NAME of the localrc.
// Only the name (and the lab directory) comes from the localrc: what runs is found by label.
import { InputError } from '../errors.js';
import { loadLab, type LoadedLab } from '../load.js';
import type { VerbOption } from './verb.js';

export const LAB_OPTION: Record<string, VerbOption> = {
  lab: { type: 'string', valueName: 'NAME', description: "the lab's name (LAB_NAME); default: from the localrc" },
};

export interface Project {
  name: string;
  labDir: string | undefined;
  lab: LoadedLab | undefined;
}

export async function resolveProject(labOption: unknown, localrc: string | undefined): Promise<Project> {
  if (typeof labOption === 'string' && labOption !== '') {
    const lab = await loadLab({ localrc }).catch(() => undefined);
    return {
      name: labOption,
      labDir: lab?.config.labName === labOption ? lab.config.labDir : undefined,
      lab: lab?.config.labName === labOption ? lab : undefined,
    };
  }
  try {
    const lab = await loadLab({ localrc });
    return { name: lab.config.labName, labDir: lab.config.labDir, lab };
  } catch (error) {
    if (error instanceof InputError) {
      throw new InputError([
        ...error.problems,
        { where: '--lab', message: 'or name the lab to act on with --lab NAME (its containers are found by label)' },
      ]);
    }
    throw error;
  }
}
