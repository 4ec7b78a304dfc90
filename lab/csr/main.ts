// Entry point of the CSR simulator in its container: configuration from the environment
// (CSR_USERNAME, CSR_PASSWORD, CSR_TOKEN_LIFETIME seconds, CSR_NEGOTIATION_SECONDS,
// CSR_STATE_FILE, CSR_TLS_DIR with key.pem and cert.pem, CSR_LISTEN_PORT).
import fs from 'node:fs';
import path from 'node:path';
import { createSimulator } from './server.js';

const env = (name: string, fallback?: string): string => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};

const tlsDir = env('CSR_TLS_DIR', '/var/lib/csr');
const port = Number(env('CSR_LISTEN_PORT', '55443'));
const { server } = createSimulator({
  username: env('CSR_USERNAME'),
  password: env('CSR_PASSWORD'),
  tokenLifetimeMs: Number(env('CSR_TOKEN_LIFETIME', '900')) * 1000,
  negotiationMs: Number(env('CSR_NEGOTIATION_SECONDS', '5')) * 1000,
  stateFile: env('CSR_STATE_FILE', '/var/lib/csr/state.json'),
  key: fs.readFileSync(path.join(tlsDir, 'key.pem')),
  cert: fs.readFileSync(path.join(tlsDir, 'cert.pem')),
  // Docker stamps each line; the screen log shows it.
  log: (line) => process.stdout.write(`csr ${line}\n`),
});
server.listen(port, '0.0.0.0', () => process.stdout.write(`csr simulator listening on https port ${port}\n`));
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
