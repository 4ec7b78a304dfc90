// What every verb of the CLI provides: its help text, its options, and its action.
export interface VerbOption {
  type: 'boolean' | 'string';
  short?: string;
  multiple?: boolean;
  description: string;
  /** The value's name in help, for string options. */
  valueName?: string;
}

export interface VerbContext {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
  localrc: string | undefined;
  out: (text: string) => void;
  err: (text: string) => void;
}

export interface Verb {
  name: string;
  summary: string;
  usage: string;
  details: string[];
  options: Record<string, VerbOption>;
  /** Whether the verb takes positional arguments (service names...). */
  positionals?: boolean;
  /** Everything after the first positional is passed on as it is (a command to run). */
  passThrough?: boolean;
  run(context: VerbContext): Promise<number>;
}
