/** Process glue: the only file that touches `process`. */
import { main } from './main.ts';

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
});
