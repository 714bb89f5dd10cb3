import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A loopback TCP relay that counts request/response round trips: a round trip starts
 * whenever the client sends after the server has answered (or first). Pipelined commands
 * written together count once, whatever the client library, which is what "round trips
 * per batch" means.
 */
export interface RoundTripCounter {
  port: number;
  readonly roundTrips: number;
  reset(): void;
  close(): Promise<void>;
}

export async function startRoundTripCounter(targetPort: number): Promise<RoundTripCounter> {
  let roundTrips = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = createConnection({ host: '127.0.0.1', port: targetPort });
    sockets.add(client).add(upstream);
    let awaitingRequest = true;
    client.on('data', (chunk) => {
      if (awaitingRequest) roundTrips++;
      awaitingRequest = false;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      awaitingRequest = true;
      client.write(chunk);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  return {
    port: typeof addr === 'object' && addr ? addr.port : 0,
    get roundTrips() {
      return roundTrips;
    },
    reset() {
      roundTrips = 0;
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
