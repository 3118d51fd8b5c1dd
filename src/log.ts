import * as core from '@actions/core';

/** Where stages report: the Actions log (annotations, groups) or a terminal (stderr). */
export interface Log {
  info(message: string): void;
  debug(message: string): void;
  notice(message: string, title?: string): void;
  warning(message: string, title?: string): void;
  error(message: string, title?: string): void;
  group<T>(name: string, work: () => Promise<T>): Promise<T>;
  /** A value that must never appear in the log (the runner masks it from here on). */
  secret(value: string): void;
}

// Every way a runner or a terminal starts a new line.
const LINE_BREAK = /\r\n|[\n\r\v\f\u0085\u2028\u2029]/g;
// The runner executes a line as a command when it starts with "::" after blanks, and the legacy
// form "##[" wherever it appears in a line (actions/runner ActionCommand.TryParseV2 / TryParse).
const COMMAND_START = /^(\s*):(?=:)/;
const LEGACY_COMMAND = /##\[/g;

// Terminal control from boot consoles and AWS text (ECMA-48): string sequences (OSC, DCS, SOS, PM,
// APC) up to their terminator, control sequences (CSI, 7- or 8-bit), other escapes, then every C0
// and C1 control left but tab and the line breaks (which the callers turn into ⏎ or keep).
/* eslint-disable no-control-regex -- these patterns exist to find control characters */
const STRING_SEQUENCE = /(?:\x1b[\]PX^_]|[\x90\x98\x9d-\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?/g;
const CONTROL_SEQUENCE = /(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?/g;
const ESCAPE = /\x1b[ -/]*[0-~]?/g;
const CONTROL = /[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]/g;
/* eslint-enable no-control-regex */

const withoutSequences = (text: string) =>
  text.replace(STRING_SEQUENCE, '').replace(CONTROL_SEQUENCE, '').replace(ESCAPE, '');

/** Text without terminal control; tab and line breaks stay (for summaries, which render them). */
export const withoutControls = (text: string) => withoutSequences(text).replace(CONTROL, '');

/**
 * Breaks what would make a runner command (a zero-width space between the two characters) and
 * drops the control characters left in one line.
 */
function defuse(line: string): string {
  return line.replace(CONTROL, '').replace(COMMAND_START, '$1:\u200b').replace(LEGACY_COMMAND, '#\u200b#[');
}

/**
 * The one rule for everything fedimg prints: the text stays on one line (line breaks become a
 * visible ⏎), carries no terminal control and cannot start or contain a runner command. Messages
 * carry untrusted text (file names from compose metadata, AWS tags and error messages, console
 * output of booted images).
 */
export function neutralise(text: string): string {
  return defuse(withoutSequences(text).replace(LINE_BREAK, ' ⏎ '));
}

/**
 * Annotations keep their line breaks: @actions/core escapes them (%0A) inside the one command line
 * it writes, so they cannot start a line of their own; the rest is defused as everywhere else.
 */
function annotation(text: string): string {
  return withoutSequences(text).split(LINE_BREAK).map(defuse).join('\n');
}

const properties = (title?: string) => (title ? { title: neutralise(title) } : {});

export const actionsLog: Log = {
  info: (message) => core.info(neutralise(message)),
  debug: (message) => core.debug(annotation(message)),
  notice: (message, title) => core.notice(annotation(message), properties(title)),
  warning: (message, title) => core.warning(annotation(message), properties(title)),
  error: (message, title) => core.error(annotation(message), properties(title)),
  group: (name, work) => core.group(neutralise(name), work),
  secret: (value) => core.setSecret(value),
};

/** Logs for the CLI: everything on stderr so that stdout stays clean for --json. */
export function terminalLog(options: { verbose?: boolean; stream?: NodeJS.WritableStream } = {}): Log {
  const out = options.stream ?? process.stderr;
  // The CLI may itself run inside a workflow step, whose output the runner reads for commands.
  const line = (prefix: string, message: string, title?: string) =>
    out.write(`${prefix}${neutralise(`${title ? `${title}: ` : ''}${message}`)}\n`);
  return {
    info: (message) => line('', message),
    debug: (message) => {
      if (options.verbose) line('debug: ', message);
    },
    notice: (message, title) => line('notice: ', message, title),
    warning: (message, title) => line('warning: ', message, title),
    error: (message, title) => line('error: ', message, title),
    async group(name, work) {
      line('▸ ', name);
      return work();
    },
    secret: () => undefined,
  };
}
