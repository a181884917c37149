/**
 * Grows one regression tree on gradients/hessians, depth-wise, from the binned training rows.
 * Internal nodes keep the value they would have as a leaf (shrunk like leaves), which the scorer
 * uses for path attributions.
 */
import type { Tree } from "../model.js";
import type { BinEdges } from "./binning.js";
import {
  bestSplit,
  buildHistogram,
  createHistogram,
  type Histogram,
  type SplitRules,
  subtractHistogram,
} from "./histogram.js";

/** What growing a tree needs; `rows[0..rowCount)` are the (sub)sampled training rows. */
export interface GrowContext {
  bins: Uint8Array;
  width: number;
  edges: BinEdges;
  binsPerFeature: number[];
  grad: Float64Array;
  hess: Float64Array;
  rows: Uint32Array;
  rowCount: number;
  scratch: Uint32Array;
  maxDepth: number;
  learningRate: number;
  rules: SplitRules;
  pool: Histogram[];
  /** Split gain per feature, accumulated. */
  gain: Float64Array;
}

/** A grown tree plus the bin of each split (for fast binned traversal during training). */
export interface GrownTree {
  tree: Tree;
  splitBin: number[];
}

interface Pending {
  id: number;
  start: number;
  end: number;
  grad: number;
  hess: number;
  hist: Histogram | null;
}

function takeHistogram(ctx: GrowContext): Histogram {
  const hist = ctx.pool.pop() ?? createHistogram(ctx.width);
  hist.gh.fill(0);
  hist.count.fill(0);
  return hist;
}

function addNode(tree: Tree, splitBin: number[], value: number): number {
  tree.feature.push(-1);
  tree.threshold.push(0);
  tree.left.push(-1);
  tree.right.push(-1);
  tree.value.push(value);
  splitBin.push(-1);
  return tree.feature.length - 1;
}

/** Moves rows with bin <= `bin` of `feature` to the front of [start, end); returns the split point. */
function partition(ctx: GrowContext, start: number, end: number, feature: number, bin: number): number {
  const { rows, scratch, bins, width } = ctx;
  let left = start;
  let right = 0;
  for (let k = start; k < end; k++) {
    const row = rows[k]!;
    if (bins[row * width + feature]! <= bin) rows[left++] = row;
    else scratch[right++] = row;
  }
  rows.set(scratch.subarray(0, right), left);
  return left;
}

/** Grows one tree; leaf and node values are already multiplied by the learning rate. */
export function growTree(ctx: GrowContext): GrownTree {
  const { rules, learningRate } = ctx;
  const tree: Tree = { feature: [], threshold: [], left: [], right: [], value: [] };
  const splitBin: number[] = [];
  const leafValue = (g: number, h: number) => Math.fround((-g / (h + rules.lambda)) * learningRate);

  let rootGrad = 0;
  let rootHess = 0;
  for (let k = 0; k < ctx.rowCount; k++) {
    rootGrad += ctx.grad[ctx.rows[k]!]!;
    rootHess += ctx.hess[ctx.rows[k]!]!;
  }
  const rootHist = ctx.maxDepth > 0 ? takeHistogram(ctx) : null;
  if (rootHist !== null) {
    buildHistogram(rootHist, ctx.bins, ctx.width, ctx.grad, ctx.hess, ctx.rows, 0, ctx.rowCount);
  }
  let frontier: Pending[] = [
    {
      id: addNode(tree, splitBin, leafValue(rootGrad, rootHess)),
      start: 0,
      end: ctx.rowCount,
      grad: rootGrad,
      hess: rootHess,
      hist: rootHist,
    },
  ];
  for (let depth = 0; depth < ctx.maxDepth && frontier.length > 0; depth++) {
    const next: Pending[] = [];
    const childrenSplit = depth + 1 < ctx.maxDepth;
    for (const node of frontier) {
      const hist = node.hist!;
      const split = bestSplit(hist, ctx.binsPerFeature, node.grad, node.hess, node.end - node.start, rules);
      if (split === null) {
        ctx.pool.push(hist);
        continue;
      }
      const mid = partition(ctx, node.start, node.end, split.feature, split.bin);
      const rightGrad = node.grad - split.leftGrad;
      const rightHess = node.hess - split.leftHess;
      const leftId = addNode(tree, splitBin, leafValue(split.leftGrad, split.leftHess));
      const rightId = addNode(tree, splitBin, leafValue(rightGrad, rightHess));
      tree.feature[node.id] = split.feature;
      tree.threshold[node.id] = ctx.edges[split.feature]![split.bin]!;
      tree.left[node.id] = leftId;
      tree.right[node.id] = rightId;
      splitBin[node.id] = split.bin;
      ctx.gain[split.feature] = ctx.gain[split.feature]! + split.gain;

      let leftHist: Histogram | null = null;
      let rightHist: Histogram | null = null;
      if (childrenSplit) {
        // Build the smaller child; the parent's histogram minus it becomes the larger child's.
        const leftSmaller = mid - node.start <= node.end - mid;
        const small = takeHistogram(ctx);
        if (leftSmaller)
          buildHistogram(small, ctx.bins, ctx.width, ctx.grad, ctx.hess, ctx.rows, node.start, mid);
        else buildHistogram(small, ctx.bins, ctx.width, ctx.grad, ctx.hess, ctx.rows, mid, node.end);
        subtractHistogram(hist, hist, small);
        leftHist = leftSmaller ? small : hist;
        rightHist = leftSmaller ? hist : small;
      } else {
        ctx.pool.push(hist);
      }
      next.push(
        {
          id: leftId,
          start: node.start,
          end: mid,
          grad: split.leftGrad,
          hess: split.leftHess,
          hist: leftHist,
        },
        { id: rightId, start: mid, end: node.end, grad: rightGrad, hess: rightHess, hist: rightHist },
      );
    }
    frontier = next;
  }
  for (const node of frontier) if (node.hist !== null) ctx.pool.push(node.hist);
  return { tree, splitBin };
}

/** The leaf value a binned row reaches (training-time traversal on bins). */
export function binnedValue(grown: GrownTree, bins: Uint8Array, width: number, row: number): number {
  const { tree, splitBin } = grown;
  let node = 0;
  const base = row * width;
  while (tree.left[node]! >= 0) {
    node = bins[base + tree.feature[node]!]! <= splitBin[node]! ? tree.left[node]! : tree.right[node]!;
  }
  return tree.value[node]!;
}
