/** What a stream socket is made with: its buffer sizes, and where to connect. */
import { checkInt } from '../core/validate.js';

/** Buffer sizes of a socket, in bytes (the models of SO_SNDBUF and SO_RCVBUF). */
export interface BufferOptions {
  /** How many bytes `send` accepts before the transport has taken them. Default 256 KiB. */
  sndbuf?: number | undefined;
  /** How many received bytes are held before reading from the network stops. Default 256 KiB. */
  rcvbuf?: number | undefined;
}

/** Where to connect: a TCP host and port, or a Unix socket path. */
export type ConnectOptions = (
  | {
      /** Host name or address to connect to. Default `'127.0.0.1'`. */
      host?: string | undefined;
      /** TCP port to connect to. */
      port: number;
    }
  | {
      /** Path of a Unix socket to connect to. */
      path: string;
    }
) &
  BufferOptions;

/** The default `sndbuf` and `rcvbuf`: 256 KiB. */
const DEFAULT_BUFSIZE = 256 * 1024;

/**
 * The buffer sizes of `opts`, checked, with the defaults for those not given.
 * @throws {RangeError} `ERR_OUT_OF_RANGE` for a size that is not an integer >= 1.
 */
export function checkBufferOptions(opts: Record<string, unknown>): { sndbuf: number; rcvbuf: number } {
  return {
    sndbuf: opts.sndbuf === undefined ? DEFAULT_BUFSIZE : checkInt(opts.sndbuf, 'options.sndbuf', 1),
    rcvbuf: opts.rcvbuf === undefined ? DEFAULT_BUFSIZE : checkInt(opts.rcvbuf, 'options.rcvbuf', 1),
  };
}
