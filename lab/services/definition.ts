// What lab knows of one service, in one place: its DevStack name and aliases, whether it is
// on by default, what it gives compose/lab.yaml, the config files it reads, its `lab check`
// checks, and its lines in `lab stack`'s summary. Its containers are its blocks in compose/lab.yaml (x-lab.service).
import type { Check } from '../check/context.js';
import type { ConfigFileId } from '../config/files.js';
import type { LabConfig } from '../config/resolve.js';
import type { VariableSpec } from '../config/variables.js';

export interface ServiceDefinition<Name extends string = string> {
  /** Its ENABLED_SERVICES name, as DevStack's. */
  name: Name;
  /** Other names a localrc may give it (DevStack's newer or older names). */
  aliases?: readonly string[];
  /** On when the localrc does not set ENABLED_SERVICES. A new service is off until someone decides otherwise. */
  byDefault: boolean;
  /** The localrc variables it reads, with their defaults, for the README, `lab config` and the reader. */
  variables?: readonly VariableSpec[];
  /** Services it cannot run without (q-vpn works in q-agt's network namespace): enabling it alone is refused. */
  requires?: readonly { service: string; why: string }[];
  /** The config files lab renders that its containers read. */
  reads?: readonly ConfigFileId[];
  /** Variables its catalog blocks use, from the validated config. */
  catalogVariables?: (config: LabConfig) => Record<string, string>;
  /** Its `lab check` checks, in the order they run (a check's `needs` names other services it looks at). */
  checks?: readonly Check[];
  /** Its lines in the summary at the end of `lab stack`, when it is enabled. */
  summary?: (config: LabConfig) => string[];
}
