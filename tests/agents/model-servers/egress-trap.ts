// A proxy on 127.0.0.1 that forwards nothing: the agents get it as HTTP(S)_PROXY/ALL_PROXY (with NO_PROXY for
// 127.0.0.1), so any request a CLI tries to make anywhere but the scripted model server lands here, is recorded,
// and is refused. Tests assert it saw nothing.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface EgressTrap {
  url: string;
  /** `CONNECT host:port` or `GET http://…` lines, one per attempt. */
  hits: string[];
  close(): Promise<void>;
}

export async function startEgressTrap(): Promise<EgressTrap> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    res.writeHead(403, { 'content-type': 'text/plain' }).end('egress refused by the samocode agent test suite\n');
  });
  server.on('connect', (req, socket) => {
    hits.push(`CONNECT ${req.url}`);
    socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => done());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
