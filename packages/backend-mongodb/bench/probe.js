'use strict';
/**
 * What a mongodb bench scenario costs per job, in figures a shared machine's load moves little: backend
 * round trips (the driver's command events, by command), this process's CPU, and the FerretDB server's
 * CPU (read from /proc when a `ferretdb` process runs on this machine; otherwise not shown).
 */
const { readdirSync, readFileSync } = require('node:fs');

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on Linux). */
const TICKS_PER_S = 100;

/** Pid of the local FerretDB server, when there is one. */
function ferretPid() {
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'ferretdb') return Number(pid);
    } catch {
      // The process ended while the list was read.
    }
  }
  return undefined;
}

/** User + system CPU ms of a process so far. */
function procCpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces), counted from field 3 (state).
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / TICKS_PER_S;
}

/** Counts the commands `client` (created with `monitorCommands: true`) sends, and the CPU spent, between start and stop. */
class Probe {
  #counts = new Map();
  #server = ferretPid();
  #t0;

  constructor(client) {
    client.on('commandStarted', (e) => this.#counts.set(e.commandName, (this.#counts.get(e.commandName) ?? 0) + 1));
  }

  start() {
    this.#counts.clear();
    this.#t0 = { cpu: process.cpuUsage(), server: this.#server && procCpuMs(this.#server) };
    return this;
  }

  /** Per-job figures since `start`. */
  stop(jobs) {
    const cpu = process.cpuUsage(this.#t0.cpu);
    const total = [...this.#counts.values()].reduce((a, b) => a + b, 0);
    const byCommand = Object.fromEntries([...this.#counts].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, v / jobs]));
    return {
      roundTrips: total / jobs,
      byCommand,
      clientCpuMs: (cpu.user + cpu.system) / 1000 / jobs,
      serverCpuMs: this.#server === undefined ? undefined : (procCpuMs(this.#server) - this.#t0.server) / jobs,
    };
  }
}

/** One line of per-job figures. */
function describe(p) {
  const by = Object.entries(p.byCommand).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ');
  const server = p.serverCpuMs === undefined ? '' : `, FerretDB CPU ${p.serverCpuMs.toFixed(2)} ms`;
  return `per job: ${p.roundTrips.toFixed(2)} round trips (${by}), client CPU ${p.clientCpuMs.toFixed(2)} ms${server}`;
}

module.exports = { Probe, describe };
