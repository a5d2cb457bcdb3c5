/**
 * The SMTP sink every delivery measurement sends to: smtp-server on
 * 127.0.0.1, any port, no auth, no STARTTLS, data read and thrown away.
 * It counts what it accepted, so a run that lost messages is caught.
 * smtp-server waits 100 ms before greeting each new connection, which is
 * why every client here keeps its connections open (pooled).
 */
import { SMTPServer } from 'smtp-server';

export interface Sink {
  port: number;
  url: string;
  /** Messages accepted since the last reset. */
  readonly messages: number;
  readonly bytes: number;
  readonly connections: number;
  reset(): void;
  close(): Promise<void>;
}

export async function startSink(): Promise<Sink> {
  let messages = 0;
  let bytes = 0;
  let connections = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    hideSTARTTLS: true,
    logger: false,
    maxClients: 1000,
    size: 50 * 1024 * 1024,
    onConnect(_session, callback) {
      connections++;
      callback();
    },
    onData(stream, _session, callback) {
      stream.on('data', (chunk: Buffer) => (bytes += chunk.length));
      stream.on('end', () => {
        messages++;
        callback();
      });
      stream.resume();
    },
  });
  server.on('error', () => {
    // A client dropping its socket is not the sink's problem.
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    get messages() {
      return messages;
    },
    get bytes() {
      return bytes;
    },
    get connections() {
      return connections;
    },
    reset() {
      messages = 0;
      bytes = 0;
      connections = 0;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
