/**
 * Consumer wrappers that the service puts between pipeline stages, so that receivers, processors
 * and exporters stay free of metrics code. They pass requests and outcomes through untouched.
 *
 * Items are counted by countItems (a shallow walk, no validation), unless the request says how
 * many it carries (`ExportRequest.items`, which the agent_tags processor sets). Refusals a
 * receiver makes before handing a request on (media type, size, compression, JSON decoding)
 * never reach a Consumer, so the receiver metrics do not see them.
 */
import type { Consumer, ExportRequest, ExportResponse } from '../consumer.js';
import { clientStatusOf } from '../otlp/status.js';
import { countItems } from '../otlp/count-items.js';
import type { Metrics, ReceiverProtocol } from './metrics.js';

/** Items a partial success rejected, within what the request carried. */
function rejectedItems(response: ExportResponse, items: number): number {
  const rejected = Number(response.partialSuccess?.rejected ?? 0);
  return Number.isFinite(rejected) && rejected > 0 ? Math.min(rejected, items) : 0;
}

/** Goes right behind a receiver: what its clients sent and were answered. */
export function instrumentReceiver(next: Consumer, metrics: Metrics, protocol: ReceiverProtocol): Consumer {
  return {
    async consume(request: ExportRequest): Promise<ExportResponse> {
      const items = request.items ?? countItems(request.signal, request.body);
      let response: ExportResponse;
      try {
        response = await next.consume(request);
      } catch (err) {
        metrics.recordReceive(request.signal, protocol, { items, refusedItems: items, code: clientStatusOf(err).code });
        throw err;
      }
      metrics.recordReceive(request.signal, protocol, { items, refusedItems: rejectedItems(response, items) });
      return response;
    },
  };
}

/** Goes right in front of the exporters: what was sent upstream, how it went, how long it took. */
export function instrumentExporter(next: Consumer, metrics: Metrics): Consumer {
  return {
    async consume(request: ExportRequest): Promise<ExportResponse> {
      const items = request.items ?? countItems(request.signal, request.body);
      const start = performance.now();
      let response: ExportResponse;
      try {
        response = await next.consume(request);
      } catch (err) {
        const seconds = (performance.now() - start) / 1000;
        metrics.recordExport(request.signal, { items, failedItems: items, seconds, code: clientStatusOf(err).code });
        throw err;
      }
      const seconds = (performance.now() - start) / 1000;
      metrics.recordExport(request.signal, { items, failedItems: rejectedItems(response, items), seconds });
      return response;
    },
  };
}
