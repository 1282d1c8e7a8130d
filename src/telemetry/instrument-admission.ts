/**
 * Counts the refusals of the memory bound, which happen before a body is read and so never
 * reach a Consumer: they show in the receiver's refused requests with code OVERLOADED, with no
 * items (the refused body was never read, so its items are unknown).
 */
import type { Admission } from '../admission.js';
import { clientStatusOf } from '../otlp/status.js';
import type { Metrics, ReceiverProtocol } from './metrics.js';

export function instrumentAdmission(admission: Admission, metrics: Metrics, protocol: ReceiverProtocol): Admission {
  return {
    admit(signal, bytes) {
      try {
        return admission.admit(signal, bytes);
      } catch (err) {
        metrics.recordReceive(signal, protocol, { items: 0, refusedItems: 0, code: clientStatusOf(err).code });
        throw err;
      }
    },
  };
}
