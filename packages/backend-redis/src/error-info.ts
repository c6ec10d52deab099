import { maskUrl } from '@wrkr/core/backend';

/**
 * What a log line may say about an ioredis error: its class, code, masked message and the command's name.
 * Never the command's arguments: those of a failed `AUTH`/`HELLO` are the password.
 */
export function errorInfo(err: unknown): Record<string, unknown> {
  const { name, message, code, command } = (typeof err === 'object' && err !== null ? err : {}) as { name?: unknown; message?: unknown; code?: unknown; command?: { name?: unknown } };
  if (typeof message !== 'string') return { message: maskUrl(String(err)) };
  return {
    ...(typeof name === 'string' ? { type: name } : {}),
    message: maskUrl(message),
    ...(code !== undefined ? { code } : {}),
    ...(typeof command?.name === 'string' ? { command: command.name } : {}),
  };
}
