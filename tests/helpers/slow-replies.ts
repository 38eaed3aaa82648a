// A loopback TCP relay in front of a redis-server whose replies can be held back: what a worker sees when Redis or the
// way back is slow (a busy machine, a congested link) while Redis itself applies every command on time. Commands go
// through at once; replies, while `slow(ms)` is on, reach the client `ms` later, always in their order.
import { connect, createServer, type Socket } from 'node:net';

export interface SlowReplies {
  url: string;
  /** Hold every reply from now on this long (0: none; replies already held keep their order). */
  slow(ms: number): void;
  close(): Promise<void>;
}

export async function slowReplies(redisPort: number): Promise<SlowReplies> {
  let delayMs = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const redis = connect(redisPort, '127.0.0.1');
    sockets.add(client).add(redis);
    let releaseAt = 0;
    client.pipe(redis);
    redis.on('data', (chunk: Buffer) => {
      // Never before an earlier chunk: a reply stream out of order would be another bug than the one played here.
      releaseAt = Math.max(Date.now() + delayMs, releaseAt);
      const wait = releaseAt - Date.now();
      if (wait <= 0) client.write(chunk);
      else setTimeout(() => client.writable && client.write(chunk), wait);
    });
    const end = () => {
      client.destroy();
      redis.destroy();
    };
    client.on('close', end).on('error', end);
    redis.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `redis://127.0.0.1:${port}`,
    slow(ms) {
      delayMs = ms;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
