import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * The end of the RESP2/RESP3 value that starts at `at` in `buf`, or -1 while
 * it is incomplete. Requests are arrays of bulk strings; replies may be any type.
 */
export function respValueEnd(buf: Buffer, at: number): number {
  if (at >= buf.length) return -1;
  const lineEnd = buf.indexOf('\r\n', at);
  if (lineEnd < 0) return -1;
  const type = String.fromCharCode(buf[at]!);
  const length = Number(buf.toString('latin1', at + 1, lineEnd));
  let next = lineEnd + 2;
  switch (type) {
    case '$': // bulk string
    case '!': // bulk error
    case '=': // verbatim string
      if (length < 0) return next;
      return buf.length >= next + length + 2 ? next + length + 2 : -1;
    case '*': // array
    case '~': // set
    case '>': // push
    case '%': // map
    case '|': {
      // attribute: annotates the value after it
      if (length < 0) return next;
      const elements = type === '%' || type === '|' ? 2 * length : length;
      for (let i = 0; i < elements && next >= 0; i++) next = respValueEnd(buf, next);
      return type === '|' && next >= 0 ? respValueEnd(buf, next) : next;
    }
    default: // + - : _ # , ( one line
      return next;
  }
}

/** The strings of a request (an array of bulk strings) that ends at `end`. */
function parseRequest(buf: Buffer, at: number, end: number): string[] {
  const parts: string[] = [];
  let line = buf.indexOf('\r\n', at) + 2;
  while (line < end) {
    const lineEnd = buf.indexOf('\r\n', line);
    const length = Number(buf.toString('latin1', line + 1, lineEnd));
    parts.push(buf.toString('utf8', lineEnd + 2, lineEnd + 2 + length));
    line = lineEnd + 2 + length + 2;
  }
  return parts;
}

/** What dropReplyTo() armed: the request whose reply is to be lost. */
interface Drop {
  matches: (request: string[]) => boolean;
  done: () => void;
}

/** What the proxy's connections share. */
interface ProxyState {
  readonly target: { host: string; port: number };
  readonly links: Set<Link>;
  drop: Drop | undefined;
  partitioned: boolean;
  accepted: number;
}

/** One client connection and its upstream connection to Redis. */
class Link {
  /** Bytes the partition holds back, as TCP would retransmit them until it heals. */
  private readonly heldUp: Buffer[] = [];
  private readonly heldDown: Buffer[] = [];
  private requests = Buffer.alloc(0);
  private replies = Buffer.alloc(0);
  private requestCount = 0;
  private replyCount = 0;
  /** The number of the request whose reply is to be lost. */
  private dropAt: { request: number; done: () => void } | undefined;
  private readonly upstream: Socket;
  private clientEnded = false;
  private broken = false;

  constructor(
    private readonly proxy: ProxyState,
    private readonly client: Socket,
  ) {
    this.upstream = createConnection(proxy.target);
    this.upstream.setNoDelay(true);
    this.upstream.on('data', (chunk: Buffer) => this.fromUpstream(chunk));
    this.upstream.on('error', () => this.break());
    this.upstream.on('close', () => this.break());
    client.setNoDelay(true);
    client.on('data', (chunk: Buffer) => this.fromClient(chunk));
    // A FIN: what the client sent before it is still delivered (held bytes too, at the heal).
    client.on('end', () => {
      this.clientEnded = true;
      if (!proxy.partitioned) this.upstream.end();
    });
    // A RST: the client's kernel discards what it had not delivered, so held bytes are lost.
    client.on('error', () => this.break());
    client.on('close', () => {
      if (!this.clientEnded) this.break();
    });
  }

  heal(): void {
    for (const chunk of this.heldUp.splice(0)) this.upstream.write(chunk);
    for (const chunk of this.heldDown.splice(0)) this.client.write(chunk);
    if (this.clientEnded) this.upstream.end();
  }

