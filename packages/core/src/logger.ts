import pino from 'pino';

/** The logger wrkr writes to: any pino-compatible logger (pino itself, or a child of yours). */
export interface Logger {
  /** Fine-grained tracing. */
  trace(obj: object | string, msg?: string): void;
  /** Debugging detail. */
  debug(obj: object | string, msg?: string): void;
  /** Normal operation. */
  info(obj: object | string, msg?: string): void;
  /** Something unexpected that wrkr handled. */
  warn(obj: object | string, msg?: string): void;
  /** A failure. */
  error(obj: object | string, msg?: string): void;
  /** A logger that adds `bindings` to every line. */
  child(bindings: Record<string, unknown>): Logger;
}

/** A pino logger that writes nothing: the default, so a library never logs unless asked to. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
