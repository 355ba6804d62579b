import { cpus, loadavg, release, totalmem } from 'node:os';

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  os: string;
  date: string;
  /** 1-minute load averages when the run started and ended: other work on the machine skews every figure. */
  loadAtStart: number;
  loadAtEnd?: number;
}

export const currentLoad = (): number => loadavg()[0] ?? 0;

export function describeMachine(): Machine {
  const list = cpus();
  return {
    cpu: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    os: `${process.platform} ${release()} ${process.arch}`,
    date: new Date().toISOString(),
    loadAtStart: currentLoad(),
  };
}
