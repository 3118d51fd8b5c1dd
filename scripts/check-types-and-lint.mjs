// The type check and eslint in one process, on one TypeScript program: `tsc --noEmit` and eslint's
// type-aware rules each built their own program of the project (most of it the AWS SDK's
// declarations) and type-checked it again: together three quarters of the CPU of `npm test`'s
// static checks. Here eslint is handed the program the type check built (typescript-eslint's
// `parserOptions.programs`), whose types are already resolved. Prints what `tsc` and `eslint .`
// would; exits 1 if either finds an error. `npm run typecheck` and `npm run lint` stay the plain
// tools.
import { ESLint } from 'eslint';
import ts from 'typescript';
import { TYPE_AWARE_FILES } from '../eslint.config.js';

const config = ts.getParsedCommandLineOfConfigFile(
  'tsconfig.json',
  {},
  {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
      throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
    },
  },
);
const program = ts.createProgram({
  rootNames: config.fileNames,
  options: config.options,
  projectReferences: config.projectReferences,
});
const diagnostics = [...config.errors, ...ts.getPreEmitDiagnostics(program)];
if (diagnostics.length)
  process.stdout.write(
    ts.formatDiagnostics(diagnostics, {
      getCanonicalFileName: (name) => name,
      getCurrentDirectory: () => process.cwd(),
      getNewLine: () => '\n',
    }),
  );

// The type-aware files' program is the type check's (tsconfig.lint.json covers a subset of its files
// with the same options); eslint fails a file that the program does not hold.
const eslint = new ESLint({
  overrideConfig: { files: TYPE_AWARE_FILES, languageOptions: { parserOptions: { programs: [program] } } },
});
const results = await eslint.lintFiles(['.']);
process.stdout.write(await (await eslint.loadFormatter('stylish')).format(results));

const lintErrors = results.reduce((sum, result) => sum + result.errorCount + result.fatalErrorCount, 0);
process.exitCode = diagnostics.length || lintErrors ? 1 : 0;