  /** Both ends closed, held bytes discarded: the connection is gone, as after a TCP timeout or reset. */
  break(): void {
    if (this.broken) return;
    this.broken = true;
    this.heldUp.length = 0;
    this.heldDown.length = 0;
    this.client.destroy();
    this.upstream.destroy();
    this.proxy.links.delete(this);
  }

  private fromClient(chunk: Buffer): void {
    this.requests = Buffer.concat([this.requests, chunk]);
    for (let end = respValueEnd(this.requests, 0); end > 0; end = respValueEnd(this.requests, 0)) {
      this.requestCount++;
      const drop = this.proxy.drop;
      if (drop?.matches(parseRequest(this.requests, 0, end))) {
        this.proxy.drop = undefined;
        this.dropAt = { request: this.requestCount, done: drop.done };
      }
      this.requests = this.requests.subarray(end);
    }
    if (this.proxy.partitioned) this.heldUp.push(chunk);
    else this.upstream.write(chunk);
  }

  private fromUpstream(chunk: Buffer): void {
    this.replies = Buffer.concat([this.replies, chunk]);
    for (let end = respValueEnd(this.replies, 0); end > 0; end = respValueEnd(this.replies, 0)) {
      const isPush = this.replies[0] === 0x3e; // '>': not a reply to a request
      if (!isPush && ++this.replyCount === this.dropAt?.request) {
        // Redis ran the request and replied; the reply is lost with the connection.
        const { done } = this.dropAt;
        this.break();
        done();
        return;
      }
      const value = Buffer.from(this.replies.subarray(0, end));
      this.replies = this.replies.subarray(end);
      if (this.proxy.partitioned) this.heldDown.push(value);
      else this.client.write(value);
    }
  }
}

/**
 * A TCP proxy in front of a real redis-server that injects network faults:
 * a reply lost with its connection after Redis ran the command, broken
 * connections, and a partition that holds every byte of open connections
 * (both ways) until it heals, as TCP retransmits them, and fails new ones.
 * It parses RESP
 * to know which reply answers which request, so a test loses exactly the
 * reply it means to.
 */
export class FaultProxy {
  private readonly state: ProxyState;

  private constructor(
    private readonly server: Server,
    target: { host: string; port: number },
  ) {
    const state: ProxyState = { target, links: new Set(), drop: undefined, partitioned: false, accepted: 0 };
    this.state = state;
    server.on('connection', (socket: Socket) => {
      state.accepted++;
      // The client cannot reach the server: it fails to connect, and retries.
      if (state.partitioned) socket.destroy();
      else state.links.add(new Link(state, socket));
    });
  }

  static async start(target: { host: string; port: number }): Promise<FaultProxy> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new FaultProxy(server, target);
  }

  get port(): number {
    return (this.server.address() as { port: number }).port;
  }

  /** Connections open now. */
  get connections(): number {
    return this.state.links.size;
  }

  /** Connections accepted so far. */
  get accepted(): number {
    return this.state.accepted;
  }

  /**
   * The next request, on any connection, that `matches` (command name and
   * arguments as strings) reaches Redis and runs, but its reply never reaches
   * the client: the proxy breaks that connection instead. Resolves once the
   * reply was dropped.
   */
  dropReplyTo(matches: (request: string[]) => boolean): Promise<void> {
    return new Promise((resolve) => {
      this.state.drop = { matches, done: resolve };
    });
  }

  /** From now on nothing passes, either way, on any connection, and new connections fail. */
  partition(): void {
    this.state.partitioned = true;
  }

  /** What the partition held is delivered, in order, on every connection still open at both ends. */
  heal(): void {
    this.state.partitioned = false;
    for (const link of this.state.links) link.heal();
  }

  /** Breaks every connection at both ends; whatever a partition held on them is lost. */
  cut(): void {
    for (const link of [...this.state.links]) link.break();
  }

  async stop(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
