// What lab knows of one service, in one place: its DevStack name and aliases, whether it is
// on by default, what it gives compose/lab.yaml, the config files it reads, and its lines in
// `lab stack`'s summary. Its containers are its blocks in compose/lab.yaml (x-lab.service).
import type { ConfigFileId } from '../config/files.js';
import type { LabConfig } from '../config/resolve.js';

export interface ServiceDefinition<Name extends string = string> {
  /** Its ENABLED_SERVICES name, as DevStack's. */
  name: Name;
  /** Other names a localrc may give it (DevStack's newer or older names). */
  aliases?: readonly string[];
  /** On when the localrc does not set ENABLED_SERVICES. A new service is off until someone decides otherwise. */
  byDefault: boolean;
  /** The config files lab renders that its containers read. */
  reads?: readonly ConfigFileId[];
  /** Variables its catalog blocks use, from the validated config. */
  catalogVariables?: (config: LabConfig) => Record<string, string>;
  /** Its lines in the summary at the end of `lab stack`, when it is enabled. */
  summary?: (config: LabConfig) => string[];
}
