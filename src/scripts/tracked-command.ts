import type { Socket } from 'node:net';
import { Command, type Cluster, type Redis } from 'ioredis';
import { ErrorCode } from '../errors/error-code.js';
import { UserSessionStorageError } from '../errors/user-session-storage-error.js';

/**
 * What a command the storage gave up on is written as, if ioredis still
 * writes it (from its offline queue after a timeout, or a cluster's delayed
 * retry): it changes nothing and is answered by exactly one reply, so the
 * replies of the connection stay in step.
 */
const PING = '*1\r\n$4\r\nPING\r\n';

/** Per socket, the commands written on it whose reply has not come yet. */
const unanswered = new WeakMap<Socket, Set<TrackedCommand>>();

/** Settled by the storage itself when the connection fails: the command may or may not have run. */
function outcomeUnknown(cause: Error): UserSessionStorageError {
  return new UserSessionStorageError(
    ErrorCode.REDIS_ERROR,
    `Redis did not answer: ${cause.message.replace(/\.$/, '')}. The operation was sent, so it may or may not have happened ` +
      '(entirely or not at all, never in part), and it is never sent again: find out with read, readAll or count before retrying',
    { cause },
  );
}

/** The command never left this process. */
function notSent(cause: Error): UserSessionStorageError {
  return new UserSessionStorageError(
    ErrorCode.REDIS_ERROR,
    `Redis could not be reached: ${cause.message.replace(/\.$/, '')}. The operation was not sent and did not happen; retry when Redis is reachable`,
    { cause },
  );
}

/**
 * Closes the connection with a reset (RST): the kernel discards what it
 * has not delivered yet. A plain close (FIN) would still deliver it, and
 * after a partition heals Redis would run the command. A TLS socket cannot
 * be reset from Node; it is closed.
 */
function reset(socket: Socket): void {
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}

/** An error Redis replied: the command was answered. */
function isReply(error: Error): boolean {
  return error.name === 'ReplyError';
}

/** ioredis's `commandTimeout`: it rejects the command but leaves it where it is, written or queued. */
function isTimeout(error: Error): boolean {
  return error.message === 'Command timed out';
}

/**
 * A command that is answered by Redis or failed by the storage, and never
 * run behind its caller's back. ioredis re-sends a command whose connection
 * closed before its reply (`autoResendUnfulfilledCommands`, a Cluster's
 * retry after "Connection is closed."), keeps a timed-out command queued,
 * and with re-sending off drops it without ever settling it. Instead:
 * - written, then its connection closes before the reply: it fails as
 *   "outcome unknown" and is never sent again;
 * - written, then it times out: the same, and its connection is reset, so
 *   the bytes still on their way (a partition holds them) are dropped
 *   instead of delivered when the network heals;
 * - not written yet (offline queue): it waits, and is sent when the
 *   connection is back; a Cluster may send it to another node (it never
 *   reached Redis). If it times out meanwhile, it fails as "not sent" and
 *   what ioredis writes for it later is a PING.
 */
class TrackedCommand extends Command {
  readonly result: Promise<unknown>;
  /** The socket the current attempt was written on, until its reply. */
  private socket: Socket | undefined;
  private finished = false;
  private settle!: { resolve: (value: unknown) => void; reject: (error: Error) => void };

  constructor(name: string, args: readonly (string | Buffer | number)[], replyEncoding: BufferEncoding | null) {
    super(name, [...args], { replyEncoding });
    this.result = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
    // What reaches ioredis's own promise is a reply, or a failure before the command was written.
    this.promise.then(
      (value) => this.finish(() => this.settle.resolve(value)),
      (error: Error) => this.finish(() => this.settle.reject(isReply(error) ? error : notSent(error))),
    );
  }

  /**
   * Wraps whatever settles the command now (on a Cluster: its retrying
   * reject), so that the storage decides first and nothing it gave up on
   * reaches a retry.
   */
  intercept(): void {
    const { resolve, reject } = this;
    this.resolve = (value: unknown) => {
      this.answered();
      resolve(value);
    };
    this.reject = (error: Error) => {
      if (this.finished) return;
      if (isReply(error)) {
        this.answered();
        reject(error);
      } else if (this.socket) {
        this.giveUp(outcomeUnknown(error), isTimeout(error));
      } else if (isTimeout(error)) {
        this.giveUp(notSent(error), false);
      } else {
        reject(error);
      }
    };
  }

  override toWritable(socket: object): string | Buffer {
    if (this.finished) return PING;
    this.socket = socket as Socket;
    let commands = unanswered.get(this.socket);
    if (!commands) {
      const written = new Set<TrackedCommand>();
      commands = written;
      unanswered.set(this.socket, written);
      // A closed connection answers nothing more; ioredis (re-sending off) would drop these unsettled.
      this.socket.once('close', () => {
        for (const command of [...written]) command.giveUp(outcomeUnknown(new Error('the connection closed')), false);
      });
    }
    commands.add(this);
    return super.toWritable(socket);
  }

  private giveUp(error: UserSessionStorageError, resetConnection: boolean): void {
    const socket = this.socket;
    this.finish(() => this.settle.reject(error));
    if (resetConnection && socket && !socket.destroyed) reset(socket);
  }

  private answered(): void {
    if (!this.socket) return;
    unanswered.get(this.socket)?.delete(this);
    this.socket = undefined;
  }

  private finish(settle: () => void): void {
    if (this.finished) return;
    this.finished = true;
    this.answered();
    settle();
  }
}

/**
 * Sends one command through `connection` (a Cluster routes it by its first
 * key) straight into the command queue, past auto-pipelining, and resolves
 * with Redis's reply. Rejects with Redis's error reply as it is, or with
 * REDIS_ERROR saying whether the command may have run (see TrackedCommand).
 */
export function sendTracked(
  connection: Redis | Cluster,
  name: string,
  args: readonly (string | Buffer | number)[],
  replyEncoding: BufferEncoding | null,
): Promise<unknown> {
  const command = new TrackedCommand(name, args, replyEncoding);
  void connection.sendCommand(command);
  command.intercept();
  return command.result;
}
