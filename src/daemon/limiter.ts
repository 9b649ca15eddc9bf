// Back-pressure: at most N requests run at once, the rest wait in order (Multus' daemon is OOM-killed by
// bursts: multus-cni#1346); requests for the same container run one after another (CNI spec: no
// parallel operations on one container).
export class Limiter {
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly perKey = new Map<string, Promise<unknown>>();

  constructor(private readonly max: number) {}

  get active(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.length;
  }

  private async slot(): Promise<void> {
    if (this.running < this.max) {
      this.running++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }

  /** Runs `fn` after every earlier call with the same key, within the global limit. */
  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const before = this.perKey.get(key) ?? Promise.resolve();
    const mine = before
      .catch(() => undefined)
      .then(async () => {
        await this.slot();
        try {
          return await fn();
        } finally {
          this.release();
        }
      });
    this.perKey.set(key, mine);
    void mine
      .catch(() => undefined)
      .then(() => {
        if (this.perKey.get(key) === mine) this.perKey.delete(key);
      });
    return mine;
  }
}
