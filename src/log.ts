import * as core from '@actions/core';

/** Where stages report: the Actions log (annotations, groups) or a terminal (stderr). */
export interface Log {
  info(message: string): void;
  debug(message: string): void;
  notice(message: string, title?: string): void;
  warning(message: string, title?: string): void;
  error(message: string, title?: string): void;
  group<T>(name: string, work: () => Promise<T>): Promise<T>;
}

export const actionsLog: Log = {
  info: (message) => core.info(message),
  debug: (message) => core.debug(message),
  notice: (message, title) => core.notice(message, title ? { title } : {}),
  warning: (message, title) => core.warning(message, title ? { title } : {}),
  error: (message, title) => core.error(message, title ? { title } : {}),
  group: (name, work) => core.group(name, work),
};

/** Logs for the CLI: everything on stderr so that stdout stays clean for --json. */
export function terminalLog(options: { verbose?: boolean; stream?: NodeJS.WritableStream } = {}): Log {
  const out = options.stream ?? process.stderr;
  const line = (prefix: string, message: string, title?: string) =>
    out.write(`${prefix}${title ? `${title}: ` : ''}${message}\n`);
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
  };
}
