/**
 * The ALS training thread: each request loads its own kernel instance (its own linear memory,
 * gone with the request), trains, and transfers the factor arrays back without copying them.
 */
import { parentPort } from 'node:worker_threads';
import { loadKernels } from '../../wasm/index.js';
import { toWire, type TrainReply, type TrainRequest } from './protocol.js';
import { trainAls } from './train.js';

const port = parentPort;

if (port !== null) {
  port.on('message', (req: TrainRequest) => {
    void run(req);
  });
}

async function run(req: TrainRequest): Promise<void> {
  const post = (reply: TrainReply, transfer: ArrayBuffer[] = []): void =>
    port!.postMessage(reply, transfer);
  try {
    const kernels = await loadKernels({ simd: req.simd });
    const factors = trainAls(kernels, req.userItems, req.options, (iteration, seconds) =>
      post({ id: req.id, type: 'progress', iteration, seconds }),
    );
    post({ id: req.id, type: 'done', factors }, [
      factors.userFactors.buffer as ArrayBuffer,
      factors.itemFactors.buffer as ArrayBuffer,
    ]);
  } catch (err) {
    const error = toWire(err);
    try {
      post({ id: req.id, type: 'error', error });
    } catch {
      // Details that cannot be cloned must not turn a reported error into a lost one.
      post({ id: req.id, type: 'error', error: { ...error, details: undefined } });
    }
  }
}
