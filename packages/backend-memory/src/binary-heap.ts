/**
 * A binary min-heap ordered by a comparator. Callers that need removal use lazy deletion: they leave
 * stale nodes in place and skip them when they reach the top, which keeps every operation O(log n).
 */
export class BinaryHeap<T> {
  readonly #nodes: T[] = [];

  constructor(private readonly before: (a: T, b: T) => boolean) {}

  /** Number of nodes, stale ones included. */
  get size(): number {
    return this.#nodes.length;
  }

  /** The smallest node, without removing it. */
  peek(): T | undefined {
    return this.#nodes[0];
  }

  /** Add a node. */
  push(node: T): void {
    const nodes = this.#nodes;
    nodes.push(node);
    let i = nodes.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(node, nodes[parent]!)) break;
      nodes[i] = nodes[parent]!;
      i = parent;
    }
    nodes[i] = node;
  }

  /** Remove and return the smallest node. */
  pop(): T | undefined {
    const nodes = this.#nodes;
    const top = nodes[0];
    const last = nodes.pop();
    if (nodes.length === 0 || last === undefined) return top;
    let i = 0;
    const n = nodes.length;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && this.before(nodes[right]!, nodes[left]!) ? right : left;
      if (!this.before(nodes[child]!, last)) break;
      nodes[i] = nodes[child]!;
      i = child;
    }
    nodes[i] = last;
    return top;
  }

  /** Remove every node. */
  clear(): void {
    this.#nodes.length = 0;
  }
}
