/**
 * Cache writes in flight. A failed write is swallowed (the entry simply is not cached), and
 * `settled()` lets a test or a clean stop wait until everything started so far has landed.
 */
export class PendingWrites {
  private readonly pending = new Set<Promise<void>>();

  async track(write: Promise<void>): Promise<void> {
    const settled = write.catch(() => undefined);
    this.pending.add(settled);
    try {
      await settled;
    } finally {
      this.pending.delete(settled);
    }
  }

  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }
}
