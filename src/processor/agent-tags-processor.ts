/**
 * The `agent_tags` processor: validates each request, stamps the tags on every resource and
 * hands the rewritten bytes on. Validation comes first so that a malformed payload is refused
 * (INVALID_ARGUMENT / 400) and never forwarded.
 */
import { withBody, type Consumer, type ExportRequest, type ExportResponse } from '../consumer.js';
import { inspectRequest } from '../otlp/inspect-request.js';
import { compileTags } from './compile-tags.js';
import { applyTags } from './resource-editor.js';
import { createTagStats, type TagRules, type TagStats } from './tag-types.js';

export interface AgentTagsProcessor extends Consumer {
  /** Running totals since start; the service exports them as metrics. */
  readonly totals: Readonly<TagStats>;
  /** What passed through, since start. */
  readonly counts: Readonly<{ requests: number; resources: number; items: number; empty: number }>;
  /**
   * Swaps in new rules (hot reload). Compiling happens first, so a bad rule set throws and the old
   * one stays; requests already being handled finish with the rules they started with.
   */
  setRules(rules: TagRules): void;
}

export interface AgentTagsProcessorOptions {
  readonly rules: TagRules;
  readonly next: Consumer;
}

export function createAgentTagsProcessor(options: AgentTagsProcessorOptions): AgentTagsProcessor {
  let compiled = compileTags(options.rules);
  const totals = createTagStats();
  const counts = { requests: 0, resources: 0, items: 0, empty: 0 };
  const next = options.next;

  return {
    totals,
    counts,
    setRules(rules: TagRules): void {
      compiled = compileTags(rules);
    },
    async consume(request: ExportRequest): Promise<ExportResponse> {
      const { resources, items } = inspectRequest(request.signal, request.body);
      counts.requests++;
      counts.resources += resources;
      counts.items += items;
      // The Collector's receiver answers requests without items at once; nothing to deliver.
      if (items === 0) {
        counts.empty++;
        return {};
      }
      const stats = createTagStats();
      const body = applyTags(request.body, compiled, stats);
      totals.applied += stats.applied;
      totals.overridden += stats.overridden;
      totals.skipped += stats.skipped;
      totals.prefixed += stats.prefixed;
      totals.unchanged += stats.unchanged;
      return next.consume(withBody(request, body, stats, items));
    },
  };
}
