/**
 * An array of records kept sorted by (key, id): binary search for ranges and cursors,
 * O(log n) to find, O(n) memmove to insert/remove (fast enough at 1M for admin ops).
 */
export class SortedIndex<T extends { id: number }> {
  items: T[] = [];

  constructor(private readonly key: (item: T) => number) {}

  private compare(aKey: number, aId: number, b: T): number {
    const bKey = this.key(b);
    return aKey !== bKey ? aKey - bKey : aId - b.id;
  }

  /** First position whose (key, id) >= (key, id). */
  lowerBound(key: number, id = -Infinity): number {
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.compare(key, id, this.items[mid]!) > 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** First position whose key > key. */
  upperBoundKey(key: number): number {
    return this.lowerBound(key, Infinity);
  }

  insert(item: T): void {
    const at = this.lowerBound(this.key(item), item.id);
    this.items.splice(at, 0, item);
  }

  /** Removes the item; call before changing its key. */
  remove(item: T): boolean {
    const at = this.lowerBound(this.key(item), item.id);
    if (this.items[at] === item) {
      this.items.splice(at, 1);
      return true;
    }
    return false;
  }

  /** Removes many items in one O(n) pass (cheaper than many splices on a big index). */
  removeMany(items: Set<T>): void {
    if (items.size === 0) return;
    if (items.size <= 8) {
      for (const item of items) this.remove(item);
      return;
    }
    this.items = this.items.filter((item) => !items.has(item));
  }

  /**
   * Rebuilds from scratch (bulk load). Fast path for up to 2M items given in id order
   * with integer keys in [0, 2^31): (key, position) packed into one float64 and sorted
   * natively, ~10x faster than a comparator sort at 1M.
   */
  load(items: T[]): void {
    const n = items.length;
    let fast = n < 2 ** 21;
    for (let i = 0; fast && i < n; i++) {
      const k = this.key(items[i]!);
      if (!Number.isInteger(k) || k < 0 || k >= 2 ** 31 || (i > 0 && items[i - 1]!.id >= items[i]!.id)) fast = false;
    }
    if (!fast) {
      this.items = items.slice().sort((a, b) => this.key(a) - this.key(b) || a.id - b.id);
      return;
    }
    const packed = new Float64Array(n);
    for (let i = 0; i < n; i++) packed[i] = this.key(items[i]!) * 2 ** 21 + i;
    packed.sort();
    const out = new Array<T>(n);
    for (let i = 0; i < n; i++) out[i] = items[packed[i]! % 2 ** 21]!;
    this.items = out;
  }

  get length(): number {
    return this.items.length;
  }
}
