/** Process glue: the only file that touches `process` and the file system. */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { nodeFileReader, openRandomAccessFile } from './io/node-files.ts';
import { main } from './main.ts';

async function readStdin(): Promise<string> {
  let text = '';
  process.stdin.setEncoding('utf8');
  for await (const chunk of process.stdin) text += chunk;
  return text;
}

/** Write to a temporary file beside the target, then rename: a failed run leaves nothing half-written. */
function writeFileAtomically(path: string, text: string): true | string {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(temporary, text);
    renameSync(temporary, path);
    return true;
  } catch (error) {
    rmSync(temporary, { force: true });
    const { code, message } = error as NodeJS.ErrnoException;
    return code === 'ENOENT' ? 'no such directory' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : message;
  }
}

// `lstm-reset … | head -1`: a closed pipe ends the run quietly, with no stack trace
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}

// set exitCode rather than calling exit(), so large outputs to a pipe are flushed in full
process.exitCode = await main(process.argv.slice(2), {
  stdout: { write: (chunk) => void process.stdout.write(chunk), isTTY: process.stdout.isTTY === true },
  stderr: { write: (chunk) => void process.stderr.write(chunk), isTTY: process.stderr.isTTY === true },
  env: process.env,
  writeFile: writeFileAtomically,
  files: nodeFileReader,
  openFile: openRandomAccessFile,
  readStdin,
});
