import { execFile } from 'node:child_process';

function ctl(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('rabbitmqctl', args, { timeout: 60_000 }, (err, stdout, stderr) => (err ? reject(new Error(`rabbitmqctl ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout)));
  });
}

/** Make the broker close every connection whose name starts with `prefix` (only ours: other people share this broker). */
export async function closeConnections(prefix: string): Promise<number> {
  // RabbitMQ 3.10 shows the client-provided name only inside client_properties.
  const out = await ctl(['list_connections', 'pid', 'client_properties', '--no-table-headers', '--quiet']);
  const pids = out
    .split('\n')
    .map((line) => line.split('\t'))
    .filter(([pid, props]) => pid && props?.includes(`{"connection_name","${prefix}`))
    .map(([pid]) => pid!);
  for (const pid of pids) await ctl(['close_connection', pid, 'wrkr test: connection killed on purpose']);
  return pids.length;
}

/** Restart the broker application (stop_app/start_app). Disrupts everyone using this broker. */
export async function restartBroker(): Promise<void> {
  await ctl(['stop_app']);
  await ctl(['start_app']);
  await ctl(['await_startup']);
}
