import { describe, expect, it, vi } from 'vitest';
import { actionsLog, neutralise, terminalLog, type Log } from '../../src/log.js';
import { summaryText } from '../../src/report/table.js';

/** What the Actions runner would take for a command: `::x` after leading whitespace, `##[x` anywhere. */
function commandLines(output: string): string[] {
  return output.split(/\r\n|\r|\n/).filter((line) => /^\s*::/.test(line) || line.includes('##['));
}

const ATTACKS = [
  'x86_64\n::save-state name=pending::[{"kind":"snapshot"}]\nx.raw.xz',
  '::add-mask::secret',
  '   ::stop-commands::token',
  'a\r::error title=forged::b',
  'a\u2028::warning::b',
  'text ##[save-state name=pending]forged',
  '\t##[set-output name=x;]y',
];

/** Every attack through every kind of message, as title and as group name too. */
async function sayEverything(log: Log): Promise<void> {
  for (const attack of ATTACKS) {
    log.info(attack);
    log.debug(attack);
    log.notice(attack, attack);
    log.warning(attack, attack);
    log.error(attack, attack);
    await log.group(attack, async () => undefined);
  }
}

describe('neutralise', () => {
  it('leaves ordinary text alone', () => {
    expect(neutralise('x86_64: Fedora-Cloud-Base-AmazonEC2-41-1.4.x86_64.raw.xz (1 bytes)')).toBe(
      'x86_64: Fedora-Cloud-Base-AmazonEC2-41-1.4.x86_64.raw.xz (1 bytes)',
    );
  });

  it.each(ATTACKS)('turns %j into one line that is no runner command', (attack) => {
    const safe = neutralise(attack);
    expect(safe).not.toMatch(/[\r\n\u2028\u2029\u0085\v\f]/);
    expect(commandLines(`${safe}\n`)).toEqual([]);
  });

  it('keeps what was said readable', () => {
    expect(neutralise('line one\nline two')).toBe('line one ⏎ line two');
  });

  // A boot console and AWS text can carry terminal control: colours, cursor moves, a title set by
  // OSC, a bell, a backspace that rewrites what was shown, a C1 CSI.
  it('strips ANSI sequences and C0/C1 controls, keeping the text they decorated', () => {
    expect(neutralise('\x1b[1;32m[  OK  ]\x1b[0m Started sshd.service')).toBe(
      '[  OK  ] Started sshd.service',
    );
    expect(neutralise('\x1b]0;owned\x07FEDIMG_BOOT_TEST=passed')).toBe('FEDIMG_BOOT_TEST=passed');
    expect(neutralise('fail\x08\x08\x08\x08pass\x00\x1b[2K\x9b31mred')).toBe('failpassred');
    expect(neutralise('\x1b[2J\x1b[H\x1bcclear')).toBe('clear');
    expect(neutralise('tab\tstays')).toBe('tab\tstays');
  });

  // Each rule exactly (killing mutants of the patterns, docs/mutation.md): a vertical tab breaks a
  // line; "::" not at a line's start is no command; a sequence cut off at the end of the text is
  // still dropped whole (an unterminated OSC, a CSI without its final byte, an escape with only its
  // intermediates); "##[" is broken, not dropped.
  it('applies each rule exactly, also to sequences cut off at the end of the text', () => {
    expect(neutralise('a\vb\fc')).toBe('a ⏎ b ⏎ c');
    expect(neutralise('ratio a :: b')).toBe('ratio a :: b');
    expect(neutralise('ok\x1b]0;unterminated title')).toBe('ok');
    expect(neutralise('red\x1b[31')).toBe('red');
    expect(neutralise('a\x1b(')).toBe('a');
    expect(neutralise('text ##[x')).toBe('text #\u200b#[x');
    expect(neutralise('  ::x')).toBe('  :\u200b:x');
  });

  it('strips them from annotations too, which keep their line breaks', async () => {
    let out = '';
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((text) => {
      out += String(text);
      return true;
    });
    try {
      actionsLog.warning('a\x1b[31m\nb\x07', 'x\x1b[0m');
    } finally {
      write.mockRestore();
    }
    expect(out).toBe('::warning title=x::a%0Ab\n');
  });
});

describe('the Actions log', () => {
  it('writes only the commands it means to, whatever the messages, titles and group names say', async () => {
    let out = '';
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((text) => {
      out += String(text);
      return true;
    });
    try {
      await sayEverything(actionsLog);
    } finally {
      write.mockRestore();
    }
    const lines = out.split(/\r\n|\r|\n/).filter(Boolean);
    // One line per call (a group is two), each either plain text or one of fedimg's own commands.
    expect(lines).toHaveLength(ATTACKS.length * 7);
    for (const line of lines) {
      if (/^\s*::/.test(line)) expect(line).toMatch(/^::(debug|notice|warning|error|group|endgroup)[ :]/);
      expect(line).not.toContain('##[');
    }
    // Annotations keep their line breaks, escaped inside the one command line core writes.
    expect(lines.find((line) => line.startsWith('::notice'))).toMatch(/::x86_64%0A:\u200b:save-state/);
  });
});

describe('the terminal log', () => {
  it('prints every kind of message as lines that are no runner command', async () => {
    let out = '';
    const log = terminalLog({ verbose: true, stream: { write: (text: string) => (out += text) } as never });
    await sayEverything(log);
    expect(out.split('\n').length).toBe(ATTACKS.length * 6 + 1);
    expect(commandLines(out)).toEqual([]);
  });
});

describe('the terminal log', () => {
  it('prefixes each kind, puts the title first, and prints debug only when verbose', async () => {
    let out = '';
    const stream = { write: (text: string) => (out += text) } as never;
    for (const verbose of [false, true]) {
      const log = terminalLog({ verbose, stream });
      log.info('i');
      log.debug('d');
      log.notice('n', 'T');
      log.warning('w');
      log.error('e', 'T');
      await log.group('g', async () => undefined);
    }
    expect(out).toBe(
      'i\nnotice: T: n\nwarning: w\nerror: T: e\n▸ g\n' +
        'i\ndebug: d\nnotice: T: n\nwarning: w\nerror: T: e\n▸ g\n',
    );
  });
});

describe('the Actions log’s secrets', () => {
  it('registers a secret with the runner, so it is masked from then on', () => {
    let out = '';
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((text) => {
      out += String(text);
      return true;
    });
    try {
      actionsLog.secret('s3cr3t-value');
    } finally {
      write.mockRestore();
    }
    expect(out).toBe('::add-mask::s3cr3t-value\n');
  });
});

describe('summaryText', () => {
  it('cannot leave a table cell: line breaks become <br>, nothing else is HTML or Markdown', () => {
    const cell = summaryText('a\n\n<script>x</script> | [link](javascript:y) **b** `c` _d_ #e\r\nf');
    expect(cell.split('<br>')).toHaveLength(4);
    expect(summaryText('\x1b[31mred\x1b[0m\x07')).toBe('red');
    expect(cell.replace(/<br>/g, '')).not.toMatch(/[\r\n<>|[\]`"']/);
    expect(cell).toMatch(/^a<br><br>&#60;script&#62;x&#60;\/script&#62; &#124; &#91;link&#93;/);
  });
});
