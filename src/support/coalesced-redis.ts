import { Redis } from "ioredis";

type SendCommand = Redis["sendCommand"];

/**
 * An ioredis connection that writes every command issued in one turn of the event loop to the
 * socket in one write. Under load the web role issues several commands per turn (replies for many
 * deliveries arrive in one read, and each continues with its next command); on loopback each
 * write is a syscall that also runs the receiver's TCP path, and it was the largest cost per
 * delivery. The socket is corked at the first command of a turn and uncorked by `setImmediate`,
 * right after the poll phase, so a command waits at most for the callbacks already due.
 */
export class CoalescedRedis extends Redis {
  #corked = false;

  override sendCommand(...args: Parameters<SendCommand>): ReturnType<SendCommand> {
    const stream = this.stream as Redis["stream"] | undefined;
    if (!this.#corked && this.status === "ready" && stream !== undefined && stream.writable) {
      this.#corked = true;
      stream.cork();
      setImmediate(() => {
        this.#corked = false;
        stream.uncork();
      });
    }
    return super.sendCommand(...args);
  }
}
